/**
 * One notification for the detail screen: identity and decision (the parsed CDA), the chain of linked decisions,
 * the timeline of statuses sent and received with their transmission state, consent, and the actions offered.
 */
import type { LinkedDecisionSummary, NotificationDetail, TimelineEntry } from '@shared/domain/worklist';
import { AppError } from '@shared/errors/app-error';
import type { SqlExecutor } from '../db/sql/sql-database';
import { esmsMotifLabel, esmsStatusLabel, unitMotifLabel, unitStatusLabel } from './labels';
import { actionOptions, loadNotificationState } from './notification-actions';
import { readStoredDecision, readWorklistRow } from './worklist-queries';

interface EventRecord {
  id: number;
  origin: 'local' | 'vt';
  created_at: string;
  emitter_id_nat: string | null;
  statut_esms: string | null;
  motif_esms: string | null;
  date_statut_esms: string | null;
  id_unite: string | null;
  unit_name: string | null;
  statut_unite: string | null;
  motif_unite: string | null;
  date_statut_unite: string | null;
  description: string | null;
  outbox_state: string | null;
  last_error_json: string | null;
}

const TRANSMISSION: Readonly<Record<string, TimelineEntry['transmission']>> = {
  pending: 'en attente',
  in_flight: 'en attente',
  sent: 'envoyé',
  rejected: 'rejeté',
  abandoned: 'abandonné',
};

/** The refusal reason stored by the sync engine: an AppError-like object or an OperationOutcome. */
export function rejectionReason(json: string | null): string | null {
  if (!json) return null;
  try {
    const value = JSON.parse(json) as {
      message?: string;
      issue?: { diagnostics?: string; details?: { text?: string } }[];
    };
    if (typeof value.message === 'string') return value.message;
    const texts = (value.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).filter(Boolean);
    return texts.length > 0 ? texts.join(' ; ') : null;
  } catch {
    return null;
  }
}

/** The detail, read in one read-only transaction: one consistent state even while a sync or a colleague writes. */
export function readNotificationDetail(db: SqlExecutor, id: number, today: string): Promise<NotificationDetail> {
  return db.transaction((tx) => readDetail(tx, id, today), { readOnly: true });
}

async function readDetail(db: SqlExecutor, id: number, today: string): Promise<NotificationDetail> {
  const row = await readWorklistRow(db, id, today);
  const d = await db.get<{ id: number; id_decision: string; raw_cda: string; finess_eg: string; row_version: number }>(
    `SELECT d.id, d.id_decision, d.raw_cda, n.finess_eg, n.row_version
       FROM notification n JOIN decision d ON d.id = n.decision_id
      WHERE n.id = ?`,
    [id],
  );
  if (!d) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');

  // By the statuses' dates (the desk migration's order), newest first: ids alone do not follow dates once two
  // desks' histories are merged.
  const events = await db.all<EventRecord>(
    `SELECT e.id, e.origin, e.created_at, e.emitter_id_nat, e.statut_esms, e.motif_esms, e.date_statut_esms, e.id_unite,
            r.name AS unit_name, e.statut_unite, e.motif_unite, e.date_statut_unite, e.description,
            o.state AS outbox_state, o.last_error_json
       FROM status_event e
       LEFT JOIN outbox o ON o.status_event_id = e.id
       LEFT JOIN ror_unit r ON r.id_ror = e.id_unite
      WHERE e.notification_id = ?
      ORDER BY coalesce(e.date_statut_esms, e.date_statut_unite, e.created_at) DESC, e.id DESC`,
    [id],
  );
  const timeline: TimelineEntry[] = events.map((e) => ({
    id: e.id,
    origin: e.origin,
    createdAt: e.created_at,
    emitter: e.emitter_id_nat,
    statutESMS: e.statut_esms,
    statutESMSLabel: esmsStatusLabel(e.statut_esms),
    motifESMS: e.motif_esms,
    motifESMSLabel: esmsMotifLabel(e.motif_esms),
    dateStatutESMS: e.date_statut_esms,
    idUnite: e.id_unite,
    unitName: e.unit_name,
    statutUnite: e.statut_unite,
    statutUniteLabel: unitStatusLabel(e.statut_unite),
    motifUnite: e.motif_unite,
    motifUniteLabel: unitMotifLabel(e.motif_unite),
    dateStatutUnite: e.date_statut_unite,
    description: e.description,
    transmission: e.origin === 'local' ? (TRANSMISSION[e.outbox_state ?? 'pending'] ?? 'en attente') : null,
    rejectionReason: e.outbox_state === 'rejected' ? rejectionReason(e.last_error_json) : null,
  }));

  const findNotification = (idDecision: string) =>
    db.get<{ id: number; type_decision: string; validity_end: string | null }>(
      `SELECT n.id, d.type_decision, d.validity_end FROM decision d JOIN notification n ON n.decision_id = d.id
        WHERE d.id_decision = ? AND n.finess_eg = ? ORDER BY d.id DESC LIMIT 1`,
      [idDecision, d.finess_eg],
    );
  const linkedDecisions: LinkedDecisionSummary[] = [];
  const replaces = await db.all<{ linked_id_decision: string; kind: string }>(
    'SELECT linked_id_decision, kind FROM decision_link WHERE decision_id = ? ORDER BY linked_id_decision',
    [d.id],
  );
  for (const l of replaces) {
    const found = await findNotification(l.linked_id_decision);
    linkedDecisions.push({
      idDecision: l.linked_id_decision,
      kind: l.kind,
      direction: 'cette décision remplace',
      notificationId: found?.id ?? null,
      typeDecision: found?.type_decision ?? null,
      validityEnd: found?.validity_end ?? null,
    });
  }
  const replacedBy = await db.all<{ id_decision: string; kind: string }>(
    `SELECT d.id_decision, l.kind FROM decision_link l JOIN decision d ON d.id = l.decision_id
      WHERE l.linked_id_decision = ? AND d.id <> ? ORDER BY d.id`,
    [d.id_decision, d.id],
  );
  for (const l of replacedBy) {
    const found = await findNotification(l.id_decision);
    linkedDecisions.push({
      idDecision: l.id_decision,
      kind: l.kind,
      direction: 'remplacée par',
      notificationId: found?.id ?? null,
      typeDecision: found?.type_decision ?? null,
      validityEnd: found?.validity_end ?? null,
    });
  }

  const consent = await db.get<{ collected_on: string; state: string | null }>(
    `SELECT c.collected_on, o.state FROM consent c LEFT JOIN outbox o ON o.id = c.outbox_id
      WHERE c.decision_id = ? AND c.finess_eg = ?`,
    [d.id, d.finess_eg],
  );
  const evaluationAvailable =
    (await db.get('SELECT 1 FROM evaluation WHERE decision_id = ? AND finess_eg = ?', [d.id, d.finess_eg])) !==
    undefined;
  const actions = actionOptions(await loadNotificationState(db, id));

  return {
    row,
    decision: readStoredDecision(d.raw_cda),
    linkedDecisions,
    timeline,
    actions,
    consent: consent
      ? {
          collectedOn: consent.collected_on,
          transmission: consent.state ? (TRANSMISSION[consent.state] ?? null) : null,
        }
      : null,
    evaluationAvailable,
    version: Number(d.row_version),
  };
}
