/**
 * Flux 4 / 2 sender (docs/architecture.md §4). States: pending → in_flight → sent | rejected, or back to
 * pending with next_attempt_at after retryable failures. Tasks go with `If-None-Exist: identifier=<system>|<client
 * id>`, so a retry after a lost answer returns the stored Task instead of a second one. A 4xx refusal is final
 * ("rejeté") with the server's diagnostics kept for the UI.
 *
 * Several senders may share one outbox (the workstations of an organisation on one PostgreSQL; the app and a
 * command on one desk): a sender claims items in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's
 * write transaction already excludes every other writer), marks them with its name and an expiry it renews while it
 * works, and sends them with no transaction open. A crashed sender's claims expire and another takes the items
 * again; the conditional create makes that second POST harmless. Order per notification holds across senders: an
 * item is claimed only once every earlier item of its notification is final (sent, rejected, abandoned), so one
 * notification's items leave one after the other, in id order, whoever sends them.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { isAppError } from '@shared/errors/app-error';
import type { SqlExecutor } from '../../db/sql/sql-database';
import { CLIENT_ID_SYSTEM } from '../../fhir';
import { isRetryable, retryDelayMs, sleep } from '../net/retry-policy';
import type { SyncContext, SyncCounters } from '../sync-context';

interface OutboxRow {
  id: number;
  kind: 'task.create' | 'consent.create';
  notification_id: number | null;
  status_event_id: number | null;
  finess_eg: string;
  client_identifier: string;
  payload_json: string;
  attempts: number;
  next_attempt_at: string | null;
}

/** Notifications sent in parallel (one lane each). */
const LANES = 4;
/** Lane heads claimed per transaction. */
const CLAIM_BATCH = 16;
/**
 * How long a claim holds without renewal. Renewed before each attempt and every third of it while the sender
 * works: only a sender that stopped (crash, cut) lets it lapse, and its items then wait this long at most.
 */
export const DEFAULT_CLAIM_TTL_MS = 30_000;
/** Test option (multi-process tests): a shorter claim, so that a killed sender's items come back sooner. */
export const CLAIM_TTL_ENV = 'REFERENT_VT_OUTBOX_CLAIM_TTL_MS';

export interface OutboxClaimOptions {
  /** Who claims (a workstation's name); a random suffix makes each sending pass a claimant of its own. */
  readonly claimant?: string;
  readonly ttlMs?: number;
}

function claimTtlMs(options: OutboxClaimOptions | undefined): number {
  if (options?.ttlMs) return options.ttlMs;
  const fromEnv = Number(process.env[CLAIM_TTL_ENV]);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_CLAIM_TTL_MS;
}

/** `<host>/<pid>/<random>`: which machine and process holds an item, unique per sending pass. */
function claimantName(options: OutboxClaimOptions | undefined): string {
  const who = options?.claimant ?? `${os.hostname()}/${process.pid}`;
  return `${who.slice(0, 100)}/${crypto.randomBytes(4).toString('hex')}`;
}

const COLUMNS =
  'o.id, o.kind, o.notification_id, o.status_event_id, o.finess_eg, o.client_identifier, o.payload_json, ' +
  'o.attempts, o.next_attempt_at';

/**
 * Items this pass may take: not final; unclaimed or claimed by a sender whose claim lapsed; not already given up by
 * this pass (it released them with claimed_by kept); due unless the schedule is ignored; first of their notification
 * not yet final.
 */
const CLAIMABLE = `o.state IN ('pending', 'in_flight')
  AND (o.claimed_until IS NULL OR o.claimed_until <= @now)
  AND (o.claimed_by IS NULL OR o.claimed_by <> @claimant)
  AND (CAST(@anyTime AS INTEGER) = 1 OR o.next_attempt_at IS NULL OR o.next_attempt_at <= @now)
  AND (o.notification_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM outbox e
     WHERE e.notification_id = o.notification_id AND e.id < o.id AND e.state IN ('pending', 'in_flight')))`;

interface ClaimScope {
  readonly claimant: string;
  readonly ttlMs: number;
  readonly anyTime: boolean;
  readonly now: () => Date;
}

