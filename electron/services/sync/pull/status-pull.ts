/**
 * Flux 5 for one EG: Tasks since the cursor, added to the notification's history once (by Task id), and the
 * received events applied (actions.md "Received statuses", decisions.md §6): 46/49/37 finish the line ("à traiter"
 * if local work was in progress), 54 re-opens it, 47 from another ESMS raises "à traiter". Never sent back.
 */
import type { StatusReport } from '@shared/domain/status-report';
import { inTransaction, type Db } from '../../db/database';
import { readStatusReport } from '../../fhir';
import { withRetry } from '../net/retry-policy';
import {
  lastUpdatedParam,
  nextLink,
  quarantine,
  searchStart,
  relativeToBase,
  serverInstant,
  throwIfCancelled,
  writeCursor,
  type SyncContext,
  type SyncCounters,
} from '../sync-context';
import { hasLocalWork } from './decision-store';

const UNKNOWN_DECISION = 'Statut reçu pour une décision absente de la base locale';

/**
 * A Task can name a decision published after this run's flux 1 search and before its flux 5 search: it is set
 * aside, and the cursor moves past it. Each later run applies such Tasks once their decision has arrived.
 */
function applySetAsideTasks(ctx: SyncContext, finessEg: string, counters: SyncCounters): void {
  const rows = ctx.db
    .prepare(
      `SELECT id, raw FROM quarantine WHERE flow = 'flux5' AND finess_eg = ? AND reason = ? AND resolved_at IS NULL
       AND raw IS NOT NULL ORDER BY id`,
    )
    .all(finessEg, UNKNOWN_DECISION) as { id: number; raw: string }[];
  if (rows.length === 0) return;
  const nowIso = ctx.now().toISOString();
  inTransaction(ctx.db, () => {
    for (const row of rows) {
      const task = JSON.parse(row.raw) as TaskResource;
      const result = applyReceivedStatus(ctx.db, finessEg, task, readStatusReport(task), nowIso);
      if (result === 'unknown-decision') continue;
      if (result === 'added') counters.statuses++;
      ctx.db.prepare('UPDATE quarantine SET resolved_at = ? WHERE id = ?').run(nowIso, row.id);
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
    db.prepare(
      `UPDATE notification SET esms_status = ?, esms_status_date = ?, terminated = 1,
         a_traiter = CASE WHEN ? THEN 1 ELSE a_traiter END,
         a_traiter_reason = CASE WHEN ? THEN ? ELSE a_traiter_reason END, updated_at = ? WHERE id = ?`,
    ).run(
      code,
      report.dateStatutESMS ?? null,
      work ? 1 : 0,
      work ? 1 : 0,
      `${reason} : travail en cours à clore`,
      nowIso,
      notification.id,
    );
  } else if (code === '54') {
    db.prepare(
      `UPDATE notification SET esms_status = '54', esms_status_date = ?, terminated = 0, updated_at = ? WHERE id = ?`,
    ).run(report.dateStatutESMS ?? null, nowIso, notification.id);
  } else if (code === '47' && !fromUs) {
    db.prepare(
      `UPDATE notification SET a_traiter = 1, a_traiter_reason = 'Usager entré dans un autre ESMS', updated_at = ?
       WHERE id = ?`,
    ).run(nowIso, notification.id);
  }
  return 'added';
}

export async function pullStatuses(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  firstServerTime: string | undefined,
): Promise<void> {
  const cursor = searchStart(ctx, finessEg, 'flux5', firstServerTime);
  let path: string | undefined = `Task?_lastUpdated=${lastUpdatedParam(cursor)}`;
  let snapshot: string | undefined;
  let done = 0;
  while (path) {
    throwIfCancelled(ctx);
    const requestPath: string = path;
    const page = await withRetry(
      () => ctx.transport.request({ method: 'GET', path: requestPath, finessEg }),
      ctx.retry,
      ctx.signal,
    );
    snapshot ??= serverInstant(page.body, page.serverDate);
    const entries = (page.body as { entry?: { resource?: TaskResource }[] }).entry ?? [];
    const nowIso = ctx.now().toISOString();
    inTransaction(ctx.db, () => {
      for (const entry of entries) {
        const task = entry.resource ?? {};
        let report: StatusReport;
        try {
          report = readStatusReport(task);
        } catch (error) {
          if (
            quarantine(
              ctx.db,
              {
                finessEg,
                flow: 'flux5',
                resourceId: task.id ?? null,
                reason: (error as Error).message,
                raw: JSON.stringify(task),
              },
              nowIso,
            )
          ) {
            counters.quarantined++;
          }
          continue;
        }
        const result = applyReceivedStatus(ctx.db, finessEg, task, report, nowIso);
        if (result === 'added') counters.statuses++;
        else if (result === 'unknown-decision') {
          const reason = UNKNOWN_DECISION;
          if (
            quarantine(
              ctx.db,
              { finessEg, flow: 'flux5', resourceId: task.id ?? null, reason, raw: JSON.stringify(task) },
              nowIso,
            )
          ) {
            counters.quarantined++;
          }
        }
      }
    });
    done += entries.length;
    ctx.onProgress?.({ phase: 'statuts', done, total: done, finessEg, running: true });
    const next = nextLink(page.body);
    path = next ? relativeToBase(next) : undefined;
  }
  applySetAsideTasks(ctx, finessEg, counters);
  if (snapshot) {
    const at = snapshot;
    inTransaction(ctx.db, () => writeCursor(ctx.db, finessEg, 'flux5', at, ctx.now().toISOString()));
  }
}
