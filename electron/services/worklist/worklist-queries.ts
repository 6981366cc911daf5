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

const ROW_SQL = `
  SELECT n.id, n.finess_eg, g.name AS eg_name, p.family_name, p.used_family_name, p.given_names, p.birth_date,
         p.mdph_oid, p.mdph_individual_id, d.id_decision, d.id_nat_decision, d.category_code, d.decision_date,
         d.validity_start, d.validity_end, n.esms_status, n.esms_status_date, n.a_traiter, n.a_traiter_reason,
         n.created_at
    FROM notification n
    JOIN geographic_entity g ON g.finess_eg = n.finess_eg
    JOIN decision d ON d.id = n.decision_id
    JOIN person p ON p.id = d.person_id`;

/**
 * Stand for a set of notification ids, for the text aggregate and for the decisions' covering index, written per
 * engine by `worklistStatement`.
 */
const IDS = '(:ids)';
const STRING_AGG = ':string_agg';
const DECISION_LISTED = ':decision_listed';

/**
 * SQLite reads a decision's listed columns from `decision_worklist` (migration 0009), never from its row (≈5 kB, one
 * decrypted page or more per decision). Its planner, without statistics (the app runs no ANALYZE), prefers the
 * primary key for `d.id = ?` and reads the big rows: 10,000 decisions read cold took ≈120 ms against ≈20 ms from the
 * index. PostgreSQL keeps big columns out of line (TOAST): nothing to say there.
 */
export function decisionListedIndex(dialect: SqlDatabase['dialect']): string {
  return dialect === 'sqlite' ? 'INDEXED BY decision_worklist' : '';
}

const NOTIFICATION_SQL = `SELECT n.id, n.decision_id, n.finess_eg, g.name, n.esms_status, n.esms_status_date,
         n.a_traiter, n.a_traiter_reason, n.created_at, n.list_stamp
    FROM notification n JOIN geographic_entity g ON g.finess_eg = n.finess_eg`;

/**
 * A chunk of the full read: the notifications below an id, whichever their EG, then whether their EG is activated
 * (`ACTIVATED`, left to the reader). The limit applies to the key's scan alone: with the EG joined before it,
 * PostgreSQL under row security misjudged the join (≈100 rows for 90,000) and sorted every notification below the id
 * at each chunk, 85–90 ms a chunk at 100,000 notifications against 1.5–2.5 ms now.
 */
const NEWEST_CHUNK_SQL = `SELECT chunk.id, chunk.decision_id, chunk.finess_eg, g.name, chunk.esms_status,
         chunk.esms_status_date, chunk.a_traiter, chunk.a_traiter_reason, chunk.created_at, chunk.list_stamp,
         g.local_activated
    FROM (SELECT * FROM notification WHERE id < ? ORDER BY id DESC LIMIT ?) chunk
    LEFT JOIN geographic_entity g ON g.finess_eg = chunk.finess_eg
   ORDER BY chunk.id DESC`;

const LINE_SQL = `
  SELECT u.notification_id, u.ror_unit_id, r.name, u.status, u.status_date
    FROM unit_line u JOIN ror_unit r ON r.id = u.ror_unit_id`;

/** A notification of the snapshot: its columns, its EG's name, its stamp (`NOTIFICATION_SQL`). */
type NotificationTuple = readonly [
  id: number,
  decisionId: number,
  finessEg: string,
  egName: string,
  esmsStatus: string,
  esmsStatusDate: string | null,
  aTraiter: number,
  aTraiterReason: string | null,
  createdAt: string,
  /** Moves with every write to what the row shows (migration 0010): what a refresh compares. */
  listStamp: number,
  /** A full read's chunk only (`newestNotifications`): 1 when its EG is activated (0 or null when not or not visible). */
  activated?: number | null,
];
const STAMP = 9;
const ACTIVATED = 10;
/** A decision's columns the list shows (`decisionsByIds`). */
type DecisionTuple = readonly [
  id: number,
  personId: number,
  idDecision: string,
  idNatDecision: string,
  categoryCode: string | null,
  decisionDate: string | null,
  validityStart: string | null,
  validityEnd: string | null,
];
/** A person's columns the list shows (`personsByIds`). */
type PersonTuple = readonly [
  id: number,
  familyName: string,
  usedFamilyName: string | null,
  givenNames: string,
  birthDate: string | null,
  mdphOid: string,
  mdphIndividualId: string,
];
/** A unit line of the snapshot (`linesByIds`). */
type LineTuple = readonly [notificationId: number, rorUnitId: number, name: string, status: string, statusDate: string];

/**
 * Every statement the work list sends: the snapshot's reads (the list, then filtered and sorted in memory), one row
 * and its lines (detail screen) and the facets. docs/worklist-queries.md gives each one's plan on both engines and
 * worklist-query-plans.test.ts checks the indexes they rely on.
 *
 * The snapshot reads notifications, decisions, persons and unit lines apart and joins them in memory; SQLite reads
 * the decisions' few listed columns from the covering index `decision_worklist` (migration 0009), never their
 * ≈5 kB rows (CDA, DocumentReference).
 */
