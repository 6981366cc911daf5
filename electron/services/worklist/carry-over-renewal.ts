/**
 * Renewal in one action (the referent's actions table, "Renewal"): the open unit lines of the renewed decision's
 * notification are carried over to the new one — the same unit statuses re-sent under the new idNat_Decision,
 * keeping the person's waiting-list seniority — and closed on the old one (188 if the person is in care, on trial
 * or being re-oriented, else 180) with motif 136 Renouvellement. Everything goes through recordStatus in one
 * transaction, so it is sent in order or not at all; its Tasks are dated the referent's local day.
 */
import { UNIT_ENTERED, rollUpEsmsStatus, type UnitLineState } from '@shared/domain/referent-actions';
import type { StatusReport, UnitIdentity } from '@shared/domain/status-report';
import { AppError } from '@shared/errors/app-error';
import { notificationStore } from '../db/notification-store';
import { loadNotificationState } from './notification-actions';
import { assertNotificationUnchanged } from './notification-version';
import { recordStatus, type RecordStatusDeps, type TaskToRecord } from './record-status';

export interface CarryOverResult {
  readonly carriedLines: number;
  readonly outboxIds: readonly number[];
}

/** Closing status of a renewed line: the person in care (or on trial) leaves it with 188, a waiting one with 180. */
function closingStatus(status: string): string {
  return UNIT_ENTERED.includes(status) || status === '185' ? '188' : '180';
}

/** `seenVersion`: the new notification's version the referent saw, checked when given (notification-version.ts). */
export function carryOverRenewal(
  deps: RecordStatusDeps,
  newNotificationId: number,
  seenVersion?: number,
): Promise<CarryOverResult> {
  return deps.db.transaction(async (tx) => {
    // The new notification first, locked before the old ones are written: the same order as a referent's action on it.
    await assertNotificationUnchanged(tx, newNotificationId, seenVersion);
    const store = notificationStore(tx, 'utilisateur');
    const target = await store.read(newNotificationId);
    if (!target) throw new AppError('ACTION_NOT_ALLOWED', 'Cette notification est introuvable.');
    const newOne = await loadNotificationState(tx, newNotificationId);
    const today = deps.today();
    const identity = (unitId: number): UnitIdentity => {
      const unit = newOne.ctx.unitIdentities.get(unitId);
      if (!unit) {
        throw new AppError(
          'ACTION_NOT_ALLOWED',
          `L’unité « ${newOne.unitNames.get(unitId) ?? unitId} » n’a pas de catégorie ou de mode de prise en charge : complétez-la d’abord.`,
        );
      }
      return unit;
    };
    const outboxIds: number[] = [];
    const opened: TaskToRecord[] = [];
    let linesAfter: readonly UnitLineState[] = newOne.state.unitLines;
    let esms = newOne.state.esmsStatus;
    for (const oldRef of await store.linkedNotifications(target.decisionId, target.finessEg)) {
      const old = await loadNotificationState(tx, oldRef.id);
      const lines = await store.openUnitLines(oldRef.id);
      if (lines.length === 0) continue;
      const closing: TaskToRecord[] = lines.map((line) => ({
        report: {
          idNatStruct: old.ctx.idNatStruct,
          nomESMS: old.ctx.nomESMS,
          idDecision: old.ctx.idDecision,
          idNatDecision: old.ctx.idNatDecision,
          unit: identity(line.unitId),
          statutUnite: closingStatus(line.status),
          motifUnite: '136',
          dateStatutUnite: today,
        },
        unitId: line.unitId,
      }));
      const closed = await recordStatus(
        deps,
        {
          notificationId: oldRef.id,
          tasks: closing,
          action: 'Renouvellement : position close sur l’ancienne décision',
          acknowledge: false,
        },
        tx,
      );
      outboxIds.push(...closed.outboxIds);
      for (const line of lines) {
        linesAfter = [
          ...linesAfter.filter((l) => l.unitId !== line.unitId),
          { unitId: line.unitId, status: line.status },
        ];
        // The ESMS status goes with the Task whose line changes the roll-up, as for the referent's actions.
        const rolled = rollUpEsmsStatus(linesAfter);
        const report: StatusReport = {
          idNatStruct: newOne.ctx.idNatStruct,
          nomESMS: newOne.ctx.nomESMS,
          idDecision: newOne.ctx.idDecision,
          idNatDecision: newOne.ctx.idNatDecision,
          ...(rolled && rolled !== esms ? { statutESMS: rolled, dateStatutESMS: today } : {}),
          unit: identity(line.unitId),
          statutUnite: line.status,
          dateStatutUnite: today,
        };
        if (rolled) esms = rolled;
        opened.push({ report, unitId: line.unitId, requestDate: line.requestDate ?? line.statusDate });
      }
    }
    if (opened.length > 0) {
      const reopened = await recordStatus(
        deps,
        {
          notificationId: newNotificationId,
          tasks: opened,
          action: 'Renouvellement : position reprise sur la nouvelle décision',
          acknowledge: 'Renouvellement',
        },
        tx,
      );
      outboxIds.push(...reopened.outboxIds);
    } else {
      await store.clearATraiter(newNotificationId, deps.now().toISOString(), 'Renouvellement');
    }
    return { carriedLines: opened.length, outboxIds };
  });
}
