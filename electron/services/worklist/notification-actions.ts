/**
 * The referent's actions on a notification: load its state, offer what the shared table allows, preview the Tasks,
 * and perform through recordStatus (one transaction: Tasks queued, unit lines, roll-up, journal).
 */
import {
  ActionNotAllowedError,
  actionDefinition,
  offeredActions,
  planAction,
  type ActionId,
  type ActionInput,
  type NotificationState,
  type PlanContext,
  type PlannedAction,
} from '@shared/domain/referent-actions';
import type { UnitIdentity } from '@shared/domain/status-report';
import type { ActionOption, StatusPreview } from '@shared/domain/worklist';
import { AppError } from '@shared/errors/app-error';
import { motifsForStatut } from '@shared/terminology/code-lists';
import type { SqlExecutor } from '../db/sql/sql-database';
import { describeReports, describeUnitClosing, esmsStatusLabel, unitStatusLabel } from './labels';
import { assertNotificationUnchanged } from './notification-version';
import { recordStatus, type RecordStatusDeps } from './record-status';
import { unitIdentityOf, type RorUnitRecord } from './ror-unit-record';

interface Loaded {
  readonly state: NotificationState;
  readonly ctx: PlanContext;
  readonly finessEg: string;
  readonly unitNames: ReadonlyMap<number, string>;
  readonly validityEnd: string | null;
}

interface UnitRecord extends RorUnitRecord {
  id: number;
}

/** The notification's state and plan context, read through `db` or the caller's transaction. */
export async function loadNotificationState(db: SqlExecutor, notificationId: number): Promise<Loaded> {
  const n = await db.get<{
    finess_eg: string;
    esms_status: string;
    eg_name: string;
    id_decision: string;
    id_nat_decision: string;
    category_code: string | null;
    validity_end: string | null;
  }>(
    `SELECT n.finess_eg, n.esms_status, g.name AS eg_name, d.id_decision, d.id_nat_decision, d.category_code,
            d.validity_end
       FROM notification n JOIN decision d ON d.id = n.decision_id
       JOIN geographic_entity g ON g.finess_eg = n.finess_eg WHERE n.id = ?`,
    [notificationId],
  );
  if (!n) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  const units = await db.all<UnitRecord>(
    `SELECT id, id_ror, name, categorie_organisation, temporalite_accueil, accueil_sequentiel, mode_prise_charge
       FROM ror_unit WHERE finess_eg = ? ORDER BY name, id`,
    [n.finess_eg],
  );
  const lines = await db.all<{ unitId: number; status: string }>(
    'SELECT ror_unit_id AS "unitId", status FROM unit_line WHERE notification_id = ? ORDER BY id',
    [notificationId],
  );
  const identities = new Map<number, UnitIdentity>();
  for (const u of units) {
    // Incomplete units (no category or mode) cannot be used in a unit status.
    const identity = unitIdentityOf(u);
    if (identity) identities.set(u.id, identity);
  }
  return {
    state: {
      esmsStatus: n.esms_status,
      unitLines: lines,
      decisionCategory: n.category_code,
      units: units.map((u) => ({ unitId: u.id, categorieOrganisation: u.categorie_organisation })),
    },
    ctx: {
      idNatStruct: `1${n.finess_eg}`,
      nomESMS: n.eg_name,
      idDecision: n.id_decision,
      idNatDecision: n.id_nat_decision,
      unitIdentities: identities,
    },
    finessEg: n.finess_eg,
    unitNames: new Map(units.map((u) => [u.id, u.name])),
    validityEnd: n.validity_end,
  };
}

export function actionOptions(loaded: Loaded): ActionOption[] {
  const named = (ids: readonly number[]) => ids.map((id) => ({ id, name: loaded.unitNames.get(id) ?? `Unité ${id}` }));
  return offeredActions(loaded.state).map((a) => ({
    id: a.id,
    label: a.label,
    scope: a.scope,
    sourceUnits: named(a.sourceUnits),
    targetUnits: named(a.targetUnits),
    dateLabel: a.dateLabel,
    motif: a.motif
      ? {
          ...a.motif,
          options: a.motif.codes.map((code) => ({
            code,
            label: motifsForStatut(a.motif?.statut ?? '').find((m) => m.code === code)?.display ?? code,
          })),
        }
      : null,
  }));
}

export interface ActionRequest extends ActionInput {
  readonly notificationId: number;
  readonly action: ActionId;
  /** The version the referent saw (NotificationDetail.version); checked when given (notification-version.ts). */
  readonly seenVersion?: number;
}

function plan(loaded: Loaded, request: ActionRequest): PlannedAction {
  try {
    return planAction(loaded.state, loaded.ctx, request.action, request);
  } catch (e) {
    if (e instanceof ActionNotAllowedError) throw new AppError('ACTION_NOT_ALLOWED', e.message);
    throw e;
  }
}

function preview(loaded: Loaded, request: ActionRequest, planned: PlannedAction): StatusPreview {
  return {
    label: actionDefinition(request.action).label,
    reports: planned.reports,
    closable: planned.closable.map((c) => ({
      unitId: c.unitId,
      unitName: loaded.unitNames.get(c.unitId) ?? `Unité ${c.unitId}`,
      statusLabel: unitStatusLabel(c.status) ?? c.status,
      closing: describeUnitClosing(c.statut, c.motif),
      kept: c.kept,
    })),
    lines: describeReports(planned.reports),
    esmsStatusAfter: planned.esmsStatus,
    esmsStatusAfterLabel: esmsStatusLabel(planned.esmsStatus) ?? planned.esmsStatus,
  };
}

export async function previewAction(db: SqlExecutor, request: ActionRequest): Promise<StatusPreview> {
  const loaded = await loadNotificationState(db, request.notificationId);
  return preview(loaded, request, plan(loaded, request));
}

export type PerformDeps = RecordStatusDeps;

export function performAction(
  deps: PerformDeps,
  request: ActionRequest,
): Promise<StatusPreview & { outboxIds: number[] }> {
  // The state is read in the transaction that records the status, after locking the notification and checking
  // the version the referent saw: nothing can change it in between, and a change made before is told, not planned
  // over.
  return deps.db.transaction(async (tx) => {
    await assertNotificationUnchanged(tx, request.notificationId, request.seenVersion);
    const loaded = await loadNotificationState(tx, request.notificationId);
    const planned = plan(loaded, request);
    const unitIdOf = (idUnite: string | undefined) =>
      [...loaded.ctx.unitIdentities].find(([, u]) => u.idUnite === idUnite)?.[0];
    const result = preview(loaded, request, planned);
    const { outboxIds } = await recordStatus(
      deps,
      {
        notificationId: request.notificationId,
        tasks: planned.reports.map((report) => {
          const unitId = report.unit ? unitIdOf(report.unit.idUnite) : undefined;
          return unitId === undefined ? { report } : { report, unitId };
        }),
        action: `Statut enregistré : ${result.label}`,
      },
      tx,
    );
    return { ...result, outboxIds };
  });
}
