/**
 * Renewal in one action (actions.md "Renewal"): the open unit lines of the renewed decision's notification are
 * carried over to the new one — the same unit statuses re-sent under the new idNat_Decision — and closed on the old
 * one (188 if the person is in care or on trial, else 180) with motif 136 Renouvellement. Everything goes through
 * enqueueStatusReport in one transaction, so it is sent in order or not at all.
 */
import { rollUpEsmsStatus } from '@shared/domain/referent-actions';
import type { StatusReport } from '@shared/domain/status-report';
import { AppError } from '@shared/errors/app-error';
import { inTransaction, type Db } from '../../db/database';
import { OPEN_UNIT_STATUSES, linkedNotifications } from '../pull/decision-store';
import { enqueueStatusReport } from '../outbox/status-outbox';
import { DEFAULT_SDO_CONTEXT, type SdoContext } from '../../fhir';
import { unitIdentityOf, type RorUnitRecord } from '../../worklist/ror-unit-record';

interface NotificationInfo {
  id: number;
  decision_id: number;
  finess_eg: string;
  eg_name: string;
  id_decision: string;
  id_nat_decision: string;
}

interface LineInfo extends RorUnitRecord {
  ror_unit_id: number;
  status: string;
}

function notificationInfo(db: Db, id: number): NotificationInfo | undefined {
  return db
    .prepare(
      `SELECT n.id, n.decision_id, n.finess_eg, g.name AS eg_name, d.id_decision, d.id_nat_decision FROM notification n
         JOIN decision d ON d.id = n.decision_id JOIN geographic_entity g ON g.finess_eg = n.finess_eg WHERE n.id = ?`,
    )
    .get(id) as NotificationInfo | undefined;
}

export interface CarryOverResult {
  readonly carriedLines: number;
  readonly outboxIds: readonly number[];
}

export function carryOverRenewal(
  db: Db,
  newNotificationId: number,
  now: Date,
  sdo: SdoContext = DEFAULT_SDO_CONTEXT,
): CarryOverResult {
  return inTransaction(db, () => {
    const target = notificationInfo(db, newNotificationId);
    if (!target) throw new AppError('ACTION_NOT_ALLOWED', 'Cette notification est introuvable.');
    const oldOnes = linkedNotifications(db, target.decision_id, target.finess_eg);
    const today = now.toISOString().slice(0, 10);
    const outboxIds: number[] = [];
    let carried = 0;
    for (const oldRef of oldOnes) {
      const old = notificationInfo(db, oldRef.id);
      if (!old) continue;
      const lines = db
        .prepare(
          `SELECT l.ror_unit_id, l.status, u.id_ror, u.name, u.categorie_organisation, u.temporalite_accueil,
             u.accueil_sequentiel, u.mode_prise_charge FROM unit_line l JOIN ror_unit u ON u.id = l.ror_unit_id
           WHERE l.notification_id = ? AND l.status IN (${OPEN_UNIT_STATUSES.map(() => '?').join(',')})`,
        )
        .all(old.id, ...OPEN_UNIT_STATUSES) as LineInfo[];
      for (const line of lines) {
        const unit = unitIdentityOf(line);
        if (!unit) {
          throw new AppError(
            'ACTION_NOT_ALLOWED',
            `L’unité ${line.id_ror} n’a pas de catégorie ou de mode de prise en charge : complétez-la d’abord.`,
          );
        }
        const closing = line.status === '186' || line.status === '185' || line.status === '187' ? '188' : '180';
        const closeReport: StatusReport = {
          idNatStruct: `1${old.finess_eg}`,
          nomESMS: old.eg_name,
          idDecision: old.id_decision,
          idNatDecision: old.id_nat_decision,
          unit,
          statutUnite: closing,
          motifUnite: '136',
          dateStatutUnite: today,
        };
        outboxIds.push(
          enqueueStatusReport(db, {
            notificationId: old.id,
            finessEg: old.finess_eg,
            report: closeReport,
            now,
            sdo,
          }).outboxId,
        );
        db.prepare(
          'UPDATE unit_line SET status = ?, status_date = ?, motif = ?, updated_at = ? WHERE notification_id = ? AND ror_unit_id = ?',
        ).run(closing, today, '136', now.toISOString(), old.id, line.ror_unit_id);
        const rolled = rollUpEsmsStatus([line]);
        const openReport: StatusReport = {
          idNatStruct: `1${target.finess_eg}`,
          nomESMS: target.eg_name,
          idDecision: target.id_decision,
          idNatDecision: target.id_nat_decision,
          ...(rolled ? { statutESMS: rolled, dateStatutESMS: today } : {}),
          unit,
          statutUnite: line.status,
          dateStatutUnite: today,
        };
        outboxIds.push(
          enqueueStatusReport(db, {
            notificationId: target.id,
            finessEg: target.finess_eg,
            report: openReport,
            now,
            sdo,
          }).outboxId,
        );
        db.prepare(
          `INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (notification_id, ror_unit_id) DO UPDATE SET status = excluded.status, status_date = excluded.status_date,
             updated_at = excluded.updated_at`,
        ).run(target.id, line.ror_unit_id, line.status, today, now.toISOString());
        if (rolled) {
          db.prepare('UPDATE notification SET esms_status = ?, esms_status_date = ?, updated_at = ? WHERE id = ?').run(
            rolled,
            today,
            now.toISOString(),
            target.id,
          );
        }
        carried++;
      }
    }
    db.prepare(
      "UPDATE notification SET a_traiter = 0, a_traiter_reason = NULL, updated_at = ? WHERE id = ? AND a_traiter_reason LIKE 'Renouvellement%'",
    ).run(now.toISOString(), target.id);
    return { carriedLines: carried, outboxIds };
  });
}