export const WORKLIST_SQL = {
  /** A full read, newest first, one chunk at a time: the notifications below an id, each with `ACTIVATED`. */
  newestNotifications: NEWEST_CHUNK_SQL,
  /** A refresh: what changes many rows at once, then each listed row's stamp (index only: notification_list_stamp). */
  epoch: `SELECT value FROM worklist_epoch`,
  // One text value (`id,stamp;id,stamp;…`), not one row per notification: the driver takes ≈1.5 µs to hand over
  // each row, ten times what the index scan costs (100,000 rows: ≈150 ms against ≈15 ms). In index order (by EG):
  // ordering by id in SQL would sort in a temporary B-tree, slower than sorting the ids in memory.
  snapshotStamps: `SELECT ${STRING_AGG}(n.id || ',' || n.list_stamp, ';')
    FROM notification n JOIN geographic_entity g ON g.finess_eg = n.finess_eg WHERE g.local_activated = 1`,
  /** Rows by their notifications' ids (one JSON array parameter, IDS per engine): a chunk, or what a refresh reads. */
  notificationsByIds: `${NOTIFICATION_SQL} WHERE n.id IN ${IDS}`,
  decisionsByIds: `SELECT d.id, d.person_id, d.id_decision, d.id_nat_decision, d.category_code, d.decision_date,
         d.validity_start, d.validity_end
    FROM notification n JOIN decision d ${DECISION_LISTED} ON d.id = n.decision_id WHERE n.id IN ${IDS}`,
  personsByIds: `SELECT p.id, p.family_name, p.used_family_name, p.given_names, p.birth_date, p.mdph_oid,
         p.mdph_individual_id
    FROM notification n JOIN decision d ${DECISION_LISTED} ON d.id = n.decision_id JOIN person p ON p.id = d.person_id
   WHERE n.id IN ${IDS}`,
  linesByIds: `${LINE_SQL} WHERE u.notification_id IN ${IDS} ORDER BY u.id`,
  row: `${ROW_SQL} WHERE n.id = ?`,
  rowLines: `${LINE_SQL} WHERE u.notification_id = ? ORDER BY u.id`,
  facetEntities: `SELECT finess_eg AS "finessEg", name FROM geographic_entity WHERE local_activated = 1 ORDER BY name, finess_eg`,
  facetUnits: `SELECT r.id, r.name, r.finess_eg AS "finessEg" FROM ror_unit r
       JOIN geographic_entity g ON g.finess_eg = r.finess_eg WHERE g.local_activated = 1 ORDER BY r.name, r.id`,
} as const;

/** A work-list statement as the engine runs it: a set of ids comes as one JSON array of integers. */
export function worklistStatement(statement: keyof typeof WORKLIST_SQL, dialect: SqlDatabase['dialect']): string {
  // OFFSET 0 keeps the cast in its subquery: pulled into the join it is a function row security may not run before
  // its policy, and no index could take the ids (docs/sql-dialect.md).
  const ids =
    dialect === 'sqlite'
      ? '(SELECT value FROM json_each(?))'
      : '(SELECT value::bigint FROM json_array_elements_text(?::json) OFFSET 0)';
  return WORKLIST_SQL[statement]
    .replaceAll(IDS, ids)
    .replaceAll(STRING_AGG, dialect === 'sqlite' ? 'group_concat' : 'string_agg')
    .replaceAll(DECISION_LISTED, decisionListedIndex(dialect));
}

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
  n: NotificationTuple,
  d: DecisionTuple,
  p: PersonTuple,
  lines: readonly UnitLineSummary[],
  today: string,
  in3Months = addMonthsIso(today, 3),
): WorklistRow {
  const [id, , finessEg, egName, esmsStatus, esmsStatusDate, aTraiterFlag, aTraiterReason] = n;
  const [, , idDecision, idNatDecision, categoryCode, decisionDate, validityStart, validityEnd] = d;
  const [, familyName, usedFamilyName, givenNames, birthDate, mdphOid, mdphIndividualId] = p;
  const state = { esmsStatus, unitLines: lines };
  const validity = validityOf(validityEnd, today, in3Months);
  const unread = esmsStatus === UNREAD_ESMS_STATUS;
  // Expired before the referent read it: it needs their action (read it, close it), not masking.
  const expiredUnread = unread && validity === 'expiree';
  return {
    id,
    finessEg,
    egName,
    familyName: displayFamilyName(familyName, usedFamilyName),
    givenNames,
    birthDate,
    mdphIndividualId,
    mdphLabel: MDPH_LABELS.get(mdphOid) ?? null,
    idDecision,
    idNatDecision,
    category: categoryCode,
    categoryLabel: categoryLabel(categoryCode),
    decisionDate,
    validityStart,
    validityEnd,
    validity,
    esmsStatus,
    esmsStatusLabel: statusLabel(esmsStatus),
    esmsStatusDate,
    units: lines,
    aTraiter: aTraiterFlag === 1 || expiredUnread,
    aTraiterReason: aTraiterFlag === 1 ? aTraiterReason : expiredUnread ? EXPIRED_UNREAD_REASON : null,
    unread,
    terminated: isFinished(state, validityEnd, today),
  };
}

const NO_UNITS: readonly UnitLineSummary[] = [];

function unitSummaries(lines: readonly LineTuple[]): readonly UnitLineSummary[] {
  if (lines.length === 0) return NO_UNITS;
  return lines.map(([, unitId, unitName, status, statusDate]) => ({
    unitId,
    unitName,
    status,
    statusLabel: unitStatusLabel(status) ?? status,
    statusDate,
  }));
}

