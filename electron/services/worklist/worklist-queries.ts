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
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
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

/**
 * Every statement the work list sends: the snapshot's two reads (the list, then filtered and sorted in memory), one
 * row and its lines (detail screen) and the facets. docs/worklist-queries.md gives each one's plan on both engines
 * and worklist-query-plans.test.ts checks the indexes they rely on.
 */
export const WORKLIST_SQL = {
  snapshotRows: `${ROW_SQL} WHERE g.local_activated = 1 ORDER BY n.id`,
  snapshotLines: `${LINE_SQL} JOIN notification n ON n.id = u.notification_id
         JOIN geographic_entity g ON g.finess_eg = n.finess_eg WHERE g.local_activated = 1 ORDER BY u.id`,
  row: `${ROW_SQL} WHERE n.id = ?`,
  rowLines: `${LINE_SQL} WHERE u.notification_id = ? ORDER BY u.id`,
  facetEntities: `SELECT finess_eg AS "finessEg", name FROM geographic_entity WHERE local_activated = 1 ORDER BY name, finess_eg`,
  facetUnits: `SELECT r.id, r.name, r.finess_eg AS "finessEg" FROM ror_unit r
       JOIN geographic_entity g ON g.finess_eg = r.finess_eg WHERE g.local_activated = 1 ORDER BY r.name, r.id`,
} as const;

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
export async function readWorklistRow(db: SqlExecutor, id: number, today: string): Promise<WorklistRow> {
  const record = await db.get<RowRecord>(WORKLIST_SQL.row, [id]);
  if (!record) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  const lines = await db.all<LineRecord>(WORKLIST_SQL.rowLines, [id]);
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
  readonly rows: readonly WorklistRow[];
  /** Lower-cased, accent-free search text per row. */
  readonly haystacks: readonly string[];
}

/** What one row of the snapshot was built from, to tell on the next read whether it changed. */
interface SnapshotEntry {
  readonly record: RowRecord;
  readonly lines: readonly LineRecord[];
  readonly row: WorklistRow;
  readonly haystack: string;
}

/** The rows of the last completed build, by notification id, and the day they were computed for. */
interface BuiltRows {
  readonly today: string;
  readonly entries: ReadonlyMap<number, SnapshotEntry>;
}

/**
 * The full list of the activated EGs, refreshed only when the store changed (`changeToken` moves on any committed
 * change, the sync worker's included) or the day did. Filters and sorts then run in memory. The build in progress
 * is shared, so the list and its facets asked together read the store once.
 *
 * A refresh is incremental: the rows are read again (one pass, exact on both engines whatever the writers' clocks),
 * but only those whose columns or unit lines differ from the last build are derived again (labels, validity, masking
 * state, search text); the others keep their row object. Rows gone from the store (deleted, EG deactivated) drop
 * out, new ones come in. A new day derives every row again (validity and masking depend on it).
 */
const snapshots = new WeakMap<SqlDatabase, { readonly key: string; readonly built: Promise<Snapshot> }>();
const lastBuilt = new WeakMap<SqlDatabase, BuiltRows>();

async function snapshot(db: SqlDatabase, today: string): Promise<Snapshot> {
  const key = `${await db.changeToken()}|${today}`;
  const cached = snapshots.get(db);
  if (cached?.key === key) return cached.built;
  const built = buildSnapshot(db, today);
  const entry = { key, built };
  snapshots.set(db, entry);
  // A failed build is not kept: the next call reads again.
  built.catch(() => {
    if (snapshots.get(db) === entry) snapshots.delete(db);
  });
  return built;
}

/** The RowRecord columns, compared one by one to find a changed row. */
const RECORD_COLUMNS: readonly (keyof RowRecord)[] = [
  'id',
  'finess_eg',
  'eg_name',
  'family_name',
  'used_family_name',
  'given_names',
  'birth_date',
  'mdph_oid',
  'mdph_individual_id',
  'id_decision',
  'id_nat_decision',
  'category_code',
  'decision_date',
  'validity_start',
  'validity_end',
  'esms_status',
  'esms_status_date',
  'a_traiter',
  'a_traiter_reason',
  'created_at',
];

function sameRecord(a: RowRecord, b: RowRecord): boolean {
  for (const column of RECORD_COLUMNS) if (a[column] !== b[column]) return false;
  return true;
}

function sameLines(a: readonly LineRecord[], b: readonly LineRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as LineRecord;
    const y = b[i] as LineRecord;
    if (
      x.ror_unit_id !== y.ror_unit_id ||
      x.name !== y.name ||
      x.status !== y.status ||
      x.status_date !== y.status_date
    ) {
      return false;
    }
  }
  return true;
}

const NO_LINES: readonly LineRecord[] = [];

