/**
 * The live link of a workstation in organisation mode (issue 15), as bootstrap starts it: the other workstations'
 * commits, told by PostgreSQL (LISTEN/NOTIFY, db/postgres/change-listener.ts), become the app's data:changed.
 * Loaded only in organisation mode (bootstrap imports it dynamically): a desk never loads the PostgreSQL client.
 */
import { listenForChanges, type ChangeListener, type ChangeNotice } from '../db/postgres/change-listener';
import { PostgresDatabase } from '../db/sql/postgres-database';
import type { SqlDatabase } from '../db/sql/sql-database';
import { createLogger } from '../logging/logger';

/** Nothing for the desk's SQLite, nor in a degraded start (which runs on it). */
export function startLiveLink(db: SqlDatabase, onChange: (notice: ChangeNotice) => void): ChangeListener | undefined {
  if (!(db instanceof PostgresDatabase)) return undefined;
  return listenForChanges(db, { onChange, log: createLogger('lien-direct') });
}