/** The search text of a row: names, MDPH individual number, decision numbers, accents and case folded. */
function haystackOf(d: DecisionTuple, p: PersonTuple): string {
  const text = `${p[1]} ${p[2] ?? ''} ${p[3]} ${p[6]} ${d[2]} ${d[3]}`;
  // ASCII text has no accent to fold: lower-casing is all normalise() would do, for a fraction of its cost.
  return NON_ASCII.test(text) ? normalise(text) : text.toLowerCase();
}
// eslint-disable-next-line no-control-regex -- the ASCII range, on purpose
const NON_ASCII = /[^\x00-\x7f]/;

/** One notification's row, whatever its EG's activation (the detail screen). */
export async function readWorklistRow(db: SqlExecutor, id: number, today: string): Promise<WorklistRow> {
  const r = await db.get<RowRecord>(WORKLIST_SQL.row, [id]);
  if (!r) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  const lines = await db.tuples<LineTuple>(WORKLIST_SQL.rowLines, [id]);
  return toRow(
    [
      r.id,
      0,
      r.finess_eg,
      r.eg_name,
      r.esms_status,
      r.esms_status_date,
      r.a_traiter,
      r.a_traiter_reason,
      r.created_at,
      0,
    ],
    [0, 0, r.id_decision, r.id_nat_decision, r.category_code, r.decision_date, r.validity_start, r.validity_end],
    [0, r.family_name, r.used_family_name, r.given_names, r.birth_date, r.mdph_oid, r.mdph_individual_id],
    unitSummaries(lines),
    today,
  );
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
  /** In notification id order. */
  readonly rows: readonly WorklistRow[];
  /** Lower-cased, accent-free search text per row. */
  readonly haystacks: readonly string[];
  /** The rows' positions in each sort order asked for so far (by `sort|direction`), computed once per snapshot. */
  readonly orders: Map<string, readonly number[]>;
}

/** What one row of the snapshot was built from, to tell on the next read whether it changed. */
/**
 * A listed row as the snapshot keeps it: what the screen gets, its search text, and the stamp it was read at. The
 * tuples it was derived from are not kept (a third of the snapshot's memory): the stamp says whether they changed.
 */
interface SnapshotEntry {
  readonly stamp: number;
  readonly row: WorklistRow;
  readonly haystack: string;
}

/** The rows of the last completed build, by notification id, and the day they were computed for. */
interface BuiltRows {
  readonly today: string;
  /** `worklist_epoch` when they were read: a refresh under another epoch reads everything again. */
  readonly epoch: number;
  /** By notification id. */
  readonly entries: readonly (SnapshotEntry | undefined)[];
}

/**
 * The rows a full read has derived so far, newest first: the default list (most recent first) can show its first
 * window from them before the read ends (`listWorklist`).
 */
interface NewestRows {
  readonly rows: WorklistRow[];
  readonly haystacks: string[];
  /** Settles once the first chunk is in (or the build ended). */
  readonly firstChunk: Promise<void>;
  /** Every chunk is in: the finished snapshot follows at once, nothing is answered from these rows any more. */
  whole: boolean;
}

/** The snapshot of one state of the store, being built or built. */
interface SnapshotBuild {
  readonly key: string;
  readonly built: Promise<Snapshot>;
  /** Present while a full read is in progress (or was, for a build chained after one). */
  readonly newest: NewestRows | undefined;
  done: boolean;
}

/**
 * The full list of the activated EGs, refreshed only when the store changed (`changeToken` moves on any committed
 * change, the sync worker's included) or the day did. Filters and sorts then run in memory. The build in progress
 * is shared, so the list and its facets asked together read the store once; a change during a build is taken in by
 * a refresh once it ends, never by a second build beside it.
 *
 * A refresh reads in proportion to what changed: every write to what a row shows moves its notification's
 * `list_stamp` (triggers, migration 0010 / PostgreSQL 0009, whoever writes), so a refresh scans the stamps (an index,
 * a few bytes per row) and reads again only the rows whose stamp moved or that are new; the others keep their row
 * object. Rows gone from the list (EG deactivated, row not visible any more) drop out. What changes many rows or
 * removes one (a delete, an EG or unit renamed, an EG (de)activated) moves `worklist_epoch`, and so does nothing
 * else: the refresh then reads everything, as does one that finds too many stamps moved, and a new day (validity and
 * masking depend on it) derives every row again. A full read still reuses the entries whose tuples are unchanged.
 *
 * A full read goes newest first in chunks, each its own short read transaction, yielding between them: the process
 * keeps answering (sync status, dashboard) during a 100,000-row read, and the default list shows its first rows
 * after the first chunk. A row written meanwhile has a moved stamp (or a moved epoch), caught by the next refresh.
 */
const snapshots = new WeakMap<SqlDatabase, SnapshotBuild>();
const lastBuilt = new WeakMap<SqlDatabase, BuiltRows>();

const snapshotKey = async (db: SqlDatabase, today: string) => `${await db.changeToken()}|${today}`;

