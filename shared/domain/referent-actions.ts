/**
 * The referent's actions and the statuses they send (flux 4), as ONE declarative table documented in
 * docs/referent-actions.md, plus the rules around it: roll-up of the ESMS status from the unit lines, trial-period
 * exclusion (ESRP/ESPO), masking of finished notifications, and `planAction` which turns an action into the
 * StatusReports to send. Correct the table here: screens and the sync engine only read it.
 */
import { motifsForStatut } from '../terminology/code-lists';
import type { ActionId } from './action-ids';
import type { StatusReport, UnitIdentity } from './status-report';

export type { ActionId };

/** Unit statuses (J253) grouped by meaning. */
export const UNIT_WAITING: readonly string[] = ['182', '183', '184'];
export const UNIT_OPEN: readonly string[] = ['182', '183', '184', '185', '186', '187'];
export const UNIT_CLOSED: readonly string[] = ['180', '181', '188'];
export const UNIT_ENTERED: readonly string[] = ['186', '187'];
/** ESMS statuses that finish a notification (docs/functional-rules.md §3). */
export const ESMS_FINISHED: readonly string[] = ['46', '48', '49', '37'];
/** ESMS statuses meaning the person has entered (or is being re-oriented while in care). */
const ESMS_ENTERED: readonly string[] = ['47', '51', '48'];

/** Decision categories (No_Type_droit_prestation) and unit categories (J34) never offered a trial period. */
export const TRIAL_EXCLUDED_DECISION_CATEGORIES: readonly string[] = ['11.1', '11.2'];
export const TRIAL_EXCLUDED_UNIT_CATEGORIES: readonly string[] = ['44', '46'];

/** Where a trial period is offered; ESRP/ESPO stay excluded whatever this says. Default: ESAT only. */
export interface TrialPeriodPolicy {
  readonly decisionCategories: readonly string[];
  readonly unitCategories: readonly string[];
}
export const DEFAULT_TRIAL_POLICY: TrialPeriodPolicy = { decisionCategories: ['11.5'], unitCategories: ['43'] };

export interface UnitLineState {
  /** Local id of the ROR unit (ror_unit.id). */
  readonly unitId: number;
  readonly status: string;
}

export interface UnitOption {
  readonly unitId: number;
  /** J34 code, when known. */
  readonly categorieOrganisation: string | null;
}

/** What the table's predicates look at: the notification's current state. */
export interface NotificationState {
  readonly esmsStatus: string;
  readonly unitLines: readonly UnitLineState[];
  /** typeDroitOuPrestation of the decision (7.x, 11.x, 13.x…), when known. */
  readonly decisionCategory: string | null;
  /** The ROR units of the notification's EG. */
  readonly units: readonly UnitOption[];
  readonly trialPolicy?: TrialPeriodPolicy;
}

/** How the ESMS-level status of the Task is chosen. */
export type EsmsRule =
  | { readonly kind: 'fixed'; readonly code: string }
  /** Computed from the unit lines after the action; `fallback` when the roll-up gives nothing. */
  | { readonly kind: 'rollup'; readonly fallback?: string };

export type Scope =
  /** ESMS level only. */
  | 'notification'
  /** One unit U. */
  | 'unit'
  /** From unit U to unit V: two Tasks. */
  | 'transfer'
  /** One unit U when the person is in a unit, else ESMS level only. */
  | 'unit-optional';

export interface MotifRule {
  readonly level: 'esms' | 'unite';
  /** The status whose motifs these are (a motif is sent with this status). */
  readonly statut: string;
  readonly codes: readonly string[];
}

export interface ActionDefinition {
  readonly id: ActionId;
  readonly label: string;
  readonly scope: Scope;
  readonly esms: EsmsRule | null;
  /** Unit status sent in U (or in V for a transfer's second Task). */
  readonly statutUnite: string | null;
  /** For a transfer: status (and motif) closing U before V is opened. */
  readonly closeSource?: { readonly statut: string; readonly motifs: readonly string[] };
  readonly motif: MotifRule | null;
  /** Label of the one business date asked. */
  readonly dateLabel: string;
  /** Notification-level predicate. */
  readonly offered: (s: NotificationState) => boolean;
  /** For unit scopes: can U be the unit acted on? */
  readonly sourceUnit?: (s: NotificationState, unit: UnitOption, line: UnitLineState | undefined) => boolean;
  /** For a transfer: can V be the target? */
  readonly targetUnit?: (s: NotificationState, unit: UnitOption, line: UnitLineState | undefined) => boolean;
  /**
   * The action makes the person's other open lines pointless (entry into one unit, a refusal because admitted
   * elsewhere): the plan proposes to close each of them (OTHER_LINE_CLOSURE), the referent may keep some open.
   */
  readonly closesOtherLines?: (input: ActionInput) => boolean;
}

