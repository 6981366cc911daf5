/**
 * The workstation's offline snapshot (docs/decisions.md §16): an encrypted SQLite file per environment, with the
 * desk's schema and key, holding what the work list, the waiting lists and a notification's detail read — only
 * the rows this workstation's account may see, since they are read through its own connection (row security).
 * Ids are the organisation's: an action queued offline names the very notification it is replayed on.
 *
 * A refresh reads the organisation in one read-only transaction (REPEATABLE READ: one consistent state, dated by
 * the server's clock at its start) and rewrites the snapshot in one SQLite transaction, page by page so memory stays
 * bounded. The small tables are replaced whole; decisions, which carry their CDA, are compared on their light
 * columns and only the new or changed ones fetched with it. The journal and the offline actions are never touched.
 */
import path from 'node:path';
import type { EnvironmentId } from '@shared/domain/environments';
import { openSqliteConnection, type Db } from '../db/database';
import type { StoreLocation } from '../db/open-store';
import type { SqlExecutor } from '../db/sql/sql-database';
import { environmentPaths } from '../environments/environment-store';

/** File name of the snapshot, beside the desk's database in the environment's folder. */
export const SNAPSHOT_FILE_NAME = 'organisation-hors-ligne.db';

/** Rows fetched per round trip: light rows, and decisions with their CDA. */
const PAGE_ROWS = 2000;
const HEAVY_PAGE_ROWS = 200;

interface SnapshotTable {
  readonly name: string;
  /** Single-column integer key: the table is read in pages on it (the others are small). */
  readonly paged: boolean;
  /** Large columns fetched only for rows new or changed since the last refresh. */
  readonly heavy?: readonly string[];
}

/** In reference order. What the work list, waiting lists, dashboard and detail read (not the journal, not sync). */
const SNAPSHOT_TABLES: readonly SnapshotTable[] = [
  { name: 'legal_entity', paged: false },
  { name: 'geographic_entity', paged: false },
  { name: 'ror_unit', paged: true },
  { name: 'person', paged: true },
  { name: 'decision', paged: true, heavy: ['raw_resource_json', 'raw_cda'] },
  { name: 'decision_link', paged: false },
  { name: 'notification', paged: true },
  { name: 'status_event', paged: true },
  { name: 'unit_line', paged: true },
  { name: 'outbox', paged: true },
  { name: 'consent', paged: true },
  { name: 'evaluation', paged: false },
];

export interface SnapshotInfo {
  /** When the organisation's rows were read, by the server's clock (ISO, UTC). */
  readonly takenAt: string;
  /** When this workstation finished writing them (its own clock). */
  readonly refreshedAt: string;
  /** The organisation account the rows were read as. */
  readonly account: string;
  readonly notifications: number;
}

export interface RefreshReport extends SnapshotInfo {
  /** Rows written, all tables together (decisions unchanged since the last refresh are not rewritten). */
  readonly rowsWritten: number;
  /** Decisions fetched with their CDA (new or changed). */
  readonly decisionsFetched: number;
}

/** Where the snapshot of this environment lives, encrypted with the desk's database key. */
export function snapshotLocation(
  dataRoot: string,
  environment: EnvironmentId,
  databaseKey: (databaseFile: string) => Buffer,
): StoreLocation & { kind: 'sqlite' } {
  const { dataDir, databaseFile } = environmentPaths(dataRoot, environment);
  return { kind: 'sqlite', file: path.join(dataDir, SNAPSHOT_FILE_NAME), key: databaseKey(databaseFile) };
}

/** Opens (creates, migrates) the snapshot's raw connection: the refresh writes through it in bulk. */
export function openSnapshotConnection(location: StoreLocation & { kind: 'sqlite' }): Db {
  return openSqliteConnection({ file: location.file, key: location.key });
}

/** The snapshot's date, or undefined when it was never filled. */
export function readSnapshotInfo(snapshot: Db): SnapshotInfo | undefined {
  const row = snapshot
    .prepare('SELECT taken_at, refreshed_at, account, notifications FROM offline_snapshot WHERE id = 1')
    .get() as { taken_at: string; refreshed_at: string; account: string; notifications: number } | undefined;
  return row
    ? { takenAt: row.taken_at, refreshedAt: row.refreshed_at, account: row.account, notifications: row.notifications }
    : undefined;
}

/**
 * Copies what `organisation` shows this account into `snapshot`, replacing the previous copy. The organisation is
 * read in one read-only transaction, the snapshot written in one transaction: a failure (the server lost midway)
 * leaves the previous snapshot whole.
 */
