/**
 * "Forcer le statut ViaTrajectoire" (docs/functional-rules.md §7): for persons the ESMS already knows (waiting or
 * in care before the connection), the referent imports the known situation (parseRepriseCsv) and the app computes
 * the status each one needs — 42+182 / 72+183 / 71+184 waiting, 47+186 in care, 48+188 with motif when left —
 * previews it, runs it dry, then queues it through enqueueStatusReport, one savepoint per person so a refusal
 * never blocks the others. Consents collected earlier are recorded with their date and queued (enqueueConsent).
 *
 * Nothing is sent twice: a line whose status is already queued or accepted for that notification and unit is
 * "déjà envoyé"; a line refused by ViaTrajectoire (outbox 'rejected') or never queued is sent again on a new push —
 * which is what "Renvoyer les échecs" does.
 */
import {
  parseRepriseCsv,
  type RepriseDeliveryLine,
  type RepriseEntry,
  type ReprisePlanLine,
  type ReprisePreview,
  type ReprisePushLine,
  type ReprisePushResult,
  type RepriseSituation,
} from '@shared/domain/onboarding';
import { rollUpEsmsStatus, ESMS_FINISHED } from '@shared/domain/referent-actions';
import type { StatusReport } from '@shared/domain/status-report';
import { isAppError } from '@shared/errors/app-error';
import { motifsForStatut } from '@shared/terminology/code-lists';
import type { SqlExecutor } from '../db/sql/sql-database';
import { enqueueConsent } from '../sync/outbox/status-outbox';
import { describeReports } from '../worklist/labels';
import { loadNotificationState } from '../worklist/notification-actions';
import { recordStatus, type RecordStatusDeps } from '../worklist/record-status';

/** Unit (J253) and ESMS (J252) statuses for each known situation. */
export const SITUATION_STATUSES: Record<RepriseSituation, { readonly unite: string; readonly esms: string }> = {
  attente: { unite: '182', esms: '42' },
  admissible: { unite: '183', esms: '72' },
  admis: { unite: '184', esms: '71' },
  'pris-en-charge': { unite: '186', esms: '47' },
  sorti: { unite: '188', esms: '48' },
};

interface Resolved {
  readonly entry: RepriseEntry;
  readonly notificationId: number;
  readonly decisionId: number;
  readonly finessEg: string;
  readonly unitId: number;
  readonly unitName: string;
  readonly idRor: string;
  readonly personLabel: string;
  readonly report: StatusReport;
  readonly consentToSend: string | null;
  readonly consentNote: string | null;
}

type Resolution =
  | { kind: 'send'; value: Resolved }
  | { kind: 'already'; reason: string; partial: Partial<Resolved> }
  | { kind: 'impossible'; reason: string; partial?: Partial<Resolved> };

interface UnitRow {
  id: number;
  finess_eg: string;
  id_ror: string;
  name: string;
}

async function findUnit(db: SqlExecutor, unite: string): Promise<UnitRow | string> {
  const byId = await db.get<UnitRow>(
    `SELECT u.id, u.finess_eg, u.id_ror, u.name FROM ror_unit u JOIN geographic_entity g ON g.finess_eg = u.finess_eg
     WHERE u.id_ror = ? AND g.local_activated = 1 ORDER BY u.id`,
    [unite],
  );
  if (byId) return byId;
  const byName = await db.all<UnitRow>(
    `SELECT u.id, u.finess_eg, u.id_ror, u.name FROM ror_unit u JOIN geographic_entity g ON g.finess_eg = u.finess_eg
     WHERE lower(u.name) = lower(?) AND g.local_activated = 1 ORDER BY u.id`,
    [unite],
  );
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1) return 'Plusieurs unités portent ce nom : indiquez l’idROR.';
  return 'Unité ROR inconnue dans les EG activées.';
}

