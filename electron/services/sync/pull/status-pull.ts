/**
 * Flux 5 for one EG: Tasks since the cursor (the one paged search of paged-search.ts), each checked against the
 * ESMSTask profile and read, added to the notification's history once (by Task id), and the received events
 * applied (docs/functional-rules.md §4, docs/decisions.md §6): 46/49/37 finish the line ("à traiter" if local work was
 * in progress), 54 re-opens it, 47 from another ESMS raises "à traiter". Never sent back. Whatever goes wrong with
 * one Task — an exception included — is recorded for that Task alone; the rest of its page is applied.
 */
import type { StatusReport } from '@shared/domain/status-report';
import { inTransaction, type Db } from '../../db/database';
import { readStatusReport, validateResource } from '../../fhir';
import {
  checkReadBody,
  guarded,
  isItemFailure,
  permanent,
  readFailure,
  rawOf,
  transient,
  validationFailure,
  type ItemFailure,
} from '../items/item-failure';
import { dueRereads, resolveItem } from '../items/item-store';
import { mapBounded, withRetry } from '../net/retry-policy';
import { isCancellation, type SyncContext, type SyncCounters } from '../sync-context';
import { recordFailure } from './decision-pull';
import { notificationStore } from '../../db/notification-store';
import { hasLocalWork } from './decision-store';
import { pagedCursorSearch } from './paged-search';

/** Rule of a Task about a decision not (yet) in the local base: applied by a later run once the decision lands. */
export const UNKNOWN_DECISION_RULE = 'decision-inconnue';
const UNKNOWN_DECISION = 'Statut reçu pour une décision absente de la base locale';

/**
 * A Task can name a decision published after this run's flux 1 search and before its flux 5 search: it is set
 * aside, and the cursor moves past it. Each later run applies such Tasks once their decision has arrived.
 */
function applySetAsideTasks(ctx: SyncContext, finessEg: string, counters: SyncCounters): void {
  const rows = ctx.db
    .prepare(
      `SELECT id, raw FROM quarantine WHERE flow = 'flux5' AND finess_eg = ? AND rule = ? AND resolved_at IS NULL
       AND raw IS NOT NULL ORDER BY id`,
    )
    .all(finessEg, UNKNOWN_DECISION_RULE) as { id: number; raw: string }[];
  if (rows.length === 0) return;
  const nowIso = ctx.now().toISOString();
  inTransaction(ctx.db, () => {
    for (const row of rows) {
      try {
        ctx.db.transaction(() => {
          const task = JSON.parse(row.raw) as TaskResource;
          const result = applyReceivedStatus(ctx.db, finessEg, task, readStatusReport(task), nowIso);
          if (result === 'unknown-decision') return;
          if (result === 'added') counters.statuses++;
          ctx.db
            .prepare("UPDATE quarantine SET resolved_at = ?, resolution = 'décision reçue' WHERE id = ?")
            .run(nowIso, row.id);
        })();
      } catch {
        // Stays set aside; it was checked when received, so this is a local failure the next run tries again.
      }
    }
  });
}
interface TaskResource {
  id?: string;
  meta?: { lastUpdated?: string };
  identifier?: { system?: string; value?: string }[];
}