async function currentBuild(db: SqlDatabase, today: string): Promise<SnapshotBuild> {
  const key = await snapshotKey(db, today);
  const cached = snapshots.get(db);
  if (cached?.key === key) return cached;
  // A build in progress: this one starts after it and refreshes from it instead of reading everything a second time;
  // until it has its own, it shows the newest rows that build reads (released once it ends, so builds never chain
  // up in memory).
  let upstream = cached && !cached.done ? cached : undefined;
  let own: NewestRows | undefined;
  const start = () => buildSnapshot(db, today, (rows) => (own = rows));
  const built = upstream ? upstream.built.then(start, start) : start();
  const build: SnapshotBuild = {
    key,
    built,
    get newest() {
      return own ?? upstream?.newest;
    },
    done: false,
  };
  snapshots.set(db, build);
  const settled = () => {
    build.done = true;
    upstream = undefined;
  };
  built.then(settled, () => {
    settled();
    // A failed build is not kept: the next call reads again.
    if (snapshots.get(db) === build) snapshots.delete(db);
  });
  return build;
}

/** Whether a snapshot of this store has been built or is being built, whatever its state. */
export function isWorklistBuildStarted(db: SqlDatabase): boolean {
  return snapshots.has(db);
}

/** Whether the snapshot of the store as it is now is built: the next list is answered from memory. */
export async function isWorklistBuilt(db: SqlDatabase, today: string): Promise<boolean> {
  const build = snapshots.get(db);
  return build?.done === true && build.key === (await snapshotKey(db, today));
}

async function snapshot(db: SqlDatabase, today: string): Promise<Snapshot> {
  return (await currentBuild(db, today)).built;
}

/**
 * Whether a row read again shows what its entry shows. Its stamp moves with every write to its notification, decision,
 * person or unit lines (triggers, migration 0010); what it shows from elsewhere, its EG's and its units' names, moves
 * the epoch instead (a full read): those are compared.
 */
function unchanged(before: SnapshotEntry, n: NotificationTuple, lines: readonly LineTuple[]): boolean {
  if (before.stamp !== n[STAMP] || before.row.egName !== n[3]) return false;
  const units = before.row.units;
  if (units.length !== lines.length) return false;
  for (let i = 0; i < lines.length; i++) {
    const [, unitId, unitName, status, statusDate] = lines[i] as LineTuple;
    const u = units[i] as UnitLineSummary;
    if (u.unitId !== unitId || u.unitName !== unitName || u.status !== status || u.statusDate !== statusDate) {
      return false;
    }
  }
  return true;
}

const NO_LINES: readonly LineTuple[] = [];

/**
 * One string object per distinct value of the columns that repeat across rows (EGs, statuses, codes, dates): the
 * driver returns a new string per row and value, and 100,000 rows kept in memory would hold as many copies.
 */
function interner(): (value: string | null) => string | null {
  const seen = new Map<string, string>();
  return (value) => {
    if (value === null) return null;
    const known = seen.get(value);
    if (known !== undefined) return known;
    seen.set(value, value);
    return value;
  };
}
type Intern = ReturnType<typeof interner>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The tuples are the driver's fresh arrays, not shared yet: their repeated values are swapped in place. */
function internNotification(n: NotificationTuple, intern: Intern): void {
  const t = n as Mutable<NotificationTuple>;
  t[2] = intern(t[2]) as string;
  t[3] = intern(t[3]) as string;
  t[4] = intern(t[4]) as string;
  t[5] = intern(t[5]);
  t[7] = intern(t[7]);
}
function internDecision(d: DecisionTuple, intern: Intern): DecisionTuple {
  const t = d as Mutable<DecisionTuple>;
  t[4] = intern(t[4]);
  t[5] = intern(t[5]);
  t[6] = intern(t[6]);
  t[7] = intern(t[7]);
  return d;
}
function internPerson(p: PersonTuple, intern: Intern): PersonTuple {
  const t = p as Mutable<PersonTuple>;
  t[4] = intern(t[4]);
  return p;
}
function internLine(l: LineTuple, intern: Intern): void {
  const t = l as Mutable<LineTuple>;
  t[2] = intern(t[2]) as string;
  t[3] = intern(t[3]) as string;
  t[4] = intern(t[4]) as string;
}

/** Every listed row's id and stamp, as read. */
interface Stamps {
  readonly ids: number[];
  readonly stamps: number[];
}

/** What a refresh read: the listed ids (in id order), and the rows whose stamp moved. */
interface RefreshRead {
  readonly listed: Float64Array;
  readonly chunk: ChunkRead;
}

/** Parses `snapshotStamps`' text (`id,stamp;id,stamp;…`, digits only) in one pass over its characters. */
export function parseStamps(text: string | null | undefined): Stamps {
  const ids: number[] = [];
  const stamps: number[] = [];
  if (!text) return { ids, stamps };
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      ids.push(value);
      value = 0;
    } else if (c === 59 /* ; */) {
      stamps.push(value);
      value = 0;
    } else value = value * 10 + (c - 48);
  }
  stamps.push(value);
  if (ids.length !== stamps.length) throw new Error('Empreintes de la liste de travail illisibles');
  return { ids, stamps };
}

/** Notifications with their decisions, persons and unit lines. */
interface ChunkRead {
  readonly notifications: NotificationTuple[];
  readonly decisions: DecisionTuple[];
  readonly persons: PersonTuple[];
  readonly lines: LineTuple[];
}

