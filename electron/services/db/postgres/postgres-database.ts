/**
 * Opens the organisation's PostgreSQL store: TLS verify-full against the organisation's CA over the network, the
 * schema checked (a newer one refused, a missing or older one reported for the administrator to create or update).
 */
import { AppError } from '@shared/errors/app-error';
import { PostgresDatabase } from '../sql/postgres-database';
import type { PostgresConnectionOptions } from './postgres-connection';
import { assertPostgresSchemaCurrent, migratePostgres } from './migrations';

export { PostgresDatabase } from '../sql/postgres-database';

export const DEFAULT_SCHEMA = 'referent_vt';

/** PostgreSQL 15 (server_version_num): what the migrations and row security are written and tested for. */
const MINIMUM_SERVER_VERSION = 150000;

export interface OpenPostgresOptions {
  /** Administrator only: create or update the schema instead of refusing it. */
  readonly migrate?: boolean;
  readonly maxConnections?: number;
}

export async function openPostgresDatabase(
  connection: PostgresConnectionOptions,
  options: OpenPostgresOptions = {},
): Promise<PostgresDatabase> {
  const overSocket = connection.host.startsWith('/');
  if (connection.tls.mode === 'disable' && !overSocket) {
    throw new AppError(
      'DB_TLS_REFUSED',
      'La connexion au serveur PostgreSQL de l’organisation doit être chiffrée (TLS) : renseignez son autorité de ' +
        'certification dans Paramètres.',
    );
  }
  const db = PostgresDatabase.fromSettings({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ssl: connection.tls.mode === 'verify-full' ? { ca: connection.tls.caPem } : false,
    schema: connection.schema ?? DEFAULT_SCHEMA,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  try {
    const version = Number(await db.value<string>('SHOW server_version_num'));
    if (version < MINIMUM_SERVER_VERSION) {
      throw new AppError(
        'DB_SERVER_TOO_OLD',
        `Le serveur PostgreSQL de l’organisation est en version ${Math.floor(version / 10000)} : Référent VT demande ` +
          'PostgreSQL 15 ou plus récent.',
      );
    }
    if (options.migrate) await migratePostgres(db);
    else await assertPostgresSchemaCurrent(db, db.schema);
    return db;
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}
