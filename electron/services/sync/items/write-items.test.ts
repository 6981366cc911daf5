import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase, SqlExecutor } from '../../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../../testing/test-stores';
import { writeEachItem } from './write-items';

describe.each(TEST_BACKENDS)('writeEachItem (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
  });
  afterEach(async () => store.close());

  /** Writes two settings per item; item "b" then breaks a constraint, as a failing write does. */
  const write = async (exec: SqlExecutor, item: string) => {
    await exec.run('INSERT INTO setting (key, value) VALUES (?, ?)', [`test.${item}.1`, item]);
    await exec.run('INSERT INTO setting (key, value) VALUES (?, ?)', [`test.${item}.2`, item]);
    if (item === 'b') await exec.run('INSERT INTO setting (key, value) VALUES (?, ?)', ['test.a.1', 'again']);
    return item.toUpperCase();
  };
  const written = () =>
    db.all<{ key: string; value: string }>("SELECT key, value FROM setting WHERE key LIKE 'test.%' ORDER BY key");

  it('keeps every item of a page whose writes all succeed', async () => {
    const results = await db.transaction((tx) => writeEachItem(tx, ['a', 'c'], write));
    expect(results).toEqual([
      { ok: true, value: 'A' },
      { ok: true, value: 'C' },
    ]);
    expect((await written()).map((r) => r.key)).toEqual(['test.a.1', 'test.a.2', 'test.c.1', 'test.c.2']);
  });

  it('undoes the failing item alone, wholly, and goes on with the transaction', async () => {
    const results = await db.transaction(async (tx) => {
      const page = await writeEachItem(tx, ['a', 'b', 'c'], write);
      // The transaction is still usable after the failure (PostgreSQL aborts it unless the savepoint is undone).
      await tx.run("INSERT INTO setting (key, value) VALUES ('test.after', 'x')");
      return page;
    });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, error: expect.any(Error) as Error });
    expect(await written()).toEqual([
      { key: 'test.a.1', value: 'a' },
      { key: 'test.a.2', value: 'a' },
      { key: 'test.after', value: 'x' },
      { key: 'test.c.1', value: 'c' },
      { key: 'test.c.2', value: 'c' },
    ]);
  });
});