/** Beyond this share of moved stamps a refresh reads everything: one pass costs less than that many lookups. */
const PARTIAL_REFRESH_SHARE = 0.25;
/**
 * A full read's chunks. The first one small: it holds the first window of the default list (150 rows shown, the
 * finished ones masked), answered as soon as it is in. The others short enough that the process, which reads
 * synchronously on SQLite, answers the screen’s other requests between two of them: ≈11 ms per chunk of 250 on this
 * 2-core machine (a request arriving during the read of 10,000 rows, as the dashboard has just asked for its figures,
 * was answered in 85–157 ms with chunks of 1,000, 41–80 ms with 250; the whole read takes the same time).
 */
export const READ_CHUNKS = { first: 500, next: 250 } as const;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The decisions, persons and unit lines of these notifications, inside the read transaction `tx`. */
async function readRowsOf(tx: SqlExecutor, notifications: NotificationTuple[]): Promise<ChunkRead> {
  if (notifications.length === 0) return { notifications, decisions: [], persons: [], lines: [] };
  const ids = [JSON.stringify(notifications.map((n) => n[0]))];
  return {
    notifications,
    decisions: await tx.tuples<DecisionTuple>(worklistStatement('decisionsByIds', tx.dialect), ids),
    persons: await tx.tuples<PersonTuple>(worklistStatement('personsByIds', tx.dialect), ids),
    lines: await tx.tuples<LineTuple>(worklistStatement('linesByIds', tx.dialect), ids),
  };
}

/** The stamps and the rows whose stamp moved since `previous`; no `refresh` when everything must be read again. */
function readRefresh(db: SqlDatabase, previous: BuiltRows): Promise<{ epoch: number; refresh?: RefreshRead }> {
  return db.transaction(
    async (tx) => {
      const epoch = (await tx.value<number>(WORKLIST_SQL.epoch)) ?? 0;
      if (previous.epoch !== epoch) return { epoch };
      const stamps = parseStamps(await tx.value<string | null>(worklistStatement('snapshotStamps', tx.dialect)));
      const { ids } = stamps;
      const changed: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (previous.entries[id]?.stamp !== stamps.stamps[i]) changed.push(id);
      }
      if (changed.length > Math.max(1_000, ids.length * PARTIAL_REFRESH_SHARE)) return { epoch };
      const notifications =
        changed.length === 0
          ? []
          : await tx.tuples<NotificationTuple>(worklistStatement('notificationsByIds', tx.dialect), [
              JSON.stringify(changed),
            ]);
      // A typed array sorts numbers in place, without a comparison function: ≈10 ms for 100,000 ids.
      const listed = Float64Array.from(ids).sort();
      return { epoch, refresh: { listed, chunk: await readRowsOf(tx, notifications) } };
    },
    { readOnly: true },
  );
}

/** Derives entries from what was read, keeping the previous entry of a row whose tuples are all unchanged. */
function entryMaker(
  read: ChunkRead,
  reusable: readonly (SnapshotEntry | undefined)[] | undefined,
  today: string,
  intern: Intern,
): (n: NotificationTuple) => SnapshotEntry | undefined {
  // By id in plain arrays (ids are small dense integers): far cheaper than Maps at 100,000 rows.
  const decisions: (DecisionTuple | undefined)[] = [];
  for (const d of read.decisions) decisions[d[0]] = d;
  const persons: (PersonTuple | undefined)[] = [];
  for (const p of read.persons) persons[p[0]] = p;
  const linesOf: (LineTuple[] | undefined)[] = [];
  for (const l of read.lines) {
    const list = linesOf[l[0]];
    if (list) list.push(l);
    else linesOf[l[0]] = [l];
  }
  const in3Months = addMonthsIso(today, 3);
  return (n) => {
    const decision = decisions[n[1]];
    const person = decision && persons[decision[1]];
    // As the join would: a row whose decision or person is not there (not visible on PostgreSQL) is not listed.
    if (!decision || !person) return undefined;
    const lines = linesOf[n[0]] ?? NO_LINES;
    const before = reusable?.[n[0]];
    if (before && unchanged(before, n, lines)) return before;
    // Only what a new entry keeps is interned (an unchanged row keeps its previous, interned, values).
    internNotification(n, intern);
    internDecision(decision, intern);
    internPerson(person, intern);
    for (const l of lines) internLine(l, intern);
    return {
      stamp: n[STAMP],
      row: toRow(n, decision, person, unitSummaries(lines), today, in3Months),
      haystack: haystackOf(decision, person),
    };
  };
}

/**
 * Every listed row, newest first, chunk by chunk; `onNewest` receives the rows derived so far (growing) before the
 * first chunk is read. Returns the entries in id order and the epoch read with the first chunk.
 */