export function applyReceivedStatus(
  db: Db,
  finessEg: string,
  task: TaskResource,
  report: StatusReport,
  nowIso: string,
): 'added' | 'known' | 'unknown-decision' {
  const notification = db
    .prepare(
      `SELECT n.id FROM notification n JOIN decision d ON d.id = n.decision_id
       WHERE d.id_nat_decision = ? AND n.finess_eg = ?`,
    )
    .get(report.idNatDecision, finessEg) as { id: number } | undefined;
  if (!notification) return 'unknown-decision';
  // Our own Task coming back (server option): already in the history under its client identifier.
  const clientId = task.identifier?.[0]?.value;
  if (clientId && db.prepare('SELECT 1 FROM status_event WHERE client_identifier = ?').get(clientId)) return 'known';
  const inserted = db
    .prepare(
      `INSERT OR IGNORE INTO status_event (notification_id, origin, task_id, emitter_id_nat, statut_esms, motif_esms,
         date_statut_esms, id_unite, statut_unite, motif_unite, date_statut_unite, description, server_last_updated,
         created_at) VALUES (?, 'vt', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      notification.id,
      task.id ?? null,
      report.idNatStruct,
      report.statutESMS ?? null,
      report.motifESMS ?? null,
      report.dateStatutESMS ?? null,
      report.unit?.idUnite ?? null,
      report.statutUnite ?? null,
      report.motifUnite ?? null,
      report.dateStatutUnite ?? null,
      report.description ?? null,
      task.meta?.lastUpdated ?? null,
      nowIso,
    );
  if (inserted.changes === 0) return 'known';
  const fromUs = report.idNatStruct === `1${finessEg}`;
  const code = report.statutESMS;
  const work = hasLocalWork(db, notification.id);
  if (code === '46' || code === '49' || code === '37') {
    const reason = {
      '46': 'Admission impossible entérinée par la MDPH',
      '49': 'Notification annulée par la MDPH',
      '37': 'Décision d’orientation annulée par la MDPH',
    }[code];
    const store = notificationStore(db);
    store.setEsmsStatus({
      id: notification.id,
      esmsStatus: code,
      esmsStatusDate: report.dateStatutESMS ?? null,
      terminated: true,
      nowIso,
    });
    if (work) store.raiseATraiter(notification.id, `${reason} : travail en cours à clore`, nowIso);
  } else if (code === '54') {
    notificationStore(db).setEsmsStatus({
      id: notification.id,
      esmsStatus: '54',
      esmsStatusDate: report.dateStatutESMS ?? null,
      terminated: false,
      nowIso,
    });
  } else if (code === '47' && !fromUs) {
    notificationStore(db).raiseATraiter(notification.id, 'Usager entré dans un autre ESMS', nowIso);
  }
  return 'added';
}

type CheckedTask =
  { ok: true; task: TaskResource; report: StatusReport } | { ok: false; id: string | null; failure: ItemFailure };

/** Checks one Task as received (profile, then its inputs read as a status report); never throws. */
function checkTask(ctx: SyncContext, task: unknown, id: string | null): CheckedTask {
  const what = `Task/${id ?? 'sans id'}`;
  const raw = rawOf(task);
  const withRaw = (failure: ItemFailure): CheckedTask => ({
    ok: false,
    id,
    failure: raw ? { ...failure, raw } : failure,
  });
  const validation = guarded('validateur-exception', `${what} : validation`, () => validateResource(task, ctx.sdo));
  if (isItemFailure(validation)) return withRaw(validation);
  // Importing a Task anyway is never offered: a status changes the work list.
  if (!validation.valid) return withRaw({ ...validationFailure(validation, what), importable: false });
  const report = guarded('statut-illisible', `${what} : statut illisible`, () => readStatusReport(task));
  if (isItemFailure(report)) return withRaw(report);
  return { ok: true, task: task as TaskResource, report };
}

async function rereadTask(ctx: SyncContext, finessEg: string, id: string): Promise<CheckedTask> {
  const what = `Task/${id}`;
  try {
    const res = await withRetry(
      () => ctx.transport.request({ method: 'GET', path: `Task/${encodeURIComponent(id)}`, finessEg }),
      { ...ctx.retry, maxAttempts: Math.min(ctx.retry.maxAttempts, 3) },
      ctx.signal,
    );
    const bad = checkReadBody(res.body, 'Task', id);
    return bad ? { ok: false, id, failure: bad } : checkTask(ctx, res.body, id);
  } catch (error) {
    if (isCancellation(ctx, error)) throw error;
    return { ok: false, id, failure: readFailure(error, what) };
  }
}

function commitTasks(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  checked: readonly CheckedTask[],
): void {
  const now = ctx.now();
  const nowIso = now.toISOString();
  inTransaction(ctx.db, () => {
    for (const item of checked) {
      if (!item.ok) {
        recordFailure(ctx, counters, { finessEg, flow: 'flux5', resourceId: item.id, failure: item.failure }, now);
        continue;
      }
      const id = typeof item.task.id === 'string' ? item.task.id : null;
      try {
        const result = ctx.db.transaction(() => {
          const applied = applyReceivedStatus(ctx.db, finessEg, item.task, item.report, nowIso);
          if (applied !== 'unknown-decision' && id) {
            resolveItem(ctx.db, { finessEg, flow: 'flux5', resourceId: id }, nowIso, 'relue avec succès');
          }
          return applied;
        })();
        if (result === 'added') counters.statuses++;
        else if (result === 'unknown-decision') {
          const raw = rawOf(item.task);
          recordFailure(
            ctx,
            counters,
            {
              finessEg,
              flow: 'flux5',
              resourceId: id,
              failure: permanent(UNKNOWN_DECISION_RULE, UNKNOWN_DECISION, raw ? { raw } : {}),
            },
            now,
          );
        }
      } catch (error) {
        recordFailure(
          ctx,
          counters,
          {
            finessEg,
            flow: 'flux5',
            resourceId: id,
            failure: transient(
              'stockage-echec',
              `Task/${id ?? 'sans id'} : enregistrement local impossible (${(error as Error).name}), relu à la prochaine synchronisation.`,
            ),
          },
          now,
        );
      }
    }
  });
}

export async function pullStatuses(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  serverNow: string | undefined,
): Promise<void> {
  const due = dueRereads(ctx.db, 'flux5', finessEg, ctx.now());
  if (due.length > 0) {
    commitTasks(ctx, finessEg, counters, await mapBounded(due, ctx.concurrency, (id) => rereadTask(ctx, finessEg, id)));
  }
  await pagedCursorSearch(ctx, finessEg, counters, serverNow, {
    flow: 'flux5',
    resourceType: 'Task',
    firstPath: (gt) => `Task?_lastUpdated=${gt}`,
    prepare: (resources) =>
      Promise.resolve(resources.map((task) => checkTask(ctx, task, typeof task.id === 'string' ? task.id : null))),
    commit: (checked) => commitTasks(ctx, finessEg, counters, checked),
    onProgress: (done) => ctx.onProgress?.({ phase: 'statuts', done, total: done, finessEg, running: true }),
  });
  applySetAsideTasks(ctx, finessEg, counters);
}
