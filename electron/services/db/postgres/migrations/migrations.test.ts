import crypto from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '@shared/errors/app-error';
import { testCluster } from '../../../testing/postgres-test-cluster';
import { migrate as migrateSqlite } from '../../migrations';
import { PostgresDatabase } from '../../sql/postgres-database';
import { openPostgresDatabase } from '../postgres-database';
import { migratePostgres, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, postgresSchemaVersion } from './index';

const cluster = testCluster();

/** Tables only the organisation's database has (versions, rights, the change counter). */
const POSTGRES_ONLY_TABLES = [
  'schema_version',
  'change_counter',
  'eg_assignment',
  'organisation_certificate',
  'sync_lease',
];
/** A workstation's own: its offline snapshot's date and the actions it keeps for the organisation (SQLite 0008). */
const SQLITE_ONLY_TABLES = ['offline_snapshot', 'offline_action'];
/** Columns only PostgreSQL has: the EG a journal entry is about, for row security; a run's lease holder. */
const POSTGRES_ONLY_COLUMNS = ['journal.finess_eg', 'sync_run.holder_id', 'sync_run.holder_label'];

describe.skipIf(!cluster)('PostgreSQL migrations (real server)', () => {
  const c = cluster!;
  const databases: string[] = [];
  const opened: PostgresDatabase[] = [];

  async function freshDatabase(): Promise<PostgresDatabase> {
    const name = `migr_${crypto.randomBytes(4).toString('hex')}`;
    databases.push(name);
    await c.createDatabase(name);
    const db = PostgresDatabase.fromSettings({ ...c.admin(name), ssl: false, schema: 'referent_vt' });
    opened.push(db);
    return db;
  }

  beforeAll(() => {
    expect(POSTGRES_MIGRATIONS.map((m) => m.version)).toEqual(POSTGRES_MIGRATIONS.map((_m, i) => i + 1));
  });

  afterAll(async () => {
    for (const db of opened) await db.close();
    for (const name of databases) await c.adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it.each(POSTGRES_MIGRATIONS.map((m) => [m.name, m.version] as const))(
    '%s applies on top of the previous version, in its own transaction',
    async (_name, version) => {
      const db = await freshDatabase();
      await migratePostgres(db, version - 1);
      expect(await postgresSchemaVersion(db, db.schema)).toBe(version - 1);
      await migratePostgres(db, version);
      expect(await postgresSchemaVersion(db, db.schema)).toBe(version);
      expect(await db.value('SELECT count(*) FROM schema_version')).toBe(version);
    },
  );

  it('leaves the previous version intact when a step fails', async () => {
    const db = await freshDatabase();
    const broken = [
      POSTGRES_MIGRATIONS[0]!,
      { version: 2, name: '0002-broken', sql: () => 'CREATE TABLE half_done (x integer); SELECT 1 / 0;' },
    ];
    const error = await migratePostgres(db, 2, broken).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('DB_MIGRATION_FAILED');
    expect(await postgresSchemaVersion(db, db.schema)).toBe(1);
    expect(await db.value("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'")).toBe(0);
  });

  it('refuses a database created by a newer version, and leaves it untouched', async () => {
    const db = await freshDatabase();
    await migratePostgres(db);
    await db.run("INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'futur', '2030-01-01')", [
      POSTGRES_SCHEMA_VERSION + 1,
    ]);
    const error = await migratePostgres(db).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('DB_FROM_FUTURE');
    expect((error as Error).message).toMatch(/version plus récente/);
    const database = databases[databases.length - 1]!;
    const opening = await openPostgresDatabase(c.admin(database)).catch((e: unknown) => e);
    expect(isAppError(opening) && opening.code).toBe('DB_FROM_FUTURE');
    expect(await db.value('SELECT max(version) FROM schema_version')).toBe(POSTGRES_SCHEMA_VERSION + 1);
  });

  it('has the same tables and columns as the desk’s SQLite schema, flags as integers and dates as text', async () => {
    const db = await freshDatabase();
    await migratePostgres(db);
    const sqlite = new Database(':memory:');
    migrateSqlite(sqlite);
    const sqliteColumns = new Map<string, string>();
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const table of tables.filter((t) => !SQLITE_ONLY_TABLES.includes(t))) {
      for (const col of sqlite.prepare(`SELECT name, type FROM pragma_table_info('${table}')`).all() as {
        name: string;
        type: string;
      }[]) {
        sqliteColumns.set(`${table}.${col.name}`, col.type.toUpperCase());
      }
    }
    sqlite.close();
    const pgRows = await db.all<{ column: string; type: string }>(
      `SELECT table_name || '.' || column_name AS "column", data_type AS "type" FROM information_schema.columns
        WHERE table_schema = ? ORDER BY 1`,
      [db.schema],
    );
    const pgColumns = new Map(
      pgRows
        .filter((r) => !POSTGRES_ONLY_TABLES.includes(r.column.split('.')[0]!))
        .filter((r) => !POSTGRES_ONLY_COLUMNS.includes(r.column))
        .map((r) => [r.column, r.type]),
    );
    expect([...pgColumns.keys()].sort()).toEqual([...sqliteColumns.keys()].sort());
    for (const [column, sqliteType] of sqliteColumns) {
      const expected = sqliteType === 'INTEGER' ? ['integer', 'bigint'] : ['text'];
      expect(expected, column).toContain(pgColumns.get(column));
    }
  });

  it('0002 moves the change counter once per committed writing transaction', async () => {
    const db = await freshDatabase();
    await migratePostgres(db);
    const before = await db.changeToken();
    await db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await tx.run('INSERT INTO setting (key, value) VALUES (?, ?)', [`k${i}`, 'v']);
      await tx.run("UPDATE setting SET value = 'w'");
    });
    expect(Number(await db.changeToken())).toBe(Number(before) + 1);
    await db.transaction(async (tx) => tx.value('SELECT count(*) FROM setting'));
    expect(Number(await db.changeToken())).toBe(Number(before) + 1);
  });

  it('0002 keeps the token still while another connection’s change is uncommitted, and moves it at its commit', async () => {
    const db = await freshDatabase();
    await migratePostgres(db);
    const other = PostgresDatabase.fromSettings({
      ...c.admin(databases[databases.length - 1]),
      ssl: false,
      schema: db.schema,
    });
    opened.push(other);
    const before = await db.changeToken();
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((resolve) => (inserted = resolve));
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    const writer = other.transaction(async (tx) => {
      await tx.run("INSERT INTO setting (key, value) VALUES ('k', 'v')");
      inserted();
      await committing;
    });
    await insertedOnce;
    expect(await db.changeToken()).toBe(before);
    expect(await db.value('SELECT count(*) FROM setting')).toBe(0);
    commit();
    await writer;
    expect(await db.changeToken()).not.toBe(before);
    expect(await db.value('SELECT count(*) FROM setting')).toBe(1);
  });
});
