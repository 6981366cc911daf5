/**
 * Flux 4 / 2 sender (docs/architecture.md §4). States: pending → in_flight → sent | rejected, or back to
 * pending with next_attempt_at after retryable failures. Rows are read outside any transaction and sent in id order
 * per notification (one lane per notification, lanes in parallel). Tasks go with `If-None-Exist:
 * identifier=<system>|<client id>`, so a retry after a lost answer returns the stored Task instead of a second one.
 * A 4xx refusal is final ("rejeté") with the server's diagnostics kept for the UI.
 */
import { isAppError } from '@shared/errors/app-error';
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

const LANES = 4;

function errorJson(error: unknown): string {
  if (isAppError(error)) {
    const status = (error as { httpStatus?: number }).httpStatus;
    return JSON.stringify({ code: error.code, message: error.message, detail: error.detail, httpStatus: status });
  }
  return JSON.stringify({ code: 'INTERNAL', message: 'Erreur inattendue pendant l’envoi.' });
}

async function sendOne(
  ctx: SyncContext,
  row: OutboxRow,
  counters: SyncCounters,
): Promise<'sent' | 'rejected' | 'wait'> {
  const type = row.kind === 'task.create' ? 'Task' : 'Consent';
  const headers: Record<string, string> =
    row.kind === 'task.create' ? { 'If-None-Exist': `identifier=${CLIENT_ID_SYSTEM}|${row.client_identifier}` } : {};
  for (let attempt = 1; ; attempt++) {
    const nowIso = ctx.now().toISOString();
    await ctx.db.run("UPDATE outbox SET state = 'in_flight', attempts = attempts + 1 WHERE id = ?", [row.id]);
    try {
      const res = await ctx.transport.request({
        method: 'POST',
        path: type,
        finessEg: row.finess_eg,
        body: row.payload_json,
        headers,
      });
      const created = res.body as { id?: string; meta?: { lastUpdated?: string } } | undefined;
      await ctx.db.transaction(async (tx) => {
        await tx.run(
          "UPDATE outbox SET state = 'sent', server_id = ?, sent_at = ?, last_error_json = NULL, next_attempt_at = NULL WHERE id = ?",
          [created?.id ?? null, nowIso, row.id],
        );
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
      });
      return 'sent';
    } catch (error) {
      const retryable = isRetryable(error) || (isAppError(error) && error.code === 'TOKEN_EXPIRED');
      if (!retryable) {
        await ctx.db.transaction(async (tx) => {
          await tx.run("UPDATE outbox SET state = 'rejected', last_error_json = ? WHERE id = ?", [
            errorJson(error),
            row.id,
          ]);
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
        });
        counters.rejected++;
        return 'rejected';
      }
      const delay = retryDelayMs(error, attempt, ctx.retry);
      if (attempt >= ctx.retry.maxAttempts || delay >= ctx.retry.maxRetryAfterMs || ctx.signal?.aborted) {
        const at = new Date(ctx.now().getTime() + delay).toISOString();
        await ctx.db.run("UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error_json = ? WHERE id = ?", [
          at,
          errorJson(error),
          row.id,
        ]);
        return 'wait';
      }
      await sleep(delay, ctx.signal);
    }
  }
}

/** Sends what is due. Returns once every lane is done or waiting; items behind a waiting one keep their order. */
export async function sendOutbox(
  ctx: SyncContext,
  counters: SyncCounters,
  options: { ignoreSchedule?: boolean } = {},
): Promise<void> {
  const nowIso = ctx.now().toISOString();
  const rows = await ctx.db.all<OutboxRow>(
    `SELECT id, kind, notification_id, status_event_id, finess_eg, client_identifier, payload_json, attempts,
       next_attempt_at FROM outbox
     WHERE state IN ('pending', 'in_flight') ORDER BY id`,
  );
  const lanes = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const key = row.notification_id !== null ? `n${row.notification_id}` : `c${row.id}`;
    const lane = lanes.get(key) ?? [];
    lane.push(row);
    lanes.set(key, lane);
  }
  const queue = [...lanes.values()];
  let done = 0;
  const total = rows.length;
  const worker = async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) {
      for (const row of lane) {
        const next = row.next_attempt_at;
        if (!options.ignoreSchedule && next && next > nowIso) {
          counters.waiting += lane.length - lane.indexOf(row);
          break;
        }
        if (ctx.signal?.aborted) {
          counters.waiting++;
          continue;
        }
        const outcome = await sendOne(ctx, row, counters);
        done++;
        ctx.onProgress?.({ phase: 'envoi', done, total, finessEg: row.finess_eg, running: true });
        if (outcome === 'wait') {
          counters.waiting += lane.length - lane.indexOf(row);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, worker));
}