async function readEverything(
  db: SqlDatabase,
  reusable: readonly (SnapshotEntry | undefined)[] | undefined,
  today: string,
  onNewest: (rows: NewestRows) => void,
): Promise<{ epoch: number; entries: SnapshotEntry[] }> {
  let firstChunkIn!: () => void;
  const newest: NewestRows = {
    rows: [],
    haystacks: [],
    firstChunk: new Promise<void>((resolve) => (firstChunkIn = resolve)),
    whole: false,
  };
  onNewest(newest);
  const intern = interner();
  const newestFirst: SnapshotEntry[] = [];
  let epoch: number | undefined;
  let below = Number.MAX_SAFE_INTEGER;
  try {
    for (let size: number = READ_CHUNKS.first; ; size = READ_CHUNKS.next) {
      const read = await db.transaction(
        async (tx) => {
          epoch ??= (await tx.value<number>(WORKLIST_SQL.epoch)) ?? 0;
          const chunk = await tx.tuples<NotificationTuple>(WORKLIST_SQL.newestNotifications, [below, size]);
          const listed = chunk.filter((n) => n[ACTIVATED] === 1);
          return { ...(await readRowsOf(tx, listed)), scanned: chunk.length, lowest: chunk[chunk.length - 1]?.[0] };
        },
        { readOnly: true },
      );
      const entryOf = entryMaker(read, reusable, today, intern);
      for (const n of read.notifications) {
        const entry = entryOf(n);
        if (!entry) continue;
        newestFirst.push(entry);
        newest.rows.push(entry.row);
        newest.haystacks.push(entry.haystack);
      }
      // The end is told by the notifications scanned, those of EGs not activated included.
      if (read.lowest === undefined || read.scanned < size) break;
      firstChunkIn();
      below = read.lowest;
      await nextTurn();
    }
  } finally {
    newest.whole = true;
    firstChunkIn();
  }
  return { epoch: epoch ?? 0, entries: newestFirst.reverse() };
}

