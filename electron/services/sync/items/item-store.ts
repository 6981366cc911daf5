/**
 * The one writer of `quarantine` rows for items ViaTrajectoire sent (issue 10). A failed item is recorded in the
 * same transaction as the rest of its page, so the cursor never passes an item that is neither stored nor recorded.
 * Transient failures are kept "à relire" and become due again after a backoff (1 min doubling, at most 1 h: in
 * practice every following run); past the configured time (default 7 days) they become permanent.
 */
import type { SqlExecutor } from '../../db/sql/sql-database';
import { createLogger } from '../../logging/logger';
import type { ItemFailure } from './item-failure';

const log = createLogger('sync');

export type ItemFlow = 'flux1' | 'flux3' | 'flux5';

export const MAX_ATTACHMENT_BYTES_SETTING = 'sync.maxAttachmentBytes';
export const REREAD_DAYS_SETTING = 'sync.rereadDays';
export const DEFAULT_MAX_ATTACHMENT_BYTES = 1024 * 1024;
export const DEFAULT_REREAD_DAYS = 7;

export interface SyncLimits {
  /** Largest decoded attachment (CDA) taken in, checked from the base64 length before decoding. */
  readonly maxAttachmentBytes: number;
  /** How long an item stays "à relire" before it is put in quarantine for good. */
  readonly rereadDays: number;
}

function intSetting(
  values: ReadonlyMap<string, string>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = values.get(key);
  const n = value === undefined ? NaN : Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

export const LIMIT_BOUNDS = {
  maxAttachmentBytes: { min: 16 * 1024, max: 64 * 1024 * 1024 },
  rereadDays: { min: 1, max: 90 },
} as const;

export async function readSyncLimits(db: SqlExecutor): Promise<SyncLimits> {
  const rows = await db.all<{ key: string; value: string }>('SELECT key, value FROM setting WHERE key IN (?, ?)', [
    MAX_ATTACHMENT_BYTES_SETTING,
    REREAD_DAYS_SETTING,
  ]);
  const values = new Map(rows.map((r) => [r.key, r.value]));
  return {
    maxAttachmentBytes: intSetting(
      values,
      MAX_ATTACHMENT_BYTES_SETTING,
      DEFAULT_MAX_ATTACHMENT_BYTES,
      LIMIT_BOUNDS.maxAttachmentBytes.min,
      LIMIT_BOUNDS.maxAttachmentBytes.max,
    ),
    rereadDays: intSetting(
      values,
      REREAD_DAYS_SETTING,
      DEFAULT_REREAD_DAYS,
      LIMIT_BOUNDS.rereadDays.min,
      LIMIT_BOUNDS.rereadDays.max,
    ),
  };
}

export async function writeSyncLimits(db: SqlExecutor, limits: Partial<SyncLimits>): Promise<void> {
  const put = (key: string, value: number) =>
    db.run('INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      key,
      String(value),
    ]);
  if (limits.maxAttachmentBytes !== undefined) await put(MAX_ATTACHMENT_BYTES_SETTING, limits.maxAttachmentBytes);
  if (limits.rereadDays !== undefined) await put(REREAD_DAYS_SETTING, limits.rereadDays);
}

const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 3600_000;

export function rereadDelayMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export interface RecordedFailure {
  readonly kind: 'quarantaine' | 'à relire';
  readonly isNew: boolean;
}

interface OpenRow {
  id: number;
  created_at: string;
  attempts: number;
}