interface CandidateRow {
  notification_id: number;
  decision_id: number;
  esms_status: string;
  terminated: number;
  validity_start: string | null;
  validity_end: string | null;
  family_name: string;
  given_names: string;
}

async function findNotification(
  db: SqlExecutor,
  identifiant: string,
  finessEg: string,
  date: string,
): Promise<CandidateRow | string> {
  // An open-ended validity last on both engines (SQLite sorts NULL lowest, PostgreSQL highest).
  const rows = await db.all<CandidateRow>(
    `SELECT n.id AS notification_id, d.id AS decision_id, n.esms_status, n.terminated, d.validity_start,
       d.validity_end, p.family_name, p.given_names
     FROM notification n JOIN decision d ON d.id = n.decision_id JOIN person p ON p.id = d.person_id
     WHERE n.finess_eg = @eg AND (d.id_decision = @id OR d.id_nat_decision = @id OR p.mdph_individual_id = @id)
     ORDER BY CASE WHEN d.validity_end IS NULL THEN 1 ELSE 0 END, d.validity_end DESC, d.id DESC`,
    { eg: finessEg, id: identifiant },
  );
  if (rows.length === 0) return 'Aucune notification de cette EG ne correspond à cet identifiant.';
  if (rows.length === 1 && rows[0]) return rows[0];
  // Several decisions for one person: the one valid at the business date, else the single open one.
  const covering = rows.filter(
    (r) => (!r.validity_start || r.validity_start <= date) && (!r.validity_end || r.validity_end >= date),
  );
  if (covering.length === 1 && covering[0]) return covering[0];
  const open = rows.filter((r) => r.terminated === 0);
  if (open.length === 1 && open[0]) return open[0];
  return 'Plusieurs décisions correspondent : indiquez le numéro de décision (idDecision).';
}

interface LastEvent {
  id: number;
  task_id: string | null;
  state: string | null;
  server_id: string | null;
  last_error_json: string | null;
}

/** The latest local event carrying this unit status for this notification and unit, with its outbox state. */
function lastEvent(
  db: SqlExecutor,
  notificationId: number,
  idRor: string,
  statutUnite: string,
): Promise<LastEvent | undefined> {
  return db.get<LastEvent>(
    `SELECT e.id, e.task_id, o.state, o.server_id, o.last_error_json FROM status_event e
       LEFT JOIN outbox o ON o.status_event_id = e.id
     WHERE e.notification_id = ? AND e.origin = 'local' AND e.id_unite = ? AND e.statut_unite = ?
     ORDER BY e.id DESC LIMIT 1`,
    [notificationId, idRor, statutUnite],
  );
}

/**
 * What one line would send, or why not. With `lockForSending` (inside the line's write transaction) the notification
 * is locked before "already sent?" is asked, so two referents forcing the same line on one PostgreSQL cannot both
 * queue it: the second waits for the first's commit, then sees its status. SQLite's write transaction is already
 * exclusive.
 */
