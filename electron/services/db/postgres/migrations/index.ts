/**
 * Numbered PostgreSQL migrations, with the SQLite ones' guarantees: progress kept in `schema_version`, each step in
 * its own transaction (a failed step leaves the previous version intact), a database newer than the code refused.
 * Two administrators migrating at once are serialised by a lock on schema_version. Never edit a shipped
 * migration: add the next one (and grant its new tables to the group roles).
 */
import { AppError } from '@shared/errors/app-error';
import type { PostgresDatabase } from '../../sql/postgres-database';
import type { SqlExecutor } from '../../sql/sql-database';
import type { PostgresMigration } from './migration';
import { migration as m0001 } from './0001-schema';
import { migration as m0002 } from './0002-change-counter';
import { migration as m0003 } from './0003-roles-and-row-security';
import { migration as m0004 } from './0004-sync-lease';
import { migration as m0005 } from './0005-change-notify';
import { migration as m0006 } from './0006-row-version';
import { migration as m0007 } from './0007-outbox-claims';
import { migration as m0008 } from './0008-organisation-certificates';
import { migration as m0009 } from './0009-worklist-list-stamp';

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

export function futureSchemaError(found: number): AppError {
  return new AppError(
    'DB_FROM_FUTURE',
    `Cette base de données a été créée par une version plus récente de Référent VT (schéma ${found}, ` +
      `cette version connaît le schéma ${POSTGRES_SCHEMA_VERSION}). Mettez l'application à jour.`,
  );
}

/** The schema's version, 0 when Référent VT's schema is not there yet. */
export async function postgresSchemaVersion(db: SqlExecutor, schema: string): Promise<number> {
  const exists = await db.value<number>(
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'schema_version'",
    [schema],
  );
  if (!exists) return 0;
  return (await db.value<number>('SELECT coalesce(max(version), 0) FROM schema_version')) ?? 0;
}

/**
 * Brings the schema to targetVersion (default: the code's). Creates the schema if absent; needs a role allowed to
 * create it and to create roles (the organisation's administrator).
 */
export async function migratePostgres(
  db: PostgresDatabase,
  targetVersion: number = POSTGRES_SCHEMA_VERSION,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<void> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} porte la version ${m.version}, attendu ${i + 1}`);
  });
  const schema = db.schema;
  await db.exec(`
    CREATE SCHEMA IF NOT EXISTS ${schema};
    CREATE TABLE IF NOT EXISTS ${schema}.schema_version (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  text NOT NULL
    );`);
  for (;;) {
    const applied = await db.transaction(async (tx) => {
      await tx.exec('LOCK TABLE schema_version IN EXCLUSIVE MODE');
      const from = await postgresSchemaVersion(tx, schema);
      if (from > migrations.length) throw futureSchemaError(from);
      const next = migrations[from];
      if (!next || next.version > targetVersion) return false;
      try {
        await tx.exec(next.sql(schema));
      } catch (e) {
        throw new AppError(
          'DB_MIGRATION_FAILED',
          'La mise à jour de la base de données a échoué ; vos données sont intactes.',
          `${next.name}: ${(e as Error).message}`,
        );
      }
      await tx.run('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)', [
        next.version,
        next.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (!applied) return;
  }
}

/** Refuses a schema newer than the code, or one not yet created or brought up to date by the administrator. */
export async function assertPostgresSchemaCurrent(db: SqlExecutor, schema: string): Promise<void> {
  const found = await postgresSchemaVersion(db, schema);
  if (found > POSTGRES_SCHEMA_VERSION) throw futureSchemaError(found);
  if (found < POSTGRES_SCHEMA_VERSION) {
    throw new AppError(
      'DB_SCHEMA_MISSING',
      found === 0
        ? `Le schéma « ${schema} » de Référent VT n’existe pas encore sur le serveur de l’organisation : ` +
            'l’administrateur doit le créer (npx referent-vt organisation create-schema).'
        : `Le schéma « ${schema} » est à la version ${found}, cette version de Référent VT attend la version ` +
            `${POSTGRES_SCHEMA_VERSION} : l’administrateur doit le mettre à jour (npx referent-vt organisation create-schema).`,
    );
  }
}
