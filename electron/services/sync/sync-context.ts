/** What every step of one sync run needs (injected: the transport, the clock, the journal, progress, cancel). */
import type { SdoProfileVersion } from '@shared/domain/status-report';
import type { SyncProgress } from '@shared/domain/sync';
import type { Db } from '../db/database';
import type { Journal } from '../journal/journal';
import type { Transport } from '../transport/transport';
import type { RetryPolicy } from './net/retry-policy';

export interface SyncContext {
  readonly db: Db;
  readonly transport: Transport;
  readonly journal: Journal;
  readonly now: () => Date;
  readonly profileVersion: SdoProfileVersion;
  readonly retry: RetryPolicy;
  /** Parallel DocumentReference reads (keep-alive pool of the transport). */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SyncProgress) => void;
}

export interface SyncCounters {
  decisions: number;
  statuses: number;
  sent: number;
  rejected: number;
  waiting: number;
  evaluations: number;
  units: number;
  quarantined: number;
}

export function emptyCounters(): SyncCounters {
  return { decisions: 0, statuses: 0, sent: 0, rejected: 0, waiting: 0, evaluations: 0, units: 0, quarantined: 0 };
}

export function throwIfCancelled(ctx: SyncContext): void {
  if (ctx.signal?.aborted) {
    // Imported lazily to keep this file free of value imports beyond types.
    throw Object.assign(new Error('cancelled'), { cancelled: true });
  }
}

/** Puts an item aside with its reason, once per (flow, resource id) while unresolved. Joins the caller's transaction. */
export function quarantine(
  db: Db,
  item: { finessEg: string | null; flow: string; resourceId: string | null; reason: string; raw?: string },
  nowIso: string,
): boolean {
  const existing = db
    .prepare('SELECT 1 FROM quarantine WHERE flow = ? AND resource_id IS ? AND finess_eg IS ? AND resolved_at IS NULL')
    .get(item.flow, item.resourceId, item.finessEg);
  if (existing) return false;
  db.prepare(
    'INSERT INTO quarantine (finess_eg, flow, resource_id, reason, raw, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(item.finessEg, item.flow, item.resourceId, item.reason, item.raw ?? null, nowIso);
  return true;
}

export function readCursor(db: Db, finessEg: string, flow: 'flux1' | 'flux5' | 'ror'): string | undefined {
  const row = db.prepare('SELECT cursor FROM sync_cursor WHERE finess_eg = ? AND flow = ?').get(finessEg, flow) as
    { cursor: string } | undefined;
  return row?.cursor;
}

/** First connection of a DUI: the IG allows looking back 30 days (J-30); afterwards the stored cursor is used. */
const FIRST_LOOK_BACK_MS = 30 * 24 * 3600 * 1000;

/**
 * Where a flux 1 or flux 5 search starts: the stored server-time cursor, else 30 days before the server's time
 * (taken from the first answer of the run; the local clock only if the server gave none).
 */
export function searchStart(
  ctx: SyncContext,
  finessEg: string,
  flow: 'flux1' | 'flux5',
  firstServerTime: string | undefined,
): string {
  return (
    readCursor(ctx.db, finessEg, flow) ??
    new Date(new Date(firstServerTime ?? ctx.now().toISOString()).getTime() - FIRST_LOOK_BACK_MS).toISOString()
  );
}

export function writeCursor(
  db: Db,
  finessEg: string,
  flow: 'flux1' | 'flux5' | 'ror',
  cursor: string,
  nowIso: string,
): void {
  db.prepare(
    `INSERT INTO sync_cursor (finess_eg, flow, cursor, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (finess_eg, flow) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
  ).run(finessEg, flow, cursor, nowIso);
}

/** `_lastUpdated=gt<instant>` with the `+` of the offset as %2B (brief §3.1). */
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

/** Server time of a search: Bundle.meta.lastUpdated, else the response Date header (decisions.md §9). */
export function serverInstant(bundle: unknown, serverDate: string | undefined): string | undefined {
  const meta = (bundle as { meta?: { lastUpdated?: string } } | undefined)?.meta?.lastUpdated;
  if (typeof meta === 'string') return meta;
  return serverDate ? new Date(serverDate).toISOString() : undefined;
}
