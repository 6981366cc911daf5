import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { RootStatementInTransactionError } from './sql-database';
import { SqliteDatabase } from './sqlite-database';

function memory(): SqliteDatabase {
  const db = new SqliteDatabase(new Database(':memory:'));
  db.connection.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, flag INTEGER)');
  return db;
}

describe('SqliteDatabase', () => {
  it('binds positional and named parameters, booleans as 0/1 and undefined as NULL', async () => {
    const db = memory();
    await db.run('INSERT INTO t (name, flag) VALUES (?, ?)', ['a', true]);
    const id = await db.value<number>('INSERT INTO t (name, flag) VALUES (@name, @flag) RETURNING id', {
      name: 'b',
      flag: undefined,
    });
    expect(id).toBe(2);
    expect(await db.all('SELECT name, flag FROM t ORDER BY id')).toEqual([
      { name: 'a', flag: 1 },
      { name: 'b', flag: null },
    ]);
    expect(await db.get('SELECT name FROM t WHERE id = ?', [3])).toBeUndefined();
  });

  it('makes a statement of another flow wait until the open transaction commits', async () => {
    const db = memory();
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((resolve) => (inserted = resolve));
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO t (name) VALUES ('in-tx')");
      inserted();
      await finishing;
      await t.run("INSERT INTO t (name) VALUES ('in-tx-2')");
    });
    await insertedOnce;
    const count = db.value<number>('SELECT count(*) FROM t');
    finish();
    await tx;
    // Had the count run inside the open transaction, it would have seen one row.
    expect(await count).toBe(2);
  });

  it('rolls back a transaction that throws, and a failed savepoint alone', async () => {
    const db = memory();
    await expect(
      db.transaction(async (t) => {
        await t.run("INSERT INTO t (name) VALUES ('lost')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await db.transaction(async (t) => {
      await t.run("INSERT INTO t (name) VALUES ('kept')");
      await expect(
        t.transaction(async (inner) => {
          await inner.run("INSERT INTO t (name) VALUES ('inner')");
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
    });
    expect(await db.all('SELECT name FROM t')).toEqual([{ name: 'kept' }]);
  });

  it('refuses a statement sent to the database from inside its own transaction', async () => {
    const db = memory();
    await expect(db.transaction(() => db.run("INSERT INTO t (name) VALUES ('x')"))).rejects.toBeInstanceOf(
      RootStatementInTransactionError,
    );
    expect(await db.value('SELECT count(*) FROM t')).toBe(0);
  });

  it('changes its token when this connection commits a change', async () => {
    const db = memory();
    const before = await db.changeToken();
    expect(await db.changeToken()).toBe(before);
    await db.run("INSERT INTO t (name) VALUES ('x')");
    expect(await db.changeToken()).not.toBe(before);
  });
});
