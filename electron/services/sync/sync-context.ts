/** What every step of one sync run needs (injected: the transport, the clock, the journal, progress, cancel). */
import type { SdoContext } from '../fhir';
import type { SyncProgress } from '@shared/domain/sync';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import type { Transport } from '../transport/transport';
import type { SyncLimits } from './items/item-store';
import type { RetryPolicy } from './net/retry-policy';

export interface SyncContext {
  readonly db: SqlDatabase;
  readonly transport: Transport;
  readonly journal: Journal;
  readonly now: () => Date;
  /** The environment's guide and terminology releases: what received resources are checked against. */
  readonly sdo: SdoContext;
  readonly retry: RetryPolicy;
  /** Parallel DocumentReference reads (keep-alive pool of the transport). */
  readonly concurrency: number;
  /** Attachment size and "à relire" duration (Paramètres). */
  readonly limits: SyncLimits;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SyncProgress) => void;
  /** Called in the transaction that marks an item sent: the run's record counts it even if the process dies next. */
  readonly onSent?: (counters: SyncCounters, tx: SqlExecutor) => Promise<void>;
}

export interface SyncCounters {
  decisions: number;
  statuses: number;
  sent: number;
  rejected: number;
  waiting: number;
  evaluations: number;
  units: number;
  /** Items put in quarantine by this run. */
  quarantined: number;
  /** Items this run kept "à relire". */
  toReread: number;
  /** Named warnings (skipped entries, periods possibly missing): ids only. */
  warnings: string[];
}

export function emptyCounters(): SyncCounters {
  return {
    decisions: 0,
    statuses: 0,
    sent: 0,
    rejected: 0,
    waiting: 0,
    evaluations: 0,
    units: 0,
    quarantined: 0,
    toReread: 0,
    warnings: [],
  };
}

export function throwIfCancelled(ctx: SyncContext): void {
  if (ctx.signal?.aborted) {
    // Imported lazily to keep this file free of value imports beyond types.
    throw Object.assign(new Error('cancelled'), { cancelled: true });
  }
}

/** The run was cancelled (the error then ends the run, it is no item's failure). */
export function isCancellation(ctx: Pick<SyncContext, 'signal'>, error: unknown): boolean {
  return (error as { cancelled?: boolean } | undefined)?.cancelled === true || ctx.signal?.aborted === true;
}

export async function readCursor(
  db: SqlExecutor,
  finessEg: string,
  flow: 'flux1' | 'flux5' | 'ror',
): Promise<string | undefined> {
  return db.value<string>('SELECT cursor FROM sync_cursor WHERE finess_eg = ? AND flow = ?', [finessEg, flow]);
}

/** Moves a cursor forward only: an answer carrying an older instant never makes a search look back less far. */
export async function writeCursor(
  db: SqlExecutor,
  finessEg: string,
  flow: 'flux1' | 'flux5' | 'ror',
  cursor: string,
  nowIso: string,
): Promise<void> {
  const current = await readCursor(db, finessEg, flow);
  const at = Date.parse(cursor);
  if (Number.isNaN(at)) return;
  if (current !== undefined && Date.parse(current) >= at) return;
  await db.run(
    `INSERT INTO sync_cursor (finess_eg, flow, cursor, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (finess_eg, flow) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
    [finessEg, flow, cursor, nowIso],
  );
}

/** `_lastUpdated=gt<instant>` with the `+` of the offset as %2B (guide SDO 4.0.7, flux 1.1). */
export function lastUpdatedParam(instant: string): string {
  return `gt${encodeURIComponent(instant)}`;
}

/** A `next` link is absolute; the transport takes paths relative to the FHIR base. */
export function relativeToBase(link: string): string {
  const match = /\/((?:DocumentReference|Task|HealthcareService|Consent)(?:[/?].*)?)$/.exec(
    new URL(link).pathname + new URL(link).search,
  );
  if (!match?.[1]) throw new Error(`Lien de page inattendu : ${link}`);
  return match[1];
}

export function nextLink(bundle: unknown): string | undefined {
  const links = (bundle as { link?: { relation?: string; url?: string }[] } | undefined)?.link ?? [];
  return links.find((l) => l.relation === 'next')?.url;
}

/** Server time of a search: Bundle.meta.lastUpdated, else the response Date header (docs/decisions.md §9). */
export function serverInstant(bundle: unknown, serverDate: string | undefined): string | undefined {
  const meta = (bundle as { meta?: { lastUpdated?: string } } | undefined)?.meta?.lastUpdated;
  if (typeof meta === 'string') return meta;
  return serverDate ? new Date(serverDate).toISOString() : undefined;
}