async function resolve(
  db: SqlExecutor,
  entry: RepriseEntry,
  options: { lockForSending: boolean } = { lockForSending: false },
): Promise<Resolution> {
  const unit = await findUnit(db, entry.unite);
  if (typeof unit === 'string') return { kind: 'impossible', reason: unit };
  const found = await findNotification(db, entry.identifiant, unit.finess_eg, entry.date);
  if (typeof found === 'string') return { kind: 'impossible', reason: found };
  let candidate = found;
  if (options.lockForSending && db.dialect === 'postgres') {
    // Read again under the lock: what another referent committed meanwhile counts.
    const locked = await db.value<string>('SELECT esms_status FROM notification WHERE id = ? FOR UPDATE', [
      found.notification_id,
    ]);
    candidate = { ...found, esms_status: locked ?? found.esms_status };
  }
  const personLabel = `${candidate.family_name} ${candidate.given_names}`.trim();
  const partial = {
    notificationId: candidate.notification_id,
    finessEg: unit.finess_eg,
    unitName: unit.name,
    personLabel,
  };
  const target = SITUATION_STATUSES[entry.situation];
  // Checked first: a forced exit finishes the notification, and must then read as sent, not as impossible.
  const previous = await lastEvent(db, candidate.notification_id, unit.id_ror, target.unite);
  if (previous && previous.state !== 'rejected' && previous.state !== 'abandoned') {
    return {
      kind: 'already',
      partial,
      reason:
        previous.state === 'sent'
          ? `Déjà accepté par ViaTrajectoire (Task ${previous.server_id ?? previous.task_id ?? '?'})`
          : 'Déjà en attente d’envoi',
    };
  }
  if (ESMS_FINISHED.includes(candidate.esms_status)) {
    return { kind: 'impossible', reason: 'La notification est terminée (annulée, entérinée ou sortie).', partial };
  }
  if (entry.situation === 'sorti') {
    const allowed = motifsForStatut('188').map((m) => m.code);
    if (!entry.motif || !allowed.includes(entry.motif)) {
      return { kind: 'impossible', reason: `Motif de sortie invalide (codes admis : ${allowed.join(', ')}).`, partial };
    }
  }
  let loaded;
  try {
    // Its own savepoint: the failure is handled here, and must not abort the caller's transaction (PostgreSQL).
    loaded = await db.transaction((tx) => loadNotificationState(tx, candidate.notification_id), { readOnly: true });
  } catch (e) {
    return { kind: 'impossible', reason: isAppError(e) ? e.message : 'Notification illisible.', partial };
  }
  const identity = loaded.ctx.unitIdentities.get(unit.id);
  if (!identity) {
    return {
      kind: 'impossible',
      reason: 'L’unité n’a pas sa catégorie ou son mode de prise en charge : complétez-la dans Unités ROR.',
      partial,
    };
  }
  const unitLinesAfter = [
    ...loaded.state.unitLines.filter((l) => l.unitId !== unit.id).map((l) => ({ unitId: l.unitId, status: l.status })),
    { unitId: unit.id, status: target.unite },
  ];
  const rolled = rollUpEsmsStatus(unitLinesAfter) ?? (entry.situation === 'sorti' ? target.esms : null);
  const sendEsms = rolled !== null && rolled !== loaded.state.esmsStatus ? rolled : null;
  const report: StatusReport = {
    idNatStruct: loaded.ctx.idNatStruct,
    nomESMS: loaded.ctx.nomESMS,
    idDecision: loaded.ctx.idDecision,
    idNatDecision: loaded.ctx.idNatDecision,
    ...(sendEsms ? { statutESMS: sendEsms, dateStatutESMS: entry.date } : {}),
    unit: identity,
    statutUnite: target.unite,
    ...(entry.situation === 'sorti' && entry.motif ? { motifUnite: entry.motif } : {}),
    dateStatutUnite: entry.date,
  };
  const consent = entry.accord
    ? await db.get<{ collected_on: string }>(
        'SELECT collected_on FROM consent WHERE decision_id = ? AND finess_eg = ?',
        [candidate.decision_id, unit.finess_eg],
      )
    : undefined;
  const value: Resolved = {
    entry,
    notificationId: candidate.notification_id,
    decisionId: candidate.decision_id,
    finessEg: unit.finess_eg,
    unitId: unit.id,
    unitName: unit.name,
    idRor: unit.id_ror,
    personLabel,
    report,
    consentToSend: entry.accord && !consent ? entry.accord : null,
    consentNote: entry.accord
      ? consent
        ? `Accord déjà enregistré (recueilli le ${consent.collected_on})`
        : `Accord recueilli le ${entry.accord} à envoyer`
      : null,
  };
  return { kind: 'send', value };
}

