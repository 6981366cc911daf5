/**
 * Recording a status, the one way: the referent's actions, status forcing (reprise) and the renewal carry-over all
 * come here with the Tasks they decided to send. In the caller's transaction (or one of its own) it queues each
 * Task in the outbox (enqueueStatusReport validates it: an invalid Task rolls everything back), writes the unit
 * statuses the Tasks carry, rolls the notification up (ESMS status, terminated) and journals the change.
 */
import { isFinished } from '@shared/domain/referent-actions';
import type { StatusReport } from '@shared/domain/status-report';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { notificationStore } from '../db/notification-store';
import type { Journal } from '../journal/journal';
import { enqueueStatusReport } from '../sync/outbox/status-outbox';
import type { SdoContext } from '../fhir';
import { assertNotificationUnchanged } from './notification-version';

export interface RecordStatusDeps {
  readonly db: SqlDatabase;
  readonly journal: Journal;
  readonly now: () => Date;
  /** The referent's local day (shared/domain/local-day.ts): masking compares validity with it. */
  readonly today: () => string;
  /** The environment's guide and terminology releases, read at each action (Paramètres may change them). */
  readonly sdo: () => SdoContext;
}

export interface TaskToRecord {
  readonly report: StatusReport;
  /** Local ROR unit of the unit status the Task carries (ror_unit.id). */
  readonly unitId?: number;
  /** For a unit line that arrives past 182: when the person entered the waiting list (see notification-store). */
  readonly requestDate?: string | null;
}

export interface StatusToRecord {
  readonly notificationId: number;
  /** The Tasks, in the order they must reach ViaTrajectoire. */
  readonly tasks: readonly TaskToRecord[];
  /** Journal action, e.g. "Statut enregistré : Entrée de l'usager". */
  readonly action: string;
  /** Added to the journal detail (e.g. "accord"). */
  readonly detailSuffix?: string;
  /**
   * The referent's action answers the notification's "à traiter": true clears it, a string clears it only when
   * its reason starts so (the renewal answers "Renouvellement…", not a cancellation). Default true.
   */
  readonly acknowledge?: boolean | string;
  /**
   * The notification's version the referent saw (NotificationDetail.version): refused with NOTIFICATION_CHANGED
   * when it moved since. Absent for what no referent saw (status forcing) or what the caller already checked.
   */
  readonly seenVersion?: number;
}

export interface RecordedStatus {
  readonly outboxIds: number[];
  readonly esmsStatus: string;
  readonly terminated: boolean;
}

function journalDetail(tasks: readonly TaskToRecord[]): string {
  return tasks
    .map(({ report: r }) =>
      [r.statutESMS && `ESMS ${r.statutESMS}`, r.statutUnite && `unité ${r.statutUnite}`].filter(Boolean).join(' + '),
    )
    .join(', ');
}

/**
 * Records the status inside the caller's transaction `tx` when given (its own changes and these commit together;
 * a savepoint undoes all of this one if it fails), else in a transaction of its own.
 */
export function recordStatus(deps: RecordStatusDeps, s: StatusToRecord, tx?: SqlExecutor): Promise<RecordedStatus> {
  return (tx ?? deps.db).transaction((t) => record(deps, s, t));
}

async function record(deps: RecordStatusDeps, s: StatusToRecord, tx: SqlExecutor): Promise<RecordedStatus> {
  if (s.seenVersion !== undefined) await assertNotificationUnchanged(tx, s.notificationId, s.seenVersion);
  const store = notificationStore(tx, 'utilisateur');
  const current = await store.read(s.notificationId);
  if (!current) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  const now = deps.now();
  const nowIso = now.toISOString();
  const outboxIds: number[] = [];
  let esmsStatus = current.esmsStatus;
  let esmsStatusDate: string | null | undefined;
  for (const task of s.tasks) {
    const { report } = task;
    const { outboxId } = await enqueueStatusReport(tx, {
      notificationId: s.notificationId,
      finessEg: current.finessEg,
      report,
      now,
      sdo: deps.sdo(),
    });
    outboxIds.push(outboxId);
    if (report.statutUnite && task.unitId !== undefined) {
      await store.upsertUnitLine({
        notificationId: s.notificationId,
        unitId: task.unitId,
        status: report.statutUnite,
        statusDate: report.dateStatutUnite ?? report.dateStatutESMS ?? deps.today(),
        motif: report.motifUnite ?? null,
        requestDate: task.requestDate ?? null,
        nowIso,
      });
    }
    // The Tasks carry the rolled-up ESMS status whenever it changes: the last one sent is the notification's.
    if (report.statutESMS && report.statutESMS !== esmsStatus) {
      esmsStatus = report.statutESMS;
      esmsStatusDate = report.dateStatutESMS ?? null;
    }
  }
  const terminated = isFinished(
    { esmsStatus, unitLines: await store.unitLines(s.notificationId) },
    current.validityEnd,
    deps.today(),
  );
  await store.setEsmsStatus({
    id: s.notificationId,
    esmsStatus,
    ...(esmsStatusDate !== undefined ? { esmsStatusDate } : {}),
    terminated,
    nowIso,
  });
  const acknowledge = s.acknowledge ?? true;
  if (acknowledge !== false) {
    await store.clearATraiter(s.notificationId, nowIso, typeof acknowledge === 'string' ? acknowledge : undefined);
  }
  await deps.journal.append(
    {
      actor: 'utilisateur',
      action: s.action,
      recordType: 'notification',
      recordId: s.notificationId,
      outcome: 'succès',
      detail: [journalDetail(s.tasks), s.detailSuffix].filter(Boolean).join(' + '),
    },
    tx,
  );
  return { outboxIds, esmsStatus, terminated };
}