/**
 * How another open line is closed when the person has entered a unit, or is no longer candidate because admitted
 * elsewhere: a waiting line (182/183/184) leaves the list with 180 and motif 100 « Volonté de l'usager » (the
 * fitting motif ASS_A32 allows for 180, as for a proposal moved to another unit), a trial in progress (185) ends
 * with 181 and motif 85 « Volonté du demandeur ». A line in care (186/187) is never closed this way: that is a
 * change of unit or an exit.
 */
export const OTHER_LINE_CLOSURE: Readonly<Record<string, { readonly statut: string; readonly motif: string }>> = {
  '182': { statut: '180', motif: '100' },
  '183': { statut: '180', motif: '100' },
  '184': { statut: '180', motif: '100' },
  '185': { statut: '181', motif: '85' },
};
/** Motif of "admission impossible" meaning the person was admitted in another ESMS. */
export const MOTIF_ADMITTED_ELSEWHERE = '119';

const list = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const codesOf = (statut: string) => motifsForStatut(statut).map((m) => m.code);
const lineStatus = (line: UnitLineState | undefined) => line?.status;
const isOpen = (line: UnitLineState | undefined) => line !== undefined && UNIT_OPEN.includes(line.status);
const anyLine = (s: NotificationState, statuses: readonly string[]) =>
  s.unitLines.some((l) => statuses.includes(l.status));
const hasEntered = (s: NotificationState) => ESMS_ENTERED.includes(s.esmsStatus) || anyLine(s, UNIT_ENTERED);
/** Lines of work can go on: not finished, not waiting for the MDPH on an "admission impossible". */
const workable = (s: NotificationState) => !ESMS_FINISHED.includes(s.esmsStatus) && s.esmsStatus !== '45';

/** Is a trial period possible for this decision and unit? ESRP/ESPO never; otherwise per the policy. */
export function trialPeriodAllowed(
  decisionCategory: string | null,
  unitCategory: string | null,
  policy = DEFAULT_TRIAL_POLICY,
) {
  if (decisionCategory && TRIAL_EXCLUDED_DECISION_CATEGORIES.includes(decisionCategory)) return false;
  if (unitCategory && TRIAL_EXCLUDED_UNIT_CATEGORIES.includes(unitCategory)) return false;
  return (
    (decisionCategory !== null && policy.decisionCategories.includes(decisionCategory)) ||
    (unitCategory !== null && policy.unitCategories.includes(unitCategory))
  );
}