export async function previewForcing(db: SqlExecutor, csv: string): Promise<ReprisePreview> {
  const parsed = parseRepriseCsv(csv);
  // One consistent state for every line.
  const lines = await db.transaction(
    async (tx) => {
      const planned: ReprisePlanLine[] = [];
      for (const entry of parsed.entries) planned.push(toPlanLine(entry, await resolve(tx, entry)));
      return planned;
    },
    { readOnly: true },
  );
  return {
    lines,
    parseErrors: parsed.errors,
    toSend: lines.filter((l) => l.outcome === 'a-envoyer').length,
    alreadySent: lines.filter((l) => l.outcome === 'deja-envoye').length,
    impossible: lines.filter((l) => l.outcome === 'impossible').length,
  };
}

function toPlanLine(entry: RepriseEntry, r: Resolution): ReprisePlanLine {
  const base = { line: entry.line, identifiant: entry.identifiant };
  if (r.kind === 'impossible' || r.kind === 'already') {
    return {
      ...base,
      outcome: r.kind === 'impossible' ? 'impossible' : 'deja-envoye',
      reason: r.reason,
      notificationId: r.partial?.notificationId ?? null,
      personLabel: r.partial?.personLabel ?? null,
      finessEg: r.partial?.finessEg ?? null,
      unitName: r.partial?.unitName ?? null,
      statuses: [],
      consent: null,
    };
  }
  return {
    ...base,
    outcome: 'a-envoyer',
    reason: null,
    notificationId: r.value.notificationId,
    personLabel: r.value.personLabel,
    finessEg: r.value.finessEg,
    unitName: r.value.unitName,
    statuses: describeReports([r.value.report]),
    consent: r.value.consentNote,
  };
}

export type ForcingDeps = RecordStatusDeps;

class DryRunRollback extends Error {}

/** Records one line's status (and consent) through `tx`: the caller's savepoint for that line. */
async function apply(deps: ForcingDeps, tx: SqlExecutor, r: Resolved): Promise<number[]> {
  const { outboxIds } = await recordStatus(
    deps,
    {
      notificationId: r.notificationId,
      tasks: [{ report: r.report, unitId: r.unitId }],
      action: 'Reprise : statut ViaTrajectoire forcé',
      ...(r.consentToSend ? { detailSuffix: 'accord' } : {}),
    },
    tx,
  );
  // The person was known before the connection: the decision is part of the reprise.
  await tx.run('UPDATE decision SET reprise = 1 WHERE id = ?', [r.decisionId]);
  if (r.consentToSend) {
    const { outboxId } = await enqueueConsent(tx, {
      decisionId: r.decisionId,
      finessEg: r.finessEg,
      collectedOn: r.consentToSend,
      now: deps.now(),
    });
    outboxIds.push(outboxId);
  }
  return outboxIds;
}

/**
 * Queues the statuses of every line that needs them, one savepoint per line. With `dryRun` the same work runs
 * (every Task is built and validated) and is then rolled back: nothing is written. `lines` restricts the push to
 * some line numbers (retry of the failures shown).
 */
