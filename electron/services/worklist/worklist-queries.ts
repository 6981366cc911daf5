/**
 * Read side of the work list: every notification of the locally activated EGs, filtered, searched, sorted and masked
 * (finished ones hidden unless asked) with the shared rules of referent-actions. One SQL pass for the rows and one for
 * the unit lines, the rest in memory: 10,000 rows stay well under the interactive budget (see worklist-queries.test).
 */
import type { ParsedDecision } from '@shared/domain/decision';
import { addMonthsIso, isFinished, type ValidityState } from '@shared/domain/referent-actions';
import type {
  UnitLineSummary,
  WorklistFacets,
  WorklistResult,
  WorklistRow,
  WorklistSortField,
} from '@shared/domain/worklist';
import { AppError } from '@shared/errors/app-error';
import { CATEGORIE_ORIENTATION, MDPH_LIST, orientationLabel } from '@shared/terminology/code-lists';
import type { Db } from '../db/database';
import { parseDecisionCda } from '../cda/decision-cda-parser';
import { displayFamilyName, esmsStatusLabel, normalise, unitStatusLabel } from './labels';

export interface WorklistFilter {
  readonly finessEg?: string | undefined;
  readonly unitId?: number | undefined;
  readonly esmsStatus?: string | undefined;
  readonly unitStatus?: string | undefined;
  readonly category?: string | undefined;
  readonly validity?: WorklistRow['validity'] | undefined;
  readonly aTraiter?: boolean | undefined;
  readonly search?: string | undefined;
  readonly showTerminated: boolean;
  readonly sort: WorklistSortField;
  readonly direction: 'asc' | 'desc';
}

interface RowRecord {
  id: number;
  finess_eg: string;
  eg_name: string;
  family_name: string;
  used_family_name: string | null;
  given_names: string;
  birth_date: string | null;
  mdph_oid: string;
  mdph_individual_id: string;
  id_decision: string;
  id_nat_decision: string;
  category_code: string | null;
  decision_date: string | null;
  validity_start: string | null;
  validity_end: string | null;
  esms_status: string;
  esms_status_date: string | null;
  a_traiter: number;
  a_traiter_reason: string | null;
  created_at: string;
}

interface LineRecord {
  notification_id: number;
  ror_unit_id: number;
  name: string;
  status: string;
  status_date: string;
}

const ROW_SQL = `
  SELECT n.id, n.finess_eg, g.name AS eg_name, p.family_name, p.used_family_name, p.given_names, p.birth_date,
         p.mdph_oid, p.mdph_individual_id, d.id_decision, d.id_nat_decision, d.category_code, d.decision_date,
         d.validity_start, d.validity_end, n.esms_status, n.esms_status_date, n.a_traiter, n.a_traiter_reason,
         n.created_at
    FROM notification n
    JOIN geographic_entity g ON g.finess_eg = n.finess_eg
    JOIN decision d ON d.id = n.decision_id
    JOIN person p ON p.id = d.person_id`;

const LINE_SQL = `
  SELECT u.notification_id, u.ror_unit_id, r.name, u.status, u.status_date
    FROM unit_line u JOIN ror_unit r ON r.id = u.ror_unit_id`;

/** Lookups done once per label, not once per row (10,000 rows). */
const MDPH_LABELS = new Map(MDPH_LIST.map((m) => [m.oid, m.label]));
const categoryLabels = new Map<string | null, string>();
const statusLabels = new Map<string, string>();
function categoryLabel(code: string | null): string {
  let label = categoryLabels.get(code);
  if (label === undefined) categoryLabels.set(code, (label = orientationLabel(code)));
  return label;
}
function statusLabel(code: string): string {
  let label = statusLabels.get(code);
  if (label === undefined) statusLabels.set(code, (label = esmsStatusLabel(code) ?? code));
  return label;
}

/** The validity colour code, with the 3-month threshold computed once per list. */
function validityOf(end: string | null, today: string, in3Months: string): ValidityState {
  if (!end) return 'inconnue';
  if (end < today) return 'expiree';
  return end < in3Months ? 'bientot' : 'valide';
}

/**
 * What needs the referent's action: a notification marked à traiter, or one not read yet (reading it is the first
 * action ViaTrajectoire waits for). The dashboard's "À traiter" counts exactly these.
 */
export function needsAction(r: Pick<WorklistRow, 'aTraiter' | 'unread'>): boolean {
  return r.aTraiter || r.unread;
}