/** The table of docs/referent-actions.md, in its order. */
export const REFERENT_ACTIONS: readonly ActionDefinition[] = [
  {
    id: 'marquer-lue',
    label: 'Marquer comme lue',
    scope: 'notification',
    esms: { kind: 'fixed', code: '40' },
    statutUnite: null,
    motif: null,
    dateLabel: 'Date de lecture',
    offered: (s) => s.esmsStatus === '39' || (s.esmsStatus === '54' && s.unitLines.length === 0),
  },
  {
    id: 'contact-effectue',
    label: 'Contact effectué',
    scope: 'notification',
    esms: { kind: 'fixed', code: '41' },
    statutUnite: null,
    motif: { level: 'esms', statut: '41', codes: ['150', '151', '152', '153'] },
    dateLabel: 'Date du contact',
    offered: (s) => ['39', '40', '54'].includes(s.esmsStatus) && !anyLine(s, UNIT_OPEN),
  },
  {
    id: 'demande-admission',
    label: "Demande d'admission reçue",
    scope: 'unit',
    esms: { kind: 'rollup' },
    statutUnite: '182',
    motif: null,
    dateLabel: 'Date de la demande',
    offered: (s) =>
      workable(s) &&
      (['39', '40', '41', '54'].includes(s.esmsStatus) || anyLine(s, UNIT_OPEN) || s.unitLines.length > 0),
    sourceUnit: (_s, _u, line) => !isOpen(line),
  },
  {
    id: 'declarer-admissible',
    label: 'Déclarer admissible',
    scope: 'unit',
    esms: { kind: 'rollup' },
    statutUnite: '183',
    motif: null,
    dateLabel: 'Date',
    offered: workable,
    sourceUnit: (_s, _u, line) => lineStatus(line) === '182',
  },
  {
    id: 'prononcer-admission',
    label: "Prononcer l'admission (proposition d'admission)",
    scope: 'unit',
    esms: { kind: 'rollup' },
    statutUnite: '184',
    motif: null,
    dateLabel: "Date de la décision d'admission",
    offered: workable,
    sourceUnit: (_s, _u, line) => ['182', '183'].includes(lineStatus(line) ?? ''),
  },
  {
    id: 'modifier-proposition',
    label: 'Modifier une proposition (changer d’unité)',
    scope: 'transfer',
    esms: { kind: 'rollup' },
    statutUnite: '184',
    closeSource: { statut: '180', motifs: ['100', '112'] },
    motif: { level: 'unite', statut: '180', codes: ['100', '112'] },
    dateLabel: 'Date',
    offered: workable,
    sourceUnit: (_s, _u, line) => lineStatus(line) === '184',
    targetUnit: (_s, _u, line) => !isOpen(line),
  },
  {
    id: 'debut-periode-essai',
    label: "Début de période d'essai",
    scope: 'unit',
    esms: { kind: 'rollup' },
    statutUnite: '185',
    motif: null,
    dateLabel: 'Date de début',
    offered: workable,
    sourceUnit: (s, u, line) =>
      lineStatus(line) === '184' && trialPeriodAllowed(s.decisionCategory, u.categorieOrganisation, s.trialPolicy),
  },
  {
    id: 'periode-essai-non-concluante',
    label: "Période d'essai non concluante",
    scope: 'unit',
    esms: { kind: 'rollup', fallback: '44' },
    statutUnite: '181',
    motif: { level: 'unite', statut: '181', codes: ['84', '85'] },
    dateLabel: 'Date de fin',
    offered: workable,
    sourceUnit: (_s, _u, line) => lineStatus(line) === '185',
  },
  {
    id: 'entree-usager',
    label: "Entrée de l'usager",
    scope: 'unit',
    esms: { kind: 'rollup' },
    statutUnite: '186',
    motif: null,
    dateLabel: "Date d'entrée",
    offered: workable,
    sourceUnit: (_s, _u, line) => ['184', '185'].includes(lineStatus(line) ?? ''),
    closesOtherLines: () => true,
  },
  {
    id: 'changement-unite',
    label: "Changement d'unité",
    scope: 'transfer',
    esms: { kind: 'rollup' },
    statutUnite: '186',
    closeSource: { statut: '188', motifs: ['253'] },
    motif: null,
    dateLabel: 'Date du changement',
    offered: workable,
    sourceUnit: (_s, _u, line) => lineStatus(line) === '186',
    targetUnit: (_s, _u, line) => !isOpen(line),
  },
  {
    id: 'sortie-usager',
    label: "Sortie de l'usager",
    scope: 'unit',
    esms: { kind: 'rollup', fallback: '48' },
    statutUnite: '188',
    motif: { level: 'unite', statut: '188', codes: codesOf('188') },
    dateLabel: 'Date de sortie',
    offered: workable,
    sourceUnit: (_s, _u, line) => UNIT_ENTERED.includes(lineStatus(line) ?? ''),
  },
  {
    id: 'retirer-liste-attente',
    label: "Retirer de la liste d'attente",
    scope: 'unit',
    esms: { kind: 'rollup' },
    statutUnite: '180',
    motif: { level: 'unite', statut: '180', codes: ['95', '98', '100', '109', '112', '124'] },
    dateLabel: 'Date du retrait',
    offered: workable,
    sourceUnit: (_s, _u, line) => UNIT_WAITING.includes(lineStatus(line) ?? ''),
  },
  {
    id: 'admission-impossible',
    label: 'Admission impossible',
    scope: 'notification',
    esms: { kind: 'fixed', code: '45' },
    statutUnite: null,
    motif: { level: 'esms', statut: '45', codes: ['86', ...list(113, 122), '124', '127', '148'] },
    dateLabel: 'Date',
    offered: (s) => workable(s) && !hasEntered(s),
    closesOtherLines: (input) => input.motif === MOTIF_ADMITTED_ELSEWHERE,
  },
  {
    id: 'demande-reorientation',
    label: 'Demande de réorientation',
    scope: 'unit-optional',
    esms: { kind: 'fixed', code: '51' },
    statutUnite: '187',
    motif: { level: 'esms', statut: '51', codes: ['92', '93', '172'] },
    dateLabel: 'Date de la demande',
    offered: (s) => workable(s) && (anyLine(s, ['186']) || s.esmsStatus === '47'),
    sourceUnit: (_s, _u, line) => lineStatus(line) === '186',
  },
];