export async function refreshSnapshot(
  organisation: SqlExecutor,
  snapshot: Db,
  account: string,
  now: () => Date,
  /** Per table: how long its copy took (the bench reports it). */
  onTable?: (table: string, milliseconds: number) => void,
): Promise<RefreshReport> {
  return organisation.transaction(
    async (tx) => {
      const takenAt = await serverNow(tx);
      let rowsWritten = 0;
      let decisionsFetched = 0;
      // Rows an account may not see may still be referenced by rows it sees (a decision link to another EG's
      // decision): the copy is what row security shows, so the snapshot does not check references.
      snapshot.pragma('foreign_keys = OFF');
      snapshot.exec('BEGIN IMMEDIATE');
      try {
        for (const table of SNAPSHOT_TABLES) {
          const started = performance.now();
          const columns = await sharedColumns(tx, snapshot, table.name);
          if (table.heavy) {
            const copied = await copyIncrementally(tx, snapshot, table, columns);
            rowsWritten += copied.written;
            decisionsFetched += copied.written;
          } else {
            snapshot.prepare(`DELETE FROM ${table.name}`).run();
            rowsWritten += await copyWhole(tx, snapshot, table, columns);
          }
          onTable?.(table.name, performance.now() - started);
        }
        const notifications = Number(snapshot.prepare('SELECT count(*) AS n FROM notification').pluck().get());
        const info: SnapshotInfo = { takenAt, refreshedAt: now().toISOString(), account, notifications };
        snapshot
          .prepare(
            `INSERT INTO offline_snapshot (id, taken_at, refreshed_at, account, notifications)
             VALUES (1, @takenAt, @refreshedAt, @account, @notifications)
             ON CONFLICT (id) DO UPDATE SET taken_at = @takenAt, refreshed_at = @refreshedAt, account = @account,
               notifications = @notifications`,
          )
          .run(info);
        snapshot.exec('COMMIT');
        return { ...info, rowsWritten, decisionsFetched };
      } catch (e) {
        if (snapshot.inTransaction) snapshot.exec('ROLLBACK');
        throw e;
      } finally {
        snapshot.pragma('foreign_keys = ON');
      }
    },
    { readOnly: true },
  );
}

/** The server's clock at the start of the read transaction (the state every read of it sees), ISO UTC. */
async function serverNow(tx: SqlExecutor): Promise<string> {
  const sql =
    tx.dialect === 'postgres'
      ? `SELECT to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  return String(await tx.value<string>(sql));
}

/** The snapshot's columns the organisation also has (its schema may hold more, e.g. claims, row security). */
async function sharedColumns(tx: SqlExecutor, snapshot: Db, table: string): Promise<string[]> {
  const local = (snapshot.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).sort();
  const remoteSql =
    tx.dialect === 'postgres'
      ? `SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = ?`
      : `SELECT name FROM pragma_table_info(?)`;
  const remote = new Set((await tx.all<{ name: string }>(remoteSql, [table])).map((r) => r.name));
  return local.filter((c) => remote.has(c));
}

const cell = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : (value ?? null));

function insertStatement(snapshot: Db, table: string, columns: readonly string[], replace = false) {
  const statement = snapshot.prepare(
    `INSERT ${replace ? 'OR REPLACE ' : ''}INTO ${table} (${columns.join(', ')}) ` +
      `VALUES (${columns.map(() => '?').join(', ')})`,
  );
  return (row: Record<string, unknown>) => statement.run(columns.map((c) => cell(row[c])));
}

async function copyWhole(
  tx: SqlExecutor,
  snapshot: Db,
  table: SnapshotTable,
  columns: readonly string[],
): Promise<number> {
  const insert = insertStatement(snapshot, table.name, columns);
  const select = `SELECT ${columns.join(', ')} FROM ${table.name}`;
  if (!table.paged) {
    const rows = await tx.all(select);
    rows.forEach(insert);
    return rows.length;
  }
  let written = 0;
  for (let after = 0; ;) {
    const rows = await tx.all(`${select} WHERE id > ? ORDER BY id LIMIT ${PAGE_ROWS}`, [after]);
    rows.forEach(insert);
    written += rows.length;
    if (rows.length < PAGE_ROWS) return written;
    after = Number(rows[rows.length - 1]!.id);
  }
}

/**
 * Decisions: their light columns compared with the snapshot's, then only the new or changed rows fetched whole;
 * those gone from the organisation's view removed.
 */
async function copyIncrementally(
  tx: SqlExecutor,
  snapshot: Db,
  table: SnapshotTable,
  columns: readonly string[],
): Promise<{ written: number }> {
  const heavy = new Set(table.heavy);
  const light = columns.filter((c) => !heavy.has(c));
  const fingerprint = (row: Record<string, unknown>) => JSON.stringify(light.map((c) => cell(row[c])));
  const held = new Map<number, string>();
  for (const row of snapshot.prepare(`SELECT ${light.join(', ')} FROM ${table.name}`).all() as Record<
    string,
    unknown
  >[]) {
    held.set(Number(row.id), fingerprint(row));
  }
  const changed: number[] = [];
  const seen = new Set<number>();
  for (let after = 0; ;) {
    const rows = await tx.all(
      `SELECT ${light.join(', ')} FROM ${table.name} WHERE id > ? ORDER BY id LIMIT ${PAGE_ROWS}`,
      [after],
    );
    for (const row of rows) {
      const id = Number(row.id);
      seen.add(id);
      if (held.get(id) !== fingerprint(row)) changed.push(id);
    }
    if (rows.length < PAGE_ROWS) break;
    after = Number(rows[rows.length - 1]!.id);
  }
  const remove = snapshot.prepare(`DELETE FROM ${table.name} WHERE id = ?`);
  for (const id of held.keys()) if (!seen.has(id)) remove.run(id);
  const upsert = insertStatement(snapshot, table.name, columns, true);
  for (let i = 0; i < changed.length; i += HEAVY_PAGE_ROWS) {
    const ids = changed.slice(i, i + HEAVY_PAGE_ROWS);
    const rows = await tx.all(
      `SELECT ${columns.join(', ')} FROM ${table.name} WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    rows.forEach(upsert);
  }
  return { written: changed.length };
}