/** ESMS status of a notification ViaTrajectoire sent and the referent has not read yet (J252). */
const UNREAD_ESMS_STATUS = '39';
const EXPIRED_UNREAD_REASON = 'Validité expirée avant lecture : lire la notification';

function toRow(
  r: RowRecord,
  lines: readonly UnitLineSummary[],
  today: string,
  in3Months = addMonthsIso(today, 3),
): WorklistRow {
  const state = { esmsStatus: r.esms_status, unitLines: lines.map((l) => ({ unitId: l.unitId, status: l.status })) };
  const validity = validityOf(r.validity_end, today, in3Months);
  const unread = r.esms_status === UNREAD_ESMS_STATUS;
  // Expired before the referent read it: it needs their action (read it, close it), not masking.
  const expiredUnread = unread && validity === 'expiree';
  return {
    id: r.id,
    finessEg: r.finess_eg,
    egName: r.eg_name,
    familyName: displayFamilyName(r.family_name, r.used_family_name),
    givenNames: r.given_names,
    birthDate: r.birth_date,
    mdphIndividualId: r.mdph_individual_id,
    mdphLabel: MDPH_LABELS.get(r.mdph_oid) ?? null,
    idDecision: r.id_decision,
    idNatDecision: r.id_nat_decision,
    category: r.category_code,
    categoryLabel: categoryLabel(r.category_code),
    decisionDate: r.decision_date,
    validityStart: r.validity_start,
    validityEnd: r.validity_end,
    validity,
    esmsStatus: r.esms_status,
    esmsStatusLabel: statusLabel(r.esms_status),
    esmsStatusDate: r.esms_status_date,
    units: lines,
    aTraiter: r.a_traiter === 1 || expiredUnread,
    aTraiterReason: r.a_traiter === 1 ? r.a_traiter_reason : expiredUnread ? EXPIRED_UNREAD_REASON : null,
    unread,
    terminated: isFinished(state, r.validity_end, today),
  };
}

function linesByNotification(lines: readonly LineRecord[]): Map<number, UnitLineSummary[]> {
  const map = new Map<number, UnitLineSummary[]>();
  for (const l of lines) {
    const list = map.get(l.notification_id) ?? [];
    list.push({
      unitId: l.ror_unit_id,
      unitName: l.name,
      status: l.status,
      statusLabel: unitStatusLabel(l.status) ?? l.status,
      statusDate: l.status_date,
    });
    map.set(l.notification_id, list);
  }
  return map;
}

/** One notification's row, whatever its EG's activation (the detail screen). */
export function readWorklistRow(db: Db, id: number, today: string): WorklistRow {
  const record = db.prepare(`${ROW_SQL} WHERE n.id = ?`).get(id) as RowRecord | undefined;
  if (!record) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  const lines = db.prepare(`${LINE_SQL} WHERE u.notification_id = ? ORDER BY u.id`).all(id) as LineRecord[];
  return toRow(record, linesByNotification(lines).get(id) ?? [], today);
}

const collator = new Intl.Collator('fr', { sensitivity: 'base', numeric: true });

function comparator(field: WorklistSortField): (a: WorklistRow, b: WorklistRow) => number {
  const str = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '');
  switch (field) {
    case 'nom':
      return (a, b) => collator.compare(a.familyName, b.familyName) || collator.compare(a.givenNames, b.givenNames);
    case 'naissance':
      return (a, b) => str(a.birthDate, b.birthDate);
    case 'decision':
      return (a, b) => str(a.decisionDate, b.decisionDate);
    case 'validite':
      return (a, b) => str(a.validityEnd, b.validityEnd);
    case 'statut':
      return (a, b) => collator.compare(a.esmsStatusLabel, b.esmsStatusLabel);
    case 'categorie':
      return (a, b) => collator.compare(a.categoryLabel, b.categoryLabel);
    case 'recu':
      return (a, b) => a.id - b.id;
  }
}

interface Snapshot {
  readonly key: string;
  readonly rows: readonly WorklistRow[];
  /** Lower-cased, accent-free search text per row. */
  readonly haystacks: readonly string[];
}

/**
 * The full list of the activated EGs, rebuilt only when the database changed: `data_version` moves on commits of
 * other connections (the sync worker), `total_changes()` on this one's. Filters and sorts then run in memory.
 */
const snapshots = new WeakMap<Db, Snapshot>();