export function actionDefinition(id: ActionId): ActionDefinition {
  const found = REFERENT_ACTIONS.find((a) => a.id === id);
  if (!found) throw new Error(`Action inconnue : ${id}`);
  return found;
}

/**
 * Roll-up of the ESMS level from the unit lines (docs/referent-actions.md): any 186 ⇒ 47; else 185 ⇒ 43; else 184 ⇒ 71;
 * else 183 ⇒ 72; else 182 ⇒ 42; otherwise nothing automatic. Our addition: a 187 line (re-orientation asked, the
 * person still in care) counts after 186 as 51.
 */
export function rollUpEsmsStatus(lines: readonly Pick<UnitLineState, 'status'>[]): string | null {
  const has = (code: string) => lines.some((l) => l.status === code);
  if (has('186')) return '47';
  if (has('187')) return '51';
  if (has('185')) return '43';
  if (has('184')) return '71';
  if (has('183')) return '72';
  if (has('182')) return '42';
  return null;
}

export interface OfferedAction {
  readonly id: ActionId;
  readonly label: string;
  readonly scope: Scope;
  /** Units U the action may apply to (unit scopes). */
  readonly sourceUnits: readonly number[];
  /** Units V (transfer). */
  readonly targetUnits: readonly number[];
  readonly motif: MotifRule | null;
  readonly dateLabel: string;
}

/** The actions offered for this state: impossible transitions are simply absent. */
export function offeredActions(s: NotificationState): OfferedAction[] {
  const lineOf = (unitId: number) => s.unitLines.find((l) => l.unitId === unitId);
  const result: OfferedAction[] = [];
  for (const a of REFERENT_ACTIONS) {
    if (!a.offered(s)) continue;
    const sourceUnits = a.sourceUnit
      ? s.units.filter((u) => a.sourceUnit?.(s, u, lineOf(u.unitId))).map((u) => u.unitId)
      : [];
    const targetUnits = a.targetUnit
      ? s.units.filter((u) => a.targetUnit?.(s, u, lineOf(u.unitId))).map((u) => u.unitId)
      : [];
    if (a.scope === 'unit' && sourceUnits.length === 0) continue;
    if (a.scope === 'transfer' && (sourceUnits.length === 0 || targetUnits.length === 0)) continue;
    result.push({
      id: a.id,
      label: a.label,
      scope: a.scope,
      sourceUnits,
      targetUnits,
      motif: a.motif,
      dateLabel: a.dateLabel,
    });
  }
  return result;
}

/** The ids needed to address a Task, and the units' ROR identity. */
export interface PlanContext {
  readonly idNatStruct: string;
  readonly nomESMS: string;
  readonly idDecision: string;
  readonly idNatDecision: string;
  readonly unitIdentities: ReadonlyMap<number, UnitIdentity>;
}

export interface ActionInput {
  /** Business date, YYYY-MM-DD. */
  readonly date: string;
  readonly motif?: string;
  /** Unit U. */
  readonly unitId?: number;
  /** Unit V (transfer). */
  readonly targetUnitId?: number;
  readonly description?: string;
  /** Other open lines the referent keeps open, though the action proposes to close them. */
  readonly keepOpenUnitIds?: readonly number[];
}

/** Another open line the action proposes to close, with how. */
export interface ClosableLine {
  readonly unitId: number;
  /** Its status now. */
  readonly status: string;
  readonly statut: string;
  readonly motif: string;
  /** The referent unticked it: it stays open. */
  readonly kept: boolean;
}

export interface PlannedAction {
  readonly reports: readonly StatusReport[];
  /** The other open lines the action proposes to close (closed, unless kept). */
  readonly closable: readonly ClosableLine[];
  /** Unit lines after the action. */
  readonly unitLines: readonly UnitLineState[];
  /** ESMS status after the action (unchanged when no ESMS status is sent). */
  readonly esmsStatus: string;
}