export async function pushForcing(
  deps: ForcingDeps,
  csv: string,
  options: { dryRun: boolean; lines?: readonly number[] },
): Promise<ReprisePushResult> {
  const parsed = parseRepriseCsv(csv);
  const entries = options.lines ? parsed.entries.filter((e) => options.lines?.includes(e.line)) : parsed.entries;
  const results: ReprisePushLine[] = [];
  /**
   * Resolves and records each line through `db` (the store, or the dry run's transaction), each in its own
   * transaction: the "already sent?" check and the queuing cannot be separated by another referent's push.
   */
  const run = async (db: SqlExecutor) => {
    for (const entry of entries) {
      const base = { line: entry.line, identifiant: entry.identifiant };
      let notificationId: number | null = null;
      try {
        results.push(
          await db.transaction(async (tx): Promise<ReprisePushLine> => {
            const r = await resolve(tx, entry, { lockForSending: true });
            notificationId = r.kind === 'send' ? r.value.notificationId : (r.partial?.notificationId ?? null);
            if (r.kind === 'impossible') {
              return { ...base, outcome: 'refuse', reason: r.reason, notificationId, outboxIds: [] };
            }
            if (r.kind === 'already') {
              return { ...base, outcome: 'deja-envoye', reason: r.reason, notificationId, outboxIds: [] };
            }
            const outboxIds = await apply(deps, tx, r.value);
            return { ...base, outcome: 'ok', reason: null, notificationId, outboxIds };
          }),
        );
      } catch (e) {
        const reason = isAppError(e) ? e.message : 'Erreur inattendue : rien n’a été enregistré pour cette ligne.';
        results.push({ ...base, outcome: 'refuse', reason, notificationId, outboxIds: [] });
      }
    }
  };
  if (options.dryRun) {
    try {
      await deps.db.transaction(async (tx) => {
        await run(tx);
        throw new DryRunRollback();
      });
    } catch (e) {
      if (!(e instanceof DryRunRollback)) throw e;
    }
  } else {
    await run(deps.db);
    const ok = results.filter((r) => r.outcome === 'ok').length;
    await deps.journal.append({
      actor: 'utilisateur',
      action: 'Reprise : envoi groupé des statuts',
      outcome: ok > 0 || results.length === 0 ? 'succès' : 'échec',
      detail: `${ok} ligne(s) mise(s) en envoi, ${results.filter((r) => r.outcome === 'refuse').length} refusée(s), ${
        results.filter((r) => r.outcome === 'deja-envoye').length
      } déjà envoyée(s)`,
    });
  }
  return {
    dryRun: options.dryRun,
    lines: results,
    parseErrors: parsed.errors,
    ok: results.filter((r) => r.outcome === 'ok').length,
    alreadySent: results.filter((r) => r.outcome === 'deja-envoye').length,
    refused: results.filter((r) => r.outcome === 'refuse').length,
  };
}

/** What ViaTrajectoire answered, per line, once the sync has sent the queued statuses. */
export async function forcingDelivery(db: SqlExecutor, csv: string): Promise<RepriseDeliveryLine[]> {
  return db.transaction(
    async (tx) => {
      const lines: RepriseDeliveryLine[] = [];
      for (const entry of parseRepriseCsv(csv).entries) lines.push(await deliveryOf(tx, entry));
      return lines;
    },
    { readOnly: true },
  );
}

async function deliveryOf(db: SqlExecutor, entry: RepriseEntry): Promise<RepriseDeliveryLine> {
  const base = { line: entry.line, identifiant: entry.identifiant };
  const unit = await findUnit(db, entry.unite);
  if (typeof unit === 'string') return { ...base, state: 'non-envoye', reason: unit, taskIds: [] };
  const n = await findNotification(db, entry.identifiant, unit.finess_eg, entry.date);
  if (typeof n === 'string') return { ...base, state: 'non-envoye', reason: n, taskIds: [] };
  const event = await lastEvent(db, n.notification_id, unit.id_ror, SITUATION_STATUSES[entry.situation].unite);
  if (!event) return { ...base, state: 'non-envoye', reason: null, taskIds: [] };
  if (event.state === 'sent') {
    return {
      ...base,
      state: 'accepte',
      reason: null,
      taskIds: [event.server_id ?? event.task_id ?? ''].filter(Boolean),
    };
  }
  if (event.state === 'rejected' || event.state === 'abandoned') {
    let reason = 'Refusé par ViaTrajectoire';
    try {
      const error = JSON.parse(event.last_error_json ?? '{}') as { message?: string; detail?: string };
      reason = [error.message, error.detail].filter(Boolean).join(' — ') || reason;
    } catch {
      // keep the generic reason
    }
    return { ...base, state: 'refuse', reason, taskIds: [] };
  }
  return { ...base, state: 'en-attente', reason: null, taskIds: [] };
}