async function buildSnapshot(db: SqlDatabase, today: string): Promise<Snapshot> {
  const { records, lines } = await db.transaction(
    async (tx) => ({
      records: await tx.all<RowRecord>(WORKLIST_SQL.snapshotRows),
      lines: await tx.all<LineRecord>(WORKLIST_SQL.snapshotLines),
    }),
    { readOnly: true },
  );
  const linesOf = new Map<number, LineRecord[]>();
  for (const l of lines) {
    const list = linesOf.get(l.notification_id);
    if (list) list.push(l);
    else linesOf.set(l.notification_id, [l]);
  }
  const previous = lastBuilt.get(db);
  const reusable = previous?.today === today ? previous.entries : undefined;
  const in3Months = addMonthsIso(today, 3);
  const entries = new Map<number, SnapshotEntry>();
  const rows: WorklistRow[] = [];
  const haystacks: string[] = [];
  for (const record of records) {
    const recordLines = linesOf.get(record.id) ?? NO_LINES;
    const before = reusable?.get(record.id);
    let entry: SnapshotEntry;
    if (before && sameRecord(before.record, record) && sameLines(before.lines, recordLines)) {
      entry = before;
    } else {
      entry = {
        record,
        lines: recordLines,
        row: toRow(record, linesByNotification(recordLines).get(record.id) ?? [], today, in3Months),
        haystack: normalise(
          `${record.family_name} ${record.used_family_name ?? ''} ${record.given_names} ${record.mdph_individual_id} ${record.id_decision} ${record.id_nat_decision}`,
        ),
      };
    }
    entries.set(record.id, entry);
    rows.push(entry.row);
    haystacks.push(entry.haystack);
  }
  // Kept only if no later build finished first (two refreshes may overlap).
  const latest = lastBuilt.get(db);
  if (latest === previous) lastBuilt.set(db, { today, entries });
  return { rows, haystacks };
}

/** The rows of a list, filtered, masked and sorted, before a window of them is cut. */
interface OrderedRows {
  readonly rows: readonly WorklistRow[];
  readonly totalMatching: number;
  readonly hiddenTerminated: number;
}

/**
 * Lists ordered from one snapshot, by criteria: the screen asks for a window of rows at a time while the referent
 * scrolls, with the same criteria; those requests must not filter and sort the whole snapshot again. A few lists
 * only (the current one and the last ones left), dropped with their snapshot.
 */
const orderedBySnapshot = new WeakMap<Snapshot, Map<string, OrderedRows>>();
const ORDERED_KEPT = 4;

function orderRows(snap: Snapshot, filter: WorklistFilter): OrderedRows {
  const { rows: all, haystacks } = snap;
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
  if (filter.sort === 'recu') {
    // The snapshot is in id order (its read is ORDER BY n.id) and ids are unique: no sort needed, at most a reversal.
    if (filter.direction === 'desc') rows.reverse();
  } else {
    const compare = comparator(filter.sort);
    const sign = filter.direction === 'asc' ? 1 : -1;
    rows.sort((a, b) => sign * compare(a, b) || a.id - b.id);
  }
  return { rows, totalMatching, hiddenTerminated: totalMatching - rows.length };
}

/** The criteria of a list, as a key: every field that changes which rows are listed or their order. */
function criteriaKey(filter: WorklistFilter): string {
  return JSON.stringify([
    filter.finessEg,
    filter.unitId,
    filter.esmsStatus,
    filter.unitStatus,
    filter.category,
    filter.validity,
    filter.aTraiter,
    filter.search ? normalise(filter.search.trim()) : '',
    filter.showTerminated,
    filter.sort,
    filter.direction,
  ]);
}

function orderedRows(snap: Snapshot, filter: WorklistFilter): OrderedRows {
  let lists = orderedBySnapshot.get(snap);
  if (!lists) orderedBySnapshot.set(snap, (lists = new Map<string, OrderedRows>()));
  const key = criteriaKey(filter);
  let ordered = lists.get(key);
  if (ordered) lists.delete(key);
  else ordered = orderRows(snap, filter);
  // Most recently used last: the first key is the one to drop.
  lists.set(key, ordered);
  if (lists.size > ORDERED_KEPT) lists.delete(lists.keys().next().value as string);
  return ordered;
}

/** Which rows of the ordered list to send: from `offset`, at most `limit` (all of them when absent). */
export interface WorklistWindow {
  readonly offset: number;
  readonly limit: number;
}

/**
 * The work list for these criteria. With a window, only those rows are sent (the screen is virtualised and asks for
 * what its viewport shows), with the list's total; the full ordered list stays in main for the next window.
 */
export async function listWorklist(
  db: SqlDatabase,
  filter: WorklistFilter,
  today: string,
  window?: WorklistWindow,
): Promise<WorklistResult> {
  const started = performance.now();
  const ordered = orderedRows(await snapshot(db, today), filter);
  const offset = window ? Math.min(window.offset, ordered.rows.length) : 0;
  return {
    rows: window ? ordered.rows.slice(offset, offset + window.limit) : ordered.rows,
    offset,
    total: ordered.rows.length,
    totalMatching: ordered.totalMatching,
    hiddenTerminated: ordered.hiddenTerminated,
    elapsedMs: Math.round(performance.now() - started),
  };
}

export async function readFacets(db: SqlDatabase, today: string): Promise<WorklistFacets> {
  const geographicEntities = await db.all<{ finessEg: string; name: string }>(WORKLIST_SQL.facetEntities);
  const units = await db.all<{ id: number; name: string; finessEg: string }>(WORKLIST_SQL.facetUnits);
  // Categories of the listed notifications, from the snapshot: no second scan of the (large) decision rows.
  const used = new Set((await snapshot(db, today)).rows.map((r) => r.category).filter((c): c is string => c !== null));
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