/** Claims up to `limit` claimable items (of one notification when given), in one short transaction. */
async function claim(
  db: SqlExecutor,
  scope: ClaimScope,
  options: { limit: number; notificationId?: number },
): Promise<OutboxRow[]> {
  return db.transaction(async (tx) => {
    const now = scope.now();
    const params = {
      now: now.toISOString(),
      claimant: scope.claimant,
      anyTime: scope.anyTime ? 1 : 0,
      limit: options.limit,
      ...(options.notificationId !== undefined ? { notificationId: options.notificationId } : {}),
    };
    // PostgreSQL: items another sender is claiming right now are skipped, not waited for (and never taken twice).
    const rows = await tx.all<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox o WHERE ${CLAIMABLE}
       ${options.notificationId !== undefined ? 'AND o.notification_id = @notificationId' : ''}
       ORDER BY o.id LIMIT @limit${tx.dialect === 'postgres' ? ' FOR UPDATE OF o SKIP LOCKED' : ''}`,
      params,
    );
    if (rows.length > 0) {
      await tx.run(
        `UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (${rows.map(() => '?').join(', ')})`,
        [scope.claimant, new Date(now.getTime() + scope.ttlMs).toISOString(), ...rows.map((r) => r.id)],
      );
    }
    return rows;
  });
}

function errorJson(error: unknown): string {
  if (isAppError(error)) {
    const status = (error as { httpStatus?: number }).httpStatus;
    return JSON.stringify({ code: error.code, message: error.message, detail: error.detail, httpStatus: status });
  }
  return JSON.stringify({ code: 'INTERNAL', message: 'Erreur inattendue pendant l’envoi.' });
}

/** 'lost': the claim lapsed and another sender holds the item, or it became final meanwhile: not this pass's. */
async function sendOne(
  ctx: SyncContext,
  scope: ClaimScope,
  row: OutboxRow,
  counters: SyncCounters,
): Promise<'sent' | 'rejected' | 'wait' | 'lost'> {
  const type = row.kind === 'task.create' ? 'Task' : 'Consent';
  const headers: Record<string, string> =
    row.kind === 'task.create' ? { 'If-None-Exist': `identifier=${CLIENT_ID_SYSTEM}|${row.client_identifier}` } : {};
  for (let attempt = 1; ; attempt++) {
    const now = ctx.now();
    const nowIso = now.toISOString();
    // Renews the claim as the attempt starts; a claim lost meanwhile leaves the item to its new holder.
    const taken = await ctx.db.run(
      `UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, claimed_until = ?
        WHERE id = ? AND claimed_by = ? AND state IN ('pending', 'in_flight')`,
      [new Date(now.getTime() + scope.ttlMs).toISOString(), row.id, scope.claimant],
    );
    if (taken.changes === 0) return 'lost';
    try {
      const res = await ctx.transport.request({
        method: 'POST',
        path: type,
        finessEg: row.finess_eg,
        body: row.payload_json,
        headers,
      });
      const created = res.body as { id?: string; meta?: { lastUpdated?: string } } | undefined;
      return await ctx.db.transaction(async (tx) => {
        // Final once: a sender whose claim lapsed mid-request may have sent it too (the same Task, conditional
        // create); whichever records it first does, the other leaves it.
        const marked = await tx.run(
          `UPDATE outbox SET state = 'sent', server_id = ?, sent_at = ?, last_error_json = NULL, next_attempt_at = NULL,
             claimed_until = NULL WHERE id = ? AND state IN ('pending', 'in_flight')`,
          [created?.id ?? null, nowIso, row.id],
        );
        if (marked.changes === 0) return 'lost';
        if (row.status_event_id !== null) {
          await tx.run('UPDATE status_event SET task_id = ?, server_last_updated = ? WHERE id = ?', [
            created?.id ?? null,
            created?.meta?.lastUpdated ?? null,
            row.status_event_id,
          ]);
        }
        await ctx.journal.append(
          {
            actor: 'synchronisation',
            action: type === 'Task' ? 'Statut envoyé' : 'Accord envoyé',
            outcome: 'succès',
            recordType: 'outbox',
            recordId: row.id,
          },
          tx,
        );
        counters.sent++;
        await ctx.onSent?.(counters, tx);
        return 'sent';
      });
    } catch (error) {
      const retryable = isRetryable(error) || (isAppError(error) && error.code === 'TOKEN_EXPIRED');
      if (!retryable) {
        const marked = await ctx.db.transaction(async (tx) => {
          const changed = await tx.run(
            `UPDATE outbox SET state = 'rejected', last_error_json = ?, claimed_until = NULL
              WHERE id = ? AND state IN ('pending', 'in_flight')`,
            [errorJson(error), row.id],
          );
          if (changed.changes === 0) return false;
          await ctx.journal.append(
            {
              actor: 'synchronisation',
              action: type === 'Task' ? 'Statut refusé par ViaTrajectoire' : 'Accord refusé par ViaTrajectoire',
              outcome: 'échec',
              recordType: 'outbox',
              recordId: row.id,
              detail: isAppError(error) ? error.code : undefined,
            },
            tx,
          );
          return true;
        });
        if (!marked) return 'lost';
        counters.rejected++;
        return 'rejected';
      }
      const delay = retryDelayMs(error, attempt, ctx.retry);
      if (attempt >= ctx.retry.maxAttempts || delay >= ctx.retry.maxRetryAfterMs || ctx.signal?.aborted) {
        const at = new Date(ctx.now().getTime() + delay).toISOString();
        // Released (claimed_by kept: this pass does not take it again) for whoever is due to retry it.
        await ctx.db.run(
          `UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error_json = ?, claimed_until = NULL
            WHERE id = ? AND claimed_by = ? AND state IN ('pending', 'in_flight')`,
          [at, errorJson(error), row.id, scope.claimant],
        );
        return 'wait';
      }
      await sleep(delay, ctx.signal);
    }
  }
}

/**
 * Sends what is due, claimed lane by lane: the first claimable item of each notification, then, as each is final,
 * the next of the same notification. Returns once nothing claimable is left; items behind a waiting one, or held by
 * another sender, keep their order and are counted as waiting.
 */
export async function sendOutbox(
  ctx: SyncContext,
  counters: SyncCounters,
  options: { ignoreSchedule?: boolean; claim?: OutboxClaimOptions } = {},
): Promise<void> {
  const scope: ClaimScope = {
    claimant: claimantName(options.claim),
    ttlMs: claimTtlMs(options.claim),
    anyTime: options.ignoreSchedule === true,
    now: ctx.now,
  };
  const total =
    (await ctx.db.value<number>("SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')")) ?? 0;
  let done = 0;
  // A slow request (or a slow server) must not let this pass's claims lapse while it is alive.
  const heartbeat = setInterval(
    () => {
      const until = new Date(ctx.now().getTime() + scope.ttlMs).toISOString();
      ctx.db
        .run(
          `UPDATE outbox SET claimed_until = ? WHERE claimed_by = ? AND claimed_until IS NOT NULL
             AND state IN ('pending', 'in_flight')`,
          [until, scope.claimant],
        )
        .catch(() => undefined);
    },
    Math.max(50, Math.floor(scope.ttlMs / 3)),
  );
  heartbeat.unref();
  const sendLane = async (head: OutboxRow): Promise<void> => {
    for (let row: OutboxRow | undefined = head; row;) {
      if (ctx.signal?.aborted) return;
      const outcome = await sendOne(ctx, scope, row, counters);
      done++;
      ctx.onProgress?.({ phase: 'envoi', done, total, finessEg: row.finess_eg, running: true });
      if (outcome !== 'sent' && outcome !== 'rejected') return;
      const notificationId: number | null = row.notification_id;
      row = notificationId === null ? undefined : (await claim(ctx.db, scope, { limit: 1, notificationId }))[0];
    }
  };
  try {
    for (;;) {
      if (ctx.signal?.aborted) break;
      const heads = await claim(ctx.db, scope, { limit: CLAIM_BATCH });
      if (heads.length === 0) break;
      const queue = [...heads];
      const worker = async () => {
        for (let head = queue.shift(); head; head = queue.shift()) await sendLane(head);
      };
      await Promise.all(Array.from({ length: LANES }, worker));
    }
  } finally {
    clearInterval(heartbeat);
    // What this pass claimed and did not finish (cancelled) is free at once for the next sender.
    await ctx.db
      .run('UPDATE outbox SET claimed_until = NULL WHERE claimed_by = ? AND claimed_until IS NOT NULL', [
        scope.claimant,
      ])
      .catch(() => undefined);
  }
  counters.waiting += await stillWaiting(ctx.db, scope);
}

/** Items left unsent by this pass that no other sender is working on. */
async function stillWaiting(db: SqlExecutor, scope: ClaimScope): Promise<number> {
  return (
    (await db.value<number>(
      `SELECT count(*) FROM outbox
        WHERE state IN ('pending', 'in_flight') AND (claimed_until IS NULL OR claimed_until <= ?)`,
      [scope.now().toISOString()],
    )) ?? 0
  );
}
