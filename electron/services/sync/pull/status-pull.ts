/**
 * Flux 5 for one EG: Tasks since the cursor (the one paged search of paged-search.ts), each checked against the
 * ESMSTask profile and read, added to the notification's history once (by Task id), and the received events
 * applied (docs/functional-rules.md §4, docs/decisions.md §6): 46/49/37 finish the line ("à traiter" if local work was
 * in progress), 54 re-opens it, 47 from another ESMS raises "à traiter". Never sent back. Whatever goes wrong with
 * one Task — an exception included — is recorded for that Task alone; the rest of its page is applied.
 */
import type { StatusReport } from '@shared/domain/status-report';
import type { SqlExecutor } from '../../db/sql/sql-database';
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
import { dueRereads, openItemIds, recordItemFailure, resolveItem, type RecordedFailure } from '../items/item-store';
import { writeEachItem } from '../items/write-items';
import { mapBounded, withRetry } from '../net/retry-policy';
import { isCancellation, type SyncContext, type SyncCounters } from '../sync-context';
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
async function applySetAsideTasks(ctx: SyncContext, finessEg: string, counters: SyncCounters): Promise<void> {
  const rows = await ctx.db.all<{ id: number; raw: string }>(
    `SELECT id, raw FROM quarantine WHERE flow = 'flux5' AND finess_eg = ? AND rule = ? AND resolved_at IS NULL
     AND raw IS NOT NULL ORDER BY id`,
    [finessEg, UNKNOWN_DECISION_RULE],
  );
  if (rows.length === 0) return;
  const nowIso = ctx.now().toISOString();
  const written = await ctx.db.transaction((tx) =>
    writeEachItem(tx, rows, async (exec, row) => {
      const task = JSON.parse(row.raw) as TaskResource;
      const result = await applyReceivedStatus(exec, finessEg, task, readStatusReport(task), nowIso);
      if (result === 'unknown-decision') return result;
      await exec.run("UPDATE quarantine SET resolved_at = ?, resolution = 'décision reçue' WHERE id = ?", [
        nowIso,
        row.id,
      ]);
      return result;
    }),
  );
  // A Task that failed here stays set aside: it was checked when received, so this is a local failure the next run
  // tries again.
  counters.statuses += written.filter((w) => w.ok && w.value === 'added').length;
}
interface TaskResource {
  id?: string;
  meta?: { lastUpdated?: string };
  identifier?: { system?: string; value?: string }[];
}

export async function applyReceivedStatus(
  db: SqlExecutor,
  finessEg: string,
  task: TaskResource,
  report: StatusReport,
  nowIso: string,
): Promise<'added' | 'known' | 'unknown-decision'> {
  const clientId = task.identifier?.[0]?.value;
  // The notification and, in the same statement, whether the Task is our own coming back (server option): already in
  // the history under its client identifier.
  const notification = await db.get<{ id: number; ours: number }>(
    `SELECT n.id, (SELECT count(*) FROM status_event WHERE client_identifier = ?) AS ours
       FROM notification n JOIN decision d ON d.id = n.decision_id
      WHERE d.id_nat_decision = ? AND n.finess_eg = ?`,
    [clientId || null, report.idNatDecision, finessEg],
  );
  if (!notification) return 'unknown-decision';
  if (notification.ours > 0) return 'known';
  const inserted = await db.run(
    `INSERT INTO status_event (notification_id, origin, task_id, emitter_id_nat, statut_esms, motif_esms,
       date_statut_esms, id_unite, statut_unite, motif_unite, date_statut_unite, description, server_last_updated,
       created_at) VALUES (?, 'vt', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
    [
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
    ],
  );
  if (inserted.changes === 0) return 'known';
  const fromUs = report.idNatStruct === `1${finessEg}`;
  const code = report.statutESMS;
  const store = notificationStore(db);
  if (code === '46' || code === '49' || code === '37') {
    const reason = {
      '46': 'Admission impossible entérinée par la MDPH',
      '49': 'Notification annulée par la MDPH',
      '37': 'Décision d’orientation annulée par la MDPH',
    }[code];
    // Read before the status changes it.
    const work = await hasLocalWork(db, notification.id);
    await store.setEsmsStatus({
      id: notification.id,
      esmsStatus: code,
      esmsStatusDate: report.dateStatutESMS ?? null,
      terminated: true,
      nowIso,
    });
    if (work) await store.raiseATraiter(notification.id, `${reason} : travail en cours à clore`, nowIso);
  } else if (code === '54') {
    await store.setEsmsStatus({
      id: notification.id,
      esmsStatus: '54',
      esmsStatusDate: report.dateStatutESMS ?? null,
      terminated: false,
      nowIso,
    });
  } else if (code === '47' && !fromUs) {
    await store.raiseATraiter(notification.id, 'Usager entré dans un autre ESMS', nowIso);
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

/** One page of Tasks in one transaction; a failing write is that Task's alone (write-items.ts). */
async function commitTasks(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  checked: readonly CheckedTask[],
): Promise<void> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  type Outcome = 'added' | 'known' | RecordedFailure['kind'];
  const outcomes = await ctx.db.transaction(async (tx) => {
    const openItems = await openItemIds(tx, 'flux5', finessEg);
    const fail = async (exec: SqlExecutor, resourceId: string | null, failure: ItemFailure) => {
      const recorded = await recordItemFailure(exec, { finessEg, flow: 'flux5', resourceId, failure }, now, ctx.limits);
      if (resourceId) openItems.add(resourceId);
      return recorded.kind;
    };
    const written = await writeEachItem(tx, checked, async (exec, item): Promise<Outcome> => {
      if (!item.ok) return fail(exec, item.id, item.failure);
      const id = typeof item.task.id === 'string' ? item.task.id : null;
      const applied = await applyReceivedStatus(exec, finessEg, item.task, item.report, nowIso);
      if (applied === 'unknown-decision') {
        const raw = rawOf(item.task);
        return fail(exec, id, permanent(UNKNOWN_DECISION_RULE, UNKNOWN_DECISION, raw ? { raw } : {}));
      }
      if (id && openItems.has(id)) {
        await resolveItem(exec, { finessEg, flow: 'flux5', resourceId: id }, nowIso, 'relue avec succès');
      }
      return applied;
    });
    const outcomes: Outcome[] = [];
    for (const [i, result] of written.entries()) {
      const item = checked[i];
      if (result.ok) outcomes.push(result.value);
      else if (item?.ok) {
        const id = typeof item.task.id === 'string' ? item.task.id : null;
        const error = result.error as Error | undefined;
        outcomes.push(
          await fail(
            tx,
            id,
            transient(
              'stockage-echec',
              `Task/${id ?? 'sans id'} : enregistrement local impossible (${error?.name ?? 'erreur'}), relu à la prochaine synchronisation.`,
            ),
          ),
        );
      } else throw result.error;
    }
    return outcomes;
  });
  // Counted once committed.
  for (const outcome of outcomes) {
    if (outcome === 'added') counters.statuses++;
    else if (outcome === 'à relire') counters.toReread++;
    else if (outcome === 'quarantaine') counters.quarantined++;
  }
}

export async function pullStatuses(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  serverNow: string | undefined,
): Promise<void> {
  const due = await dueRereads(ctx.db, 'flux5', finessEg, ctx.now());
  if (due.length > 0) {
    const reread = await mapBounded(due, ctx.concurrency, (id) => rereadTask(ctx, finessEg, id));
    await commitTasks(ctx, finessEg, counters, reread);
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
  await applySetAsideTasks(ctx, finessEg, counters);
}