/** Records (or updates) the open row of one item. Joins the caller's transaction. */
export async function recordItemFailure(
  db: SqlExecutor,
  item: { finessEg: string | null; flow: ItemFlow; resourceId: string | null; failure: ItemFailure },
  now: Date,
  limits: SyncLimits,
): Promise<RecordedFailure> {
  const nowIso = now.toISOString();
  const existing = await db.get<OpenRow>(
    `SELECT id, created_at, attempts FROM quarantine
     WHERE flow = ? AND resource_id IS NOT DISTINCT FROM CAST(? AS TEXT)
       AND finess_eg IS NOT DISTINCT FROM CAST(? AS TEXT) AND resolved_at IS NULL`,
    [item.flow, item.resourceId, item.finessEg],
  );
  const f = item.failure;
  const attempts = (existing?.attempts ?? 0) + 1;
  const firstSeen = existing ? new Date(existing.created_at) : now;
  const expired = now.getTime() - firstSeen.getTime() >= limits.rereadDays * 86_400_000;
  const kind = f.failure === 'transient' && !expired ? 'à relire' : 'quarantaine';
  const reason =
    f.failure === 'transient' && expired
      ? `Toujours illisible après ${limits.rereadDays} jours de relectures : ${f.reason}`
      : f.reason;
  const nextAttempt = kind === 'à relire' ? new Date(now.getTime() + rereadDelayMs(attempts)).toISOString() : null;
  const values = {
    kind,
    rule: f.rule,
    reason,
    diagnostics: f.diagnostics ?? null,
    raw: f.raw ?? null,
    importable: kind === 'quarantaine' && f.importable ? 1 : 0,
    now: nowIso,
    next: nextAttempt,
    attempts,
  };
  if (existing) {
    await db.run(
      `UPDATE quarantine SET kind = @kind, rule = @rule, reason = @reason, diagnostics = @diagnostics,
         raw = coalesce(@raw, raw), importable = @importable, last_seen_at = @now, next_attempt_at = @next,
         attempts = @attempts WHERE id = @id`,
      { ...values, id: existing.id },
    );
  } else {
    await db.run(
      `INSERT INTO quarantine (finess_eg, flow, resource_id, kind, rule, reason, diagnostics, raw, importable,
         created_at, last_seen_at, next_attempt_at, attempts)
       VALUES (@eg, @flow, @resourceId, @kind, @rule, @reason, @diagnostics, @raw, @importable, @now, @now, @next,
         @attempts)`,
      { ...values, eg: item.finessEg, flow: item.flow, resourceId: item.resourceId },
    );
  }
  // One technical line per refused item: ids and rule code only (no personal data).
  log.warn('Élément refusé', {
    flow: item.flow,
    eg: item.finessEg,
    id: item.resourceId,
    rule: f.rule,
    classe: kind,
    tentatives: attempts,
  });
  return { kind, isNew: !existing };
}

/** The item landed (re-read, imported anyway): its open row, if any, is closed. Joins the caller's transaction. */
export async function resolveItem(
  db: SqlExecutor,
  item: { finessEg: string | null; flow: ItemFlow; resourceId: string },
  nowIso: string,
  resolution: string,
): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE quarantine SET resolved_at = ?, resolution = ?, next_attempt_at = NULL
     WHERE flow = ? AND resource_id = ? AND finess_eg IS NOT DISTINCT FROM CAST(? AS TEXT) AND resolved_at IS NULL`,
    [nowIso, resolution, item.flow, item.resourceId, item.finessEg],
  );
  return changes > 0;
}

/** Resource ids of one flow and EG with an open row ("à relire" or quarantine): the items a write may resolve. */
export async function openItemIds(db: SqlExecutor, flow: ItemFlow, finessEg: string): Promise<Set<string>> {
  const rows = await db.all<{ resource_id: string }>(
    `SELECT resource_id FROM quarantine WHERE flow = ? AND finess_eg = ? AND resolved_at IS NULL
       AND resource_id IS NOT NULL`,
    [flow, finessEg],
  );
  return new Set(rows.map((r) => r.resource_id));
}

/** Ids "à relire" of one flow and EG whose backoff has passed. */
export async function dueRereads(db: SqlExecutor, flow: ItemFlow, finessEg: string, now: Date): Promise<string[]> {
  const rows = await db.all<{ resource_id: string }>(
    `SELECT resource_id FROM quarantine WHERE flow = ? AND finess_eg = ? AND kind = 'à relire'
       AND resolved_at IS NULL AND resource_id IS NOT NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
     ORDER BY id`,
    [flow, finessEg, now.toISOString()],
  );
  return rows.map((r) => r.resource_id);
}

/** "Relire maintenant": the item becomes "à relire" and due at once (the caller then starts a sync). */
export async function markForRereadNow(db: SqlExecutor, quarantineId: number): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE quarantine SET kind = 'à relire', next_attempt_at = NULL WHERE id = ? AND resolved_at IS NULL
       AND resource_id IS NOT NULL AND flow IN ('flux1', 'flux5')`,
    [quarantineId],
  );
  return changes > 0;
}
