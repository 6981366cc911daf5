/**
 * Where a store lives, as a value a worker or child process can receive: the desk's encrypted SQLite file, or the
 * organisation's PostgreSQL server. `openStore` opens either behind the same SqlDatabase.
 */
import { openDatabase } from './database';
import type { SqlDatabase } from './sql/sql-database';
import type { PostgresConnectionOptions } from './postgres/postgres-connection';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly file: string; readonly key: Buffer }
  | { readonly kind: 'postgres'; readonly connection: PostgresConnectionOptions };

export async function openStore(location: StoreLocation): Promise<SqlDatabase> {
  if (location.kind === 'sqlite') return openDatabase({ file: location.file, key: location.key });
  // Loaded only in organisation mode: a desk never pays for the PostgreSQL client.
  const { openPostgresDatabase } = await import('./postgres/postgres-database');
  return openPostgresDatabase(location.connection);
}