export class ActionNotAllowedError extends Error {}

/**
 * Turns an action into the StatusReports to send, in order, and the resulting state. Throws ActionNotAllowedError
 * when the action is not offered for this state or the input misses what the action needs.
 */
export function planAction(s: NotificationState, ctx: PlanContext, id: ActionId, input: ActionInput): PlannedAction {
  const main = planMainAction(s, ctx, id, input);
  const def = actionDefinition(id);
  if (!def.closesOtherLines?.(input)) return { ...main, closable: [] };
  const kept = new Set(input.keepOpenUnitIds ?? []);
  const acted = new Set([input.unitId, input.targetUnitId]);
  const closable: ClosableLine[] = main.unitLines.flatMap((line) => {
    const closure = OTHER_LINE_CLOSURE[line.status];
    // A unit without its ROR identity cannot carry a status: its line is left to the referent.
    if (!closure || acted.has(line.unitId) || !ctx.unitIdentities.has(line.unitId)) return [];
    return [{ unitId: line.unitId, status: line.status, ...closure, kept: kept.has(line.unitId) }];
  });
  const closing = closable.filter((c) => !c.kept);
  const reports: StatusReport[] = closing.flatMap((c) => {
    const unit = ctx.unitIdentities.get(c.unitId);
    if (!unit) return [];
    return [
      {
        idNatStruct: ctx.idNatStruct,
        nomESMS: ctx.nomESMS,
        idDecision: ctx.idDecision,
        idNatDecision: ctx.idNatDecision,
        unit,
        statutUnite: c.statut,
        motifUnite: c.motif,
        dateStatutUnite: input.date,
      },
    ];
  });
  const unitLines = main.unitLines.map((l) => {
    const closed = closing.find((c) => c.unitId === l.unitId);
    return closed ? { unitId: l.unitId, status: closed.statut } : l;
  });
  return { reports: [...main.reports, ...reports], unitLines, esmsStatus: main.esmsStatus, closable };
}

