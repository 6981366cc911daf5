/**
 * Flux 2 and 3 from the notification's point of view: the referent records the date the person agreed; the
 * Consent leaves through the outbox; once sent, the sync fetches the MDPH evaluation, shown only then.
 */
import type { ParsedEvaluation } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import { enqueueConsent, type EnqueuedConsent } from '../sync/outbox/status-outbox';
import type { SdoContext } from '../fhir';
import { assertNotificationUnchanged } from './notification-version';

interface NotificationRef {
  decision_id: number;
  finess_eg: string;
}

async function notificationRef(db: SqlExecutor, notificationId: number): Promise<NotificationRef> {
  const ref = await db.get<NotificationRef>('SELECT decision_id, finess_eg FROM notification WHERE id = ?', [
    notificationId,
  ]);
  if (!ref) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  return ref;
}

export async function recordConsent(
  deps: { db: SqlDatabase; journal: Journal; now: () => Date; today: () => string; sdo?: () => SdoContext },
  request: { notificationId: number; collectedOn: string; seenVersion?: number },
): Promise<EnqueuedConsent> {
  if (request.collectedOn > deps.today()) {
    throw new AppError('INVALID_INPUT', 'La date de recueil de l’accord ne peut pas être dans le futur.');
  }
  return deps.db.transaction(async (tx) => {
    // Locked first: two referents recording the consent one after the other, the second is told it is there.
    await assertNotificationUnchanged(tx, request.notificationId, request.seenVersion);
    const ref = await notificationRef(tx, request.notificationId);
    const enqueued = await enqueueConsent(tx, {
      decisionId: ref.decision_id,
      finessEg: ref.finess_eg,
      collectedOn: request.collectedOn,
      now: deps.now(),
      ...(deps.sdo ? { sdo: deps.sdo() } : {}),
    });
    await deps.journal.append(
      {
        actor: 'utilisateur',
        action: 'Accord de la personne enregistré',
        recordType: 'notification',
        recordId: request.notificationId,
        outcome: 'succès',
        detail: 'Envoi à ViaTrajectoire à la prochaine synchronisation',
      },
      tx,
    );
    return enqueued;
  });
}

/** The evaluation of the notification's decision for its EG, or null while it is not there. */
export async function readEvaluation(db: SqlExecutor, notificationId: number): Promise<ParsedEvaluation | null> {
  const ref = await notificationRef(db, notificationId);
  const consent = await db.get('SELECT id FROM consent WHERE decision_id = ? AND finess_eg = ?', [
    ref.decision_id,
    ref.finess_eg,
  ]);
  // Never shown without the person's consent (SDO IG §7), even if a copy were stored.
  if (!consent) return null;
  const row = await db.get<{ parsed_json: string }>(
    'SELECT parsed_json FROM evaluation WHERE decision_id = ? AND finess_eg = ?',
    [ref.decision_id, ref.finess_eg],
  );
  return row ? (JSON.parse(row.parsed_json) as ParsedEvaluation) : null;
}