async function buildSnapshot(db: SqlDatabase, today: string, onNewest: (rows: NewestRows) => void): Promise<Snapshot> {
  const previous = lastBuilt.get(db);
  const reusable = previous?.today === today ? previous.entries : undefined;
  const entries: SnapshotEntry[] = [];
  const rows: WorklistRow[] = [];
  const haystacks: string[] = [];
  const keep = (entry: SnapshotEntry) => {
    entries[entry.row.id] = entry;
    rows.push(entry.row);
    haystacks.push(entry.haystack);
  };
  const { epoch, refresh } = previous && reusable ? await readRefresh(db, previous) : { epoch: 0 };
  let builtEpoch = epoch;
  if (refresh && reusable) {
    const entryOf = entryMaker(refresh.chunk, reusable, today, interner());
    const changed: (NotificationTuple | undefined)[] = [];
    for (const n of refresh.chunk.notifications) changed[n[0]] = n;
    for (const id of refresh.listed) {
      const n = changed[id];
      // Not read again: its stamp has not moved, its entry stands. Read again but gone meanwhile: dropped.
      const entry = n ? entryOf(n) : reusable[id];
      if (entry) keep(entry);
    }
  } else {
    const everything = await readEverything(db, reusable, today, onNewest);
    builtEpoch = everything.epoch;
    for (const entry of everything.entries) keep(entry);
  }
  // Kept only if no later build finished first (two refreshes may overlap).
  const latest = lastBuilt.get(db);
  if (latest === previous) lastBuilt.set(db, { today, epoch: builtEpoch, entries });
  const snap: Snapshot = { rows, haystacks, orders: new Map() };
  // Once the referent has searched this list, the search text of each new snapshot is made as soon as the list has
  // been answered (tens of ms at 100,000 rows), not by their next search; a referent who never searches never pays it.
  if (searchedLists.has(db)) makeSearchTextSoon(snap);
  return snap;
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

/**
 * The snapshot's row positions in the order of a sort, ties broken by id: sorted once per snapshot and sort, then
 * every filter of that sort is a pass over it (filtering keeps the order). 100,000 rows by name take a second or
 * so to sort with the French collator; a filter, a few milliseconds.
 */
function sortedPositions(snap: Snapshot, sort: WorklistSortField, direction: 'asc' | 'desc'): readonly number[] {
  const key = `${sort}|${direction}`;
  let positions = snap.orders.get(key);
  if (!positions) {
    const { rows } = snap;
    const compare = comparator(sort);
    const sign = direction === 'asc' ? 1 : -1;
    positions = Array.from(rows.keys()).sort((i, j) => {
      const a = rows[i] as WorklistRow;
      const b = rows[j] as WorklistRow;
      return sign * compare(a, b) || a.id - b.id;
    });
    snap.orders.set(key, positions);
  }
  return positions;
}

/**
 * Every row's search text in one string, each followed by a separator (NUL: no search holds it, so none matches
 * across two rows), and where each row's text starts: a search is then one native scan of the whole list rather
 * than one includes() per row (100,000 calls at an organisation's size). Made once per snapshot, kept with it.
 */
interface SearchText {
  readonly text: string;
  readonly starts: Int32Array;
}
const SEARCH_SEPARATOR = '\u0000';
/** The databases whose list has been searched since the process started (see buildSnapshot). */
const searchedLists = new WeakSet<SqlDatabase>();
/** A snapshot's search texts (its rows are never changed: a change makes a new snapshot). */
type SearchTexts = Pick<Snapshot, 'haystacks'>;
const searchTextBySnapshot = new WeakMap<SearchTexts, SearchText>();

/** Has the snapshot's search text made once the current answer has gone (at once if it is made already). */
function makeSearchTextSoon(snap: SearchTexts): void {
  if (!searchTextBySnapshot.has(snap)) setImmediate(() => searchTextOf(snap)).unref();
}

function searchTextOf(snap: SearchTexts): SearchText {
  let search = searchTextBySnapshot.get(snap);
  if (!search) {
    const starts = new Int32Array(snap.haystacks.length);
    let at = 0;
    snap.haystacks.forEach((haystack, i) => {
      starts[i] = at;
      at += haystack.length + SEARCH_SEPARATOR.length;
    });
    search = { text: snap.haystacks.join(SEARCH_SEPARATOR) + SEARCH_SEPARATOR, starts };
    searchTextBySnapshot.set(snap, search);
  }
  return search;
}

/** The snapshot's rows whose search text holds `needle` (not empty, without the separator), marked by position. */
export function rowsHolding(snap: SearchTexts, needle: string): Uint8Array {
  const { text, starts } = searchTextOf(snap);
  const found = new Uint8Array(starts.length);
  let row = 0;
  let at = text.indexOf(needle);
  while (at >= 0) {
    // Positions only grow: the row holding `at` is found by walking on, once over the whole list at most.
    while (row + 1 < starts.length && (starts[row + 1] as number) <= at) row += 1;
    found[row] = 1;
    // The row is found: the scan goes on from the next row's text.
    at = row + 1 < starts.length ? text.indexOf(needle, starts[row + 1]) : -1;
  }
  return found;
}

/** The search as the rows' search texts hold it (accents and case folded), '' when there is none. */
function searchNeedle(filter: WorklistFilter): string {
  return filter.search ? normalise(filter.search.trim()) : '';
}

/**
 * The criteria that compare one value of the row, each with that value. A filter meets them on a column of small
 * integers per snapshot (each value's index among the values met) rather than on the row objects: at 100,000 rows a
 * new filter's pass over the objects took 10–30 ms on this machine, a typed array's well under one. The rows read one
 * by one (the first chunk of a long list) are compared on the same list.
 */
const EQUALITY_CRITERIA = [
  ['finessEg', (r) => r.finessEg],
  ['esmsStatus', (r) => r.esmsStatus],
  ['category', (r) => r.category],
  ['validity', (r) => r.validity],
] as const satisfies readonly (readonly [keyof WorklistFilter, (r: WorklistRow) => string | null])[];
type EqualityCriterion = (typeof EQUALITY_CRITERIA)[number][0];

/** Whether a row (its search text beside) meets the criteria, masking aside. */
function rowMatcher(filter: WorklistFilter): (r: WorklistRow, haystack: string | undefined) => boolean {
  const needle = searchNeedle(filter);
  const wanted = EQUALITY_CRITERIA.filter(([criterion]) => filter[criterion]);
  return (r, haystack) =>
    wanted.every(([criterion, valueOf]) => valueOf(r) === filter[criterion]) &&
    (!filter.aTraiter || needsAction(r)) &&
    (filter.unitId === undefined || r.units.some((u) => u.unitId === filter.unitId)) &&
    (!filter.unitStatus || r.units.some((u) => u.status === filter.unitStatus)) &&
    (!needle || (haystack ?? '').includes(needle));
}

/**
 * Whether a matching row is shown. Masking never hides what the referent has not dealt with: a finished notification
 * stays visible while it is unread or needs their attention (cancelled while work was in progress, expired before
 * being read).
 */
function isShown(showTerminated: boolean, r: WorklistRow): boolean {
  return showTerminated || !r.terminated || r.aTraiter || r.unread;
}

interface Column {
  readonly codes: Int32Array;
  readonly codeOf: Map<string | null, number>;
}
/** The row flags a filter and the masking read: needs the referent's action; hidden while finished files are masked. */
const NEEDS_ACTION = 1;
const MASKED = 2;
interface Columns {
  readonly byCriterion: Record<EqualityCriterion, Column>;
  readonly flags: Uint8Array;
}
/**
 * Made per snapshot by its first list (the masking reads the flags), in one pass: reaching each row object once is
 * most of the cost, ≈15 ms at 100,000 rows here, what one pass of the row-by-row filter cost. Dropped with their
 * snapshot.
 */
const columnsBySnapshot = new WeakMap<Snapshot, Columns>();

function columnsOf(snap: Snapshot): Columns {
  let columns = columnsBySnapshot.get(snap);
  if (!columns) {
    const length = snap.rows.length;
    const column = (): Column => ({ codes: new Int32Array(length), codeOf: new Map() });
    const byCriterion = Object.fromEntries(EQUALITY_CRITERIA.map(([criterion]) => [criterion, column()])) as Record<
      EqualityCriterion,
      Column
    >;
    const flags = new Uint8Array(length);
    snap.rows.forEach((r, i) => {
      for (const [criterion, valueOf] of EQUALITY_CRITERIA) {
        const { codes, codeOf } = byCriterion[criterion];
        const value = valueOf(r);
        let code = codeOf.get(value);
        if (code === undefined) codeOf.set(value, (code = codeOf.size));
        codes[i] = code;
      }
      flags[i] = (needsAction(r) ? NEEDS_ACTION : 0) | (isShown(false, r) ? 0 : MASKED);
    });
    columnsBySnapshot.set(snap, (columns = { byCriterion, flags }));
  }
  return columns;
}

/**
 * The snapshot's rows meeting the criteria, marked by position: the search found by one scan of the joined search
 * texts, the one-value criteria on their columns; the unit criteria (and a search the scan cannot serve: the
 * snapshot's first, or one holding the separator) on the row objects, only for the rows still in.
 */
function rowsMeeting(snap: Snapshot, filter: WorklistFilter): Uint8Array {
  const { rows: all, haystacks } = snap;
  const needle = searchNeedle(filter);
  // The snapshot's first search reads row by row (≈20 ms at 100,000 rows) rather than wait for the joined text to be
  // made (≈60 ms), which is made once it has been answered, for the next searches.
  const joined = searchTextBySnapshot.has(snap);
  if (needle) makeSearchTextSoon(snap);
  const scanned = needle !== '' && joined && !needle.includes(SEARCH_SEPARATOR);
  const meeting = scanned ? rowsHolding(snap, needle) : new Uint8Array(all.length).fill(1);
  const { byCriterion, flags } = columnsOf(snap);
  for (const [criterion] of EQUALITY_CRITERIA) {
    const wanted = filter[criterion];
    if (!wanted) continue;
    const { codes, codeOf } = byCriterion[criterion];
    const code = codeOf.get(wanted) ?? -1;
    for (let i = 0; i < codes.length; i++) if (codes[i] !== code) meeting[i] = 0;
  }
  if (filter.aTraiter) {
    for (let i = 0; i < flags.length; i++) if (((flags[i] as number) & NEEDS_ACTION) === 0) meeting[i] = 0;
  }
  if (filter.unitId !== undefined || filter.unitStatus || (needle && !scanned)) {
    const { unitId, unitStatus, showTerminated, sort, direction } = filter;
    const rest = rowMatcher({
      unitId,
      unitStatus,
      search: scanned ? undefined : filter.search,
      showTerminated,
      sort,
      direction,
    });
    for (let i = 0; i < all.length; i++) {
      if (meeting[i] === 1 && !rest(all[i] as WorklistRow, haystacks[i])) meeting[i] = 0;
    }
  }
  return meeting;
}

function orderRows(snap: Snapshot, filter: WorklistFilter): OrderedRows {
  const all = snap.rows;
  const meeting = rowsMeeting(snap, filter);
  const flags = filter.showTerminated ? undefined : columnsOf(snap).flags;
  const rows: WorklistRow[] = [];
  let totalMatching = 0;
  const visit = (i: number) => {
    if (meeting[i] === 0) return;
    totalMatching += 1;
    if (!flags || ((flags[i] as number) & MASKED) === 0) rows.push(all[i] as WorklistRow);
  };
  if (filter.sort === 'recu') {
    // The snapshot is in id order and ids are unique: no sort needed.
    if (filter.direction === 'asc') for (let i = 0; i < all.length; i++) visit(i);
    else for (let i = all.length - 1; i >= 0; i--) visit(i);
  } else {
    for (const i of sortedPositions(snap, filter.sort, filter.direction)) visit(i);
  }
  return { rows, totalMatching, hiddenTerminated: totalMatching - rows.length };
}

/**
 * The window of the default order (most recent first) from the rows a full read has derived so far, if they hold
 * it whole: the same rows, in the same order, as the finished snapshot's window, which adds only older rows. The
 * totals are then those of the rows read so far.
 */
function newestWindow(newest: NewestRows, filter: WorklistFilter, window: WorklistWindow): OrderedRows | undefined {
  const matches = rowMatcher(filter);
  const wanted = window.offset + window.limit;
  const rows: WorklistRow[] = [];
  let totalMatching = 0;
  for (let i = 0; i < newest.rows.length && rows.length < wanted; i++) {
    const r = newest.rows[i] as WorklistRow;
    if (!matches(r, newest.haystacks[i])) continue;
    totalMatching += 1;
    if (isShown(filter.showTerminated, r)) rows.push(r);
  }
  return rows.length < wanted ? undefined : { rows, totalMatching, hiddenTerminated: totalMatching - rows.length };
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
    searchNeedle(filter),
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

/** What the notifications screen asks for first: the default list, most recent first. */
const DEFAULT_LIST: WorklistFilter = { showTerminated: false, sort: 'recu', direction: 'desc' };

/**
 * Builds the snapshot and the default list ahead of the screen — at start-up and after each change the app hears of
 * (a sync's end, another process's or workstation's commits) — so that opening Notifications finds them ready instead
 * of waiting for the read (≈0.3–0.5 s for a full read of 10,000 rows on this 2-core machine). A screen asking
 * meanwhile shares this build (currentBuild). A failure is left for the screen's own request to meet and report.
 */
export function buildWorklistAhead(db: SqlDatabase, today: string): void {
  listWorklist(db, DEFAULT_LIST, today).catch(() => {
    // The database may be closing; the list is read on the screen's request then.
  });
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
  if (searchNeedle(filter)) searchedLists.add(db);
  const build = await currentBuild(db, today);
  const result = (ordered: OrderedRows, complete: boolean): WorklistResult => {
    const offset = window ? Math.min(window.offset, ordered.rows.length) : 0;
    return {
      rows: window ? ordered.rows.slice(offset, offset + window.limit) : ordered.rows,
      offset,
      total: ordered.rows.length,
      totalMatching: ordered.totalMatching,
      hiddenTerminated: ordered.hiddenTerminated,
      complete,
      elapsedMs: Math.round(performance.now() - started),
    };
  };
  const newest = build.newest;
  if (window && filter.sort === 'recu' && filter.direction === 'desc' && newest && !build.done) {
    await Promise.race([newest.firstChunk, build.built]);
    const early = !newest.whole && newestWindow(newest, filter, window);
    if (early) return result(early, false);
  }
  return result(orderedRows(await build.built, filter), true);
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