function planMainAction(
  s: NotificationState,
  ctx: PlanContext,
  id: ActionId,
  input: ActionInput,
): Omit<PlannedAction, 'closable'> {
  const def = actionDefinition(id);
  const offer = offeredActions(s).find((o) => o.id === id);
  if (!offer) throw new ActionNotAllowedError('Cette action n’est pas possible dans l’état actuel du dossier.');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date)) throw new ActionNotAllowedError('La date est obligatoire.');
  if (def.motif) {
    if (!input.motif) throw new ActionNotAllowedError('Le motif est obligatoire pour cette action.');
    if (!def.motif.codes.includes(input.motif))
      throw new ActionNotAllowedError('Ce motif n’est pas permis pour cette action.');
  }
  const base = {
    idNatStruct: ctx.idNatStruct,
    nomESMS: ctx.nomESMS,
    idDecision: ctx.idDecision,
    idNatDecision: ctx.idNatDecision,
    ...(input.description ? { description: input.description } : {}),
  };
  const identity = (unitId: number) => {
    const u = ctx.unitIdentities.get(unitId);
    if (!u) throw new ActionNotAllowedError('Les données ROR de cette unité sont incomplètes.');
    return u;
  };
  const withLine = (lines: readonly UnitLineState[], unitId: number, status: string) => [
    ...lines.filter((l) => l.unitId !== unitId),
    { unitId, status },
  ];
  const uniteMotif = def.motif?.level === 'unite' ? { motifUnite: input.motif } : {};

  const esmsAfter = (lines: readonly UnitLineState[]): string | null => {
    if (!def.esms) return null;
    if (def.esms.kind === 'fixed') return def.esms.code;
    return rollUpEsmsStatus(lines) ?? def.esms.fallback ?? null;
  };
  /** The ESMS part of a Task: sent when it changes the ESMS status (or is fixed by the table). */
  const esmsPart = (
    lines: readonly UnitLineState[],
    current: string,
  ): { statutESMS?: string; dateStatutESMS?: string; motifESMS?: string } => {
    const next = esmsAfter(lines);
    if (next === null) return {};
    if (def.esms?.kind === 'rollup' && next === current) return {};
    return {
      statutESMS: next,
      dateStatutESMS: input.date,
      ...(def.motif?.level === 'esms' && input.motif ? { motifESMS: input.motif } : {}),
    };
  };

  if (def.scope === 'notification' || (def.scope === 'unit-optional' && input.unitId === undefined)) {
    if (def.scope === 'unit-optional' && offer.sourceUnits.length > 0) {
      throw new ActionNotAllowedError('Choisissez l’unité concernée.');
    }
    const part = esmsPart(s.unitLines, s.esmsStatus);
    return {
      reports: [{ ...base, ...part }],
      unitLines: s.unitLines,
      esmsStatus: part.statutESMS ?? s.esmsStatus,
    };
  }

  const unitId = input.unitId;
  if (unitId === undefined || !offer.sourceUnits.includes(unitId)) {
    throw new ActionNotAllowedError('Cette unité ne peut pas recevoir ce statut.');
  }
  if (def.scope === 'transfer') {
    const target = input.targetUnitId;
    if (target === undefined || target === unitId || !offer.targetUnits.includes(target)) {
      throw new ActionNotAllowedError('Choisissez une autre unité, sans suivi en cours.');
    }
    const close = def.closeSource;
    if (!close) throw new ActionNotAllowedError('Action mal définie.');
    const closeMotif = close.motifs.length === 1 ? close.motifs[0] : input.motif;
    const afterClose = withLine(s.unitLines, unitId, close.statut);
    const first: StatusReport = {
      ...base,
      ...esmsPart(afterClose, s.esmsStatus),
      unit: identity(unitId),
      statutUnite: close.statut,
      ...(closeMotif ? { motifUnite: closeMotif } : {}),
      dateStatutUnite: input.date,
    };
    const esmsAfterFirst = first.statutESMS ?? s.esmsStatus;
    const afterOpen = withLine(afterClose, target, def.statutUnite ?? '');
    const secondEsms = esmsPart(afterOpen, esmsAfterFirst);
    const second: StatusReport = {
      ...base,
      ...(secondEsms.statutESMS ? { statutESMS: secondEsms.statutESMS, dateStatutESMS: input.date } : {}),
      unit: identity(target),
      statutUnite: def.statutUnite ?? '',
      dateStatutUnite: input.date,
    };
    return { reports: [first, second], unitLines: afterOpen, esmsStatus: second.statutESMS ?? esmsAfterFirst };
  }

  const lines = withLine(s.unitLines, unitId, def.statutUnite ?? '');
  const part = esmsPart(lines, s.esmsStatus);
  const report: StatusReport = {
    ...base,
    ...part,
    unit: identity(unitId),
    statutUnite: def.statutUnite ?? '',
    ...uniteMotif,
    dateStatutUnite: input.date,
  };
  return { reports: [report], unitLines: lines, esmsStatus: report.statutESMS ?? s.esmsStatus };
}

/**
 * Masking (docs/functional-rules.md §3): a notification is "terminé" when its ESMS status is 46, 48, 49 or 37, or every unit line is
 * closed with no entry, or its validity has ended with no entry. Terminé lines are hidden by default, never deleted.
 */
export function isFinished(
  s: Pick<NotificationState, 'esmsStatus' | 'unitLines'>,
  validityEnd: string | null,
  today: string,
): boolean {
  if (ESMS_FINISHED.includes(s.esmsStatus)) return true;
  const entered = ESMS_ENTERED.includes(s.esmsStatus) || s.unitLines.some((l) => UNIT_ENTERED.includes(l.status));
  if (entered) return false;
  if (s.unitLines.length > 0 && s.unitLines.every((l) => UNIT_CLOSED.includes(l.status)) && s.esmsStatus !== '54') {
    return true;
  }
  return validityEnd !== null && validityEnd < today;
}

export type ValidityState = 'valide' | 'bientot' | 'expiree' | 'inconnue';

/** ViaTrajectoire's Validité colour code: black > 3 months left, orange < 3 months, red when passed. */
export function validityState(validityEnd: string | null, today: string): ValidityState {
  if (!validityEnd) return 'inconnue';
  if (validityEnd < today) return 'expiree';
  return validityEnd < addMonthsIso(today, 3) ? 'bientot' : 'valide';
}

export const VALIDITY_LABELS: Readonly<Record<ValidityState, string>> = {
  valide: 'Valide',
  bientot: 'Moins de 3 mois',
  expiree: 'Expirée',
  inconnue: 'Non précisée',
};

/** YYYY-MM-DD + n months, clamped to the month's end. */
export function addMonthsIso(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}
