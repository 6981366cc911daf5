/**
 * Flux 2 and 3 from the notification's point of view: the referent records the date the person agreed; the
 * Consent leaves through the outbox; once sent, the sync fetches the MDPH evaluation, shown only then.
 */
import type { ParsedEvaluation } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import { inTransaction, type Db } from '../db/database';
import type { Journal } from '../journal/journal';
import { enqueueConsent, type EnqueuedConsent } from '../sync/outbox/status-outbox';
import type { SdoContext } from '../fhir';

interface NotificationRef {
  decision_id: number;
  finess_eg: string;
}

function notificationRef(db: Db, notificationId: number): NotificationRef {
  const ref = db.prepare('SELECT decision_id, finess_eg FROM notification WHERE id = ?').get(notificationId) as
    NotificationRef | undefined;
  if (!ref) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  return ref;
}

export function recordConsent(
  deps: { db: Db; journal: Journal; now: () => Date; today: () => string; sdo?: () => SdoContext },
  request: { notificationId: number; collectedOn: string },
): EnqueuedConsent {
  if (request.collectedOn > deps.today()) {
    throw new AppError('INVALID_INPUT', 'La date de recueil de l’accord ne peut pas être dans le futur.');
  }
  return inTransaction(deps.db, () => {
    const ref = notificationRef(deps.db, request.notificationId);
    const enqueued = enqueueConsent(deps.db, {
      decisionId: ref.decision_id,
      finessEg: ref.finess_eg,
      collectedOn: request.collectedOn,
      now: deps.now(),
      ...(deps.sdo ? { sdo: deps.sdo() } : {}),
    });
    deps.journal.append({
      actor: 'utilisateur',
      action: 'Accord de la personne enregistré',
      recordType: 'notification',
      recordId: request.notificationId,
      outcome: 'succès',
      detail: 'Envoi à ViaTrajectoire à la prochaine synchronisation',
    });
    return enqueued;
  });
}

/** The evaluation of the notification's decision for its EG, or null while it is not there. */
export function readEvaluation(db: Db, notificationId: number): ParsedEvaluation | null {
  const ref = notificationRef(db, notificationId);
  const consent = db
    .prepare('SELECT id FROM consent WHERE decision_id = ? AND finess_eg = ?')
    .get(ref.decision_id, ref.finess_eg);
  // Never shown without the person's consent (SDO IG §7), even if a copy were stored.
  if (!consent) return null;
  const row = db
    .prepare('SELECT parsed_json FROM evaluation WHERE decision_id = ? AND finess_eg = ?')
    .get(ref.decision_id, ref.finess_eg) as { parsed_json: string } | undefined;
  return row ? (JSON.parse(row.parsed_json) as ParsedEvaluation) : null;
}
