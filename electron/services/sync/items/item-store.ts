/**
 * The one writer of `quarantine` rows for items ViaTrajectoire sent (issue 10). A failed item is recorded in the
 * same transaction as the rest of its page, so the cursor never passes an item that is neither stored nor recorded.
 * Transient failures are kept "à relire" and become due again after a backoff (1 min doubling, at most 1 h: in
 * practice every following run); past the configured time (default 7 days) they become permanent.
 */
import type { Db } from '../../db/database';
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

function intSetting(db: Db, key: string, fallback: number, min: number, max: number): number {
  const value = db.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(key) as string | undefined;
  const n = value === undefined ? NaN : Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

export const LIMIT_BOUNDS = {
  maxAttachmentBytes: { min: 16 * 1024, max: 64 * 1024 * 1024 },
  rereadDays: { min: 1, max: 90 },
} as const;

export function readSyncLimits(db: Db): SyncLimits {
  return {
    maxAttachmentBytes: intSetting(
      db,
      MAX_ATTACHMENT_BYTES_SETTING,
      DEFAULT_MAX_ATTACHMENT_BYTES,
      LIMIT_BOUNDS.maxAttachmentBytes.min,
      LIMIT_BOUNDS.maxAttachmentBytes.max,
    ),
    rereadDays: intSetting(
      db,
      REREAD_DAYS_SETTING,
      DEFAULT_REREAD_DAYS,
      LIMIT_BOUNDS.rereadDays.min,
      LIMIT_BOUNDS.rereadDays.max,
    ),
  };
}

export function writeSyncLimits(db: Db, limits: Partial<SyncLimits>): void {
  const put = db.prepare(
    'INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  if (limits.maxAttachmentBytes !== undefined) put.run(MAX_ATTACHMENT_BYTES_SETTING, String(limits.maxAttachmentBytes));
  if (limits.rereadDays !== undefined) put.run(REREAD_DAYS_SETTING, String(limits.rereadDays));
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
export function recordItemFailure(
  db: Db,
  item: { finessEg: string | null; flow: ItemFlow; resourceId: string | null; failure: ItemFailure },
  now: Date,
  limits: SyncLimits,
): RecordedFailure {
  const nowIso = now.toISOString();
  const existing = db
    .prepare(
      `SELECT id, created_at, attempts FROM quarantine
       WHERE flow = ? AND resource_id IS ? AND finess_eg IS ? AND resolved_at IS NULL`,
    )
    .get(item.flow, item.resourceId, item.finessEg) as OpenRow | undefined;
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
    db.prepare(
      `UPDATE quarantine SET kind = @kind, rule = @rule, reason = @reason, diagnostics = @diagnostics,
         raw = coalesce(@raw, raw), importable = @importable, last_seen_at = @now, next_attempt_at = @next,
         attempts = @attempts WHERE id = @id`,
    ).run({ ...values, id: existing.id });
  } else {
    db.prepare(
      `INSERT INTO quarantine (finess_eg, flow, resource_id, kind, rule, reason, diagnostics, raw, importable,
         created_at, last_seen_at, next_attempt_at, attempts)
       VALUES (@eg, @flow, @resourceId, @kind, @rule, @reason, @diagnostics, @raw, @importable, @now, @now, @next,
         @attempts)`,
    ).run({ ...values, eg: item.finessEg, flow: item.flow, resourceId: item.resourceId });
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
export function resolveItem(
  db: Db,
  item: { finessEg: string | null; flow: ItemFlow; resourceId: string },
  nowIso: string,
  resolution: string,
): boolean {
  return (
    db
      .prepare(
        `UPDATE quarantine SET resolved_at = ?, resolution = ?, next_attempt_at = NULL
         WHERE flow = ? AND resource_id = ? AND finess_eg IS ? AND resolved_at IS NULL`,
      )
      .run(nowIso, resolution, item.flow, item.resourceId, item.finessEg).changes > 0
  );
}

/** Ids "à relire" of one flow and EG whose backoff has passed. */
export function dueRereads(db: Db, flow: ItemFlow, finessEg: string, now: Date): string[] {
  return db
    .prepare(
      `SELECT resource_id FROM quarantine WHERE flow = ? AND finess_eg = ? AND kind = 'à relire'
         AND resolved_at IS NULL AND resource_id IS NOT NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY id`,
    )
    .pluck()
    .all(flow, finessEg, now.toISOString()) as string[];
}

/** "Relire maintenant": the item becomes "à relire" and due at once (the caller then starts a sync). */
export function markForRereadNow(db: Db, quarantineId: number): boolean {
  return (
    db
      .prepare(
        `UPDATE quarantine SET kind = 'à relire', next_attempt_at = NULL WHERE id = ? AND resolved_at IS NULL
           AND resource_id IS NOT NULL AND flow IN ('flux1', 'flux5')`,
      )
      .run(quarantineId).changes > 0
  );
}