function snapshot(db: Db, today: string): Snapshot {
  const version = db.pragma('data_version', { simple: true }) as number;
  const changes = db.prepare('SELECT total_changes()').pluck().get() as number;
  const key = `${version}|${changes}|${today}`;
  const cached = snapshots.get(db);
  if (cached?.key === key) return cached;
  const read = db.transaction(() => ({
    records: db.prepare(`${ROW_SQL} WHERE g.local_activated = 1`).all() as RowRecord[],
    lines: db
      .prepare(
        `${LINE_SQL} JOIN notification n ON n.id = u.notification_id
         JOIN geographic_entity g ON g.finess_eg = n.finess_eg WHERE g.local_activated = 1 ORDER BY u.id`,
      )
      .all() as LineRecord[],
  }));
  const { records, lines } = read.deferred();
  const lineMap = linesByNotification(lines);
  const in3Months = addMonthsIso(today, 3);
  const rows = records.map((r) => toRow(r, lineMap.get(r.id) ?? [], today, in3Months));
  const haystacks = records.map((r) =>
    normalise(
      `${r.family_name} ${r.used_family_name ?? ''} ${r.given_names} ${r.mdph_individual_id} ${r.id_decision} ${r.id_nat_decision}`,
    ),
  );
  const built = { key, rows, haystacks };
  snapshots.set(db, built);
  return built;
}

export function listWorklist(db: Db, filter: WorklistFilter, today: string): WorklistResult {
  const started = performance.now();
  const { rows: all, haystacks } = snapshot(db, today);
  const needle = filter.search ? normalise(filter.search.trim()) : '';
  const matches = (r: WorklistRow, i: number): boolean =>
    (!filter.finessEg || r.finessEg === filter.finessEg) &&
    (!filter.esmsStatus || r.esmsStatus === filter.esmsStatus) &&
    (!filter.category || r.category === filter.category) &&
    (!filter.aTraiter || needsAction(r)) &&
    (!filter.validity || r.validity === filter.validity) &&
    (filter.unitId === undefined || r.units.some((u) => u.unitId === filter.unitId)) &&
    (!filter.unitStatus || r.units.some((u) => u.status === filter.unitStatus)) &&
    (!needle || (haystacks[i] ?? '').includes(needle));
  let rows = all.filter(matches);
  const totalMatching = rows.length;
  // Masking never hides what the referent has not dealt with: a finished notification stays visible while it is
  // unread or needs their attention (cancelled while work was in progress, expired before being read).
  if (!filter.showTerminated) rows = rows.filter((r) => !r.terminated || r.aTraiter || r.unread);
  const compare = comparator(filter.sort);
  const sign = filter.direction === 'asc' ? 1 : -1;
  rows.sort((a, b) => sign * compare(a, b) || a.id - b.id);
  return {
    rows,
    totalMatching,
    hiddenTerminated: totalMatching - rows.length,
    elapsedMs: Math.round(performance.now() - started),
  };
}

export function readFacets(db: Db, today: string): WorklistFacets {
  const geographicEntities = db
    .prepare('SELECT finess_eg AS finessEg, name FROM geographic_entity WHERE local_activated = 1 ORDER BY name')
    .all() as { finessEg: string; name: string }[];
  const units = db
    .prepare(
      `SELECT r.id, r.name, r.finess_eg AS finessEg FROM ror_unit r
         JOIN geographic_entity g ON g.finess_eg = r.finess_eg WHERE g.local_activated = 1 ORDER BY r.name`,
    )
    .all() as { id: number; name: string; finessEg: string }[];
  // Categories of the listed notifications, from the snapshot: no second scan of the (large) decision rows.
  const used = new Set(
    snapshot(db, today)
      .rows.map((r) => r.category)
      .filter((c): c is string => c !== null),
  );
  const categories = CATEGORIE_ORIENTATION.filter((c) => used.has(c.code)).map((c) => ({
    code: c.code,
    label: c.display,
  }));
  for (const code of used) {
    if (!categories.some((c) => c.code === code)) categories.push({ code, label: orientationLabel(code) });
  }
  return { geographicEntities, units, categories };
}

/** The decision read from its stored CDA (the CDA is the record; nothing derived is stored); null if unreadable. */
export function readStoredDecision(rawCda: string): ParsedDecision | null {
  if (!rawCda) return null;
  try {
    // Accepted under the attachment limit of its day: today's setting must not hide a stored decision.
    return parseDecisionCda(rawCda, { maxBytes: Number.POSITIVE_INFINITY });
  } catch {
    return null;
  }
}
