/**
 * Moving a desk into its organisation (issue 14): copies the desk's own store (its encrypted SQLite) into the
 * organisation's database without losing or duplicating anything, in one transaction.
 *
 * - Every row gets the organisation's ids (the desk's ids mean nothing there): references are remapped.
 * - A row already in the organisation is recognised by its natural key and linked, never copied twice: a decision
 *   by idNat_Decision (another desk of the same EJ pulled it too), a person by the MDPH identifier, a unit by its
 *   ROR id, a notification by (decision, EG), a status or an outbox row by its client identifier, a status received
 *   from ViaTrajectoire by its Task id. Rows without a natural key (journal, quarantine, a status without client
 *   identifier) are compared whole, as a multiset, so running the migration twice moves nothing new.
 * - Statuses of both desks are all kept (append-only history), the desk's own taken in date order.
 * - When the two desks disagree on a notification (ESMS status, a unit line's status), the organisation's value is
 *   kept and the conflict is listed for the referent; without the referent's agreement the migration is refused and
 *   nothing changes; with it, each conflicting notification is flagged "à traiter".
 * - A dry run runs the very same merge, then rolls it back: its counts and conflicts are exactly what would happen.
 *
 * Written against SqlDatabase only, so it runs on both engines (the tests also merge SQLite into SQLite).
 */
import type {
  DeskMigrationConflict,
  DeskMigrationReport,
  DeskMigrationTableCount,
} from '@shared/ipc/channels/organisation-channels';
import { AppError, isAppError } from '@shared/errors/app-error';
import { NOTIFICATION_COPY_COLUMNS, notificationStore, UNIT_LINE_COPY_COLUMNS } from '../db/notification-store';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { Journal } from '../journal/journal';

/**
 * Parameters per multi-row INSERT: far below both engines' limits (SQLite 32,766, PostgreSQL 65,535), a few
 * hundred rows per round trip.
 */
const PARAMETERS_PER_STATEMENT = 4000;

/** The ESMS status of a notification nobody has acted on yet ("Notification envoyée"). */
const UNTOUCHED_ESMS_STATUS = '39';

export const CONFLICT_REASON_PREFIX = 'Conflit entre postes lors de la migration';

/** The tables moved, in reference order, with the columns copied (the id is the organisation's). */
const TABLES = {
  legal_entity: {
    label: 'Entités juridiques',
    columns: ['finess_ej', 'name', 'vt_activated', 'token_checked_at'],
  },
  geographic_entity: {
    label: 'Entités géographiques',
    columns: ['finess_eg', 'finess_ej', 'name', 'vt_activated', 'local_activated', 'vt_seen_at'],
  },
  ror_unit: {
    label: 'Unités ROR',
    columns: [
      'finess_eg',
      'id_ror',
      'name',
      'categorie_organisation',
      'temporalite_accueil',
      'accueil_sequentiel',
      'mode_prise_charge',
      'origin',
      'locally_edited',
      'remote_json',
      'updated_at',
    ],
  },
  person: {
    label: 'Personnes',
    columns: [
      'mdph_oid',
      'mdph_individual_id',
      'ins',
      'ins_oid',
      'family_name',
      'used_family_name',
      'given_names',
      'gender',
      'birth_date',
      'birth_date_raw',
      'search_text',
      'updated_at',
    ],
  },
  decision: {
    label: 'Décisions (avec leur CDA)',
    columns: [
      'id_nat_decision',
      'id_decision',
      'id_decision_root',
      'person_id',
      'document_reference_id',
      'version_number',
      'type_decision',
      'nature_droit',
      'decision_date',
      'closure_effective_date',
      'category_code',
      'qualification',
      'validity_start',
      'validity_end',
      'priority_level',
      'reprise',
      'raw_resource_json',
      'raw_cda',
      'server_last_updated',
      'received_at',
    ],
  },
  decision_link: {
    label: 'Liens entre décisions',
    columns: ['decision_id', 'linked_id_decision', 'linked_root', 'kind'],
  },
  notification: { label: 'Notifications', columns: NOTIFICATION_COPY_COLUMNS },
  status_event: {
    label: 'Statuts (historique)',
    columns: [
      'notification_id',
      'origin',
      'task_id',
      'client_identifier',
      'emitter_id_nat',
      'statut_esms',
      'motif_esms',
      'date_statut_esms',
      'id_unite',
      'statut_unite',
      'motif_unite',
      'date_statut_unite',
      'description',
      'server_last_updated',
      'created_at',
    ],
  },
  unit_line: { label: 'Lignes par unité', columns: UNIT_LINE_COPY_COLUMNS },
  outbox: {
    label: 'Envois (file d’attente)',
    columns: [
      'kind',
      'notification_id',
      'status_event_id',
      'finess_eg',
      'client_identifier',
      'payload_json',
      'state',
      'attempts',
      'next_attempt_at',
      'last_error_json',
      'server_id',
      'created_at',
      'sent_at',
    ],
  },
  consent: {
    label: 'Accords de la personne',
    columns: ['decision_id', 'finess_eg', 'collected_on', 'outbox_id', 'created_at'],
  },
  evaluation: {
    label: 'Évaluations',
    columns: ['decision_id', 'finess_eg', 'parsed_json', 'raw_cda', 'fetched_at'],
  },
  sync_cursor: {
    label: 'Curseurs de synchronisation',
    columns: ['finess_eg', 'flow', 'cursor', 'updated_at'],
  },
  sync_gap: {
    label: 'Périodes à vérifier',
    columns: ['finess_eg', 'flow', 'missing_from', 'missing_to', 'detected_at', 'dismissed_at'],
  },
  quarantine: {
    label: 'Éléments refusés',
    columns: [
      'finess_eg',
      'flow',
      'resource_id',
      'reason',
      'raw',
      'created_at',
      'resolved_at',
      'kind',
      'rule',
      'diagnostics',
      'attempts',
      'last_seen_at',
      'next_attempt_at',
      'importable',
      'resolution',
    ],
  },
  journal: {
    label: 'Journal',
    columns: ['at', 'actor', 'action', 'record_type', 'record_id', 'outcome', 'detail'],
  },
} as const satisfies Record<string, { label: string; columns: readonly string[] }>;

export type MigratedTable = keyof typeof TABLES;
export const MIGRATED_TABLES = Object.keys(TABLES) as MigratedTable[];
/** Tables whose rows have their own id (the others are keyed by what they hold). */
const WITH_ID: ReadonlySet<MigratedTable> = new Set([
  'ror_unit',
  'person',
  'decision',
  'notification',
  'status_event',
  'unit_line',
  'outbox',
  'consent',
  'sync_gap',
  'quarantine',
  'journal',
]);

type Row = Record<string, unknown>;
type DeskSnapshot = Record<MigratedTable, Row[]>;

export interface DeskMigrationOptions {
  /** Count and list, then roll back: the organisation's database is left as it was. */
  readonly dryRun: boolean;
  /** The referent has seen the conflicts: keep the organisation's values and flag the notifications. */
  readonly acceptConflicts?: boolean;
  readonly now?: () => Date;
}

/** Thrown inside the organisation's transaction to roll it back while still returning a report. */
class RollBack extends Error {
  constructor(readonly report: DeskMigrationReport) {
    super('rollback');
  }
}

/** Migrates the desk's store into the organisation's (see the file comment). */
export async function migrateDesk(
  desk: SqlDatabase,
  organisation: SqlDatabase,
  options: DeskMigrationOptions,
): Promise<DeskMigrationReport> {
  const now = options.now ?? (() => new Date());
  // One consistent view of the desk, even if its sync worker were writing meanwhile.
  const snapshot = await desk.transaction((tx) => readDesk(tx), { readOnly: true });
  try {
    return await organisation.transaction(async (tx) => {
      const merge = new DeskMerge(tx, snapshot, now().toISOString());
      await merge.run();
      const report = merge.report(options.dryRun);
      if (options.dryRun) throw new RollBack(report);
      if (report.conflicts.length > 0 && !options.acceptConflicts) {
        throw new RollBack({
          ...report,
          refusal:
            `${conflictCount(report.conflicts.length)} entre ce poste et l’organisation : la migration n’a pas ` +
            'été faite. Relisez la liste, puis confirmez : les valeurs de l’organisation seront gardées et ' +
            'chaque notification concernée sera marquée « à traiter ».',
        });
      }
      await merge.flagConflicts();
      await new Journal(tx, now).append(
        {
          actor: 'utilisateur',
          action: 'Migration d’un poste vers l’organisation',
          outcome: 'succès',
          detail: report.tables
            .filter((t) => t.moved > 0 || t.alreadyThere > 0)
            .map((t) => `${t.label} : ${t.moved} copiés, ${t.alreadyThere} déjà présents`)
            .concat(report.conflicts.length > 0 ? [conflictCount(report.conflicts.length)] : [])
            .join(' ; '),
        },
        tx,
      );
      return { ...report, applied: true };
    });
  } catch (e) {
    if (e instanceof RollBack) return e.report;
    if (isAppError(e) && e.code !== 'DB_PERMISSION_DENIED') throw e;
    if (isOutOfAccountsReach(e)) {
      // Row security keeps a referent's account to its EGs: it may neither write the others' rows nor see the
      // ones already there (whose keys then collide).
      throw new AppError(
        'ORG_MIGRATION_FAILED',
        'Ce compte ne voit pas toutes les entités géographiques de ce poste dans l’organisation : faites la ' +
          'migration avec un compte de coordination. Rien n’a été modifié.',
        e instanceof Error ? e.message.slice(0, 300) : undefined,
      );
    }
    throw new AppError(
      'ORG_MIGRATION_FAILED',
      'La migration vers l’organisation a échoué : rien n’a été modifié dans la base de l’organisation, et ce ' +
        'poste garde ses données.',
      e instanceof Error ? e.message.slice(0, 300) : undefined,
    );
  }
}

/**
 * A row refused by row security (PostgreSQL 42501, which the adapter reports as DB_PERMISSION_DENIED) or a key
 * already there though unseen (23505; SQLite's own unique codes for completeness).
 */
function isOutOfAccountsReach(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    code === 'DB_PERMISSION_DENIED' ||
    code === '42501' ||
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

function conflictCount(n: number): string {
  return n === 1 ? '1 conflit' : `${n} conflits`;
}

async function readDesk(tx: SqlExecutor): Promise<DeskSnapshot> {
  const snapshot = {} as DeskSnapshot;
  for (const table of MIGRATED_TABLES) {
    const columns = (WITH_ID.has(table) ? ['id'] : []).concat(TABLES[table].columns);
    const order = WITH_ID.has(table) ? 'id' : TABLES[table].columns.slice(0, 2).join(', ');
    snapshot[table] = await tx.all<Row>(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${order}`);
  }
  return snapshot;
}

/** A multiset of keys → the organisation's ids: each id answers one desk row at most. */
class KeyPool {
  private readonly ids = new Map<string, number[]>();
  add(key: string, id: number): void {
    const list = this.ids.get(key);
    if (list) list.push(id);
    else this.ids.set(key, [id]);
  }
  take(key: string): number | undefined {
    return this.ids.get(key)?.shift();
  }
}

/** Numbers as text: an engine may return a 64-bit id as a string; a key compares values column by column. */
const keyOf = (...values: unknown[]): string =>
  JSON.stringify(values.map((v) => (v === undefined ? null : typeof v === 'number' ? String(v) : v)));
const num = (v: unknown): number => Number(v);
/** A text column's value (rows are not parsed: a column read as text is a string or null). */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

interface TargetNotification {
  id: number;
  esms_status: string;
  esms_status_date: string | null;
  a_traiter: number;
  terminated: number;
}

/** One merge of a desk snapshot into the organisation, inside the organisation's transaction. */
class DeskMerge {
  private readonly counts = new Map<MigratedTable, { moved: number; alreadyThere: number }>();
  private readonly conflicts: (DeskMigrationConflict & { notificationId: number })[] = [];
  /** Desk id → organisation id, per table. */
  private readonly ids = {
    ror_unit: new Map<number, number>(),
    person: new Map<number, number>(),
    decision: new Map<number, number>(),
    notification: new Map<number, number>(),
    status_event: new Map<number, number>(),
    outbox: new Map<number, number>(),
    quarantine: new Map<number, number>(),
  };
  /** Desk decision id → idNat_Decision, desk notification id → (idNat, EG), for conflicts. */
  private readonly idNatOf = new Map<number, string>();
  private readonly unitIdRor = new Map<number, string>();

  constructor(
    private readonly tx: SqlExecutor,
    private readonly desk: DeskSnapshot,
    private readonly nowIso: string,
  ) {}

  async run(): Promise<void> {
    await this.keyedOnly('legal_entity', ['finess_ej']);
    await this.keyedOnly('geographic_entity', ['finess_eg']);
    await this.units();
    await this.persons();
    await this.decisions();
    await this.keyedOnly('decision_link', ['decision_id', 'linked_id_decision'], { decision_id: this.ids.decision });
    await this.notifications();
    await this.statusEvents();
    await this.unitLines();
    await this.outbox();
    await this.keyedOnly('consent', ['decision_id', 'finess_eg'], {
      decision_id: this.ids.decision,
      outbox_id: this.ids.outbox,
    });
    await this.keyedOnly('evaluation', ['decision_id', 'finess_eg'], { decision_id: this.ids.decision });
    await this.cursors();
    await this.wholeRows('sync_gap');
    await this.wholeRows('quarantine', this.ids.quarantine);
    await this.journal();
  }

  report(dryRun: boolean): DeskMigrationReport {
    const tables: DeskMigrationTableCount[] = MIGRATED_TABLES.map((table) => ({
      table,
      label: TABLES[table].label,
      desk: this.desk[table].length,
      ...(this.counts.get(table) ?? { moved: 0, alreadyThere: 0 }),
    }));
    return {
      dryRun,
      applied: false,
      tables,
      mergedDecisions: this.counts.get('decision')?.alreadyThere ?? 0,
      conflicts: this.conflicts.map(({ notificationId: _, ...c }) => c),
    };
  }

  /** Each notification in conflict becomes "à traiter", through the notification's one writer. */
  async flagConflicts(): Promise<void> {
    const store = notificationStore(this.tx, 'système');
    const byNotification = new Map<number, string[]>();
    for (const c of this.conflicts) {
      const what = c.kind === 'statut-esms' ? 'statut ESMS' : `unité ${c.idRor ?? ''}`.trim();
      byNotification.set(c.notificationId, [...(byNotification.get(c.notificationId) ?? []), what]);
    }
    for (const [id, what] of byNotification) {
      await store.raiseATraiter(id, `${CONFLICT_REASON_PREFIX} (${what.join(', ')}) : vérifiez le statut`, this.nowIso);
    }
  }

  private count(table: MigratedTable, moved: boolean, n = 1): void {
    const c = this.counts.get(table) ?? { moved: 0, alreadyThere: 0 };
    if (moved) c.moved += n;
    else c.alreadyThere += n;
    this.counts.set(table, c);
  }

  /**
   * Inserts rows many at a time (a desk holds tens of thousands: one round trip each would be minutes over the
   * network) and returns the `returning` columns of the inserted rows, in no promised order: callers match them
   * by key, never by position.
   */
  private async insertMany(table: MigratedTable, rows: readonly Row[], returning?: readonly string[]): Promise<Row[]> {
    const columns = TABLES[table].columns;
    const perStatement = Math.max(1, Math.floor(PARAMETERS_PER_STATEMENT / columns.length));
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const inserted: Row[] = [];
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const sql =
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}` +
        (returning ? ` RETURNING ${returning.join(', ')}` : '');
      const params = chunk.flatMap((row) => columns.map((c) => row[c] ?? null));
      if (returning) inserted.push(...(await this.tx.all<Row>(sql, params)));
      else await this.tx.run(sql, params);
    }
    this.count(table, true, rows.length);
    return inserted;
  }

  /** A desk row with its references replaced by the organisation's ids. */
  private remapped(row: Row, references: Readonly<Record<string, ReadonlyMap<number, number>>>): Row {
    const copy = { ...row };
    for (const [column, map] of Object.entries(references)) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      const mapped = map.get(num(value));
      if (mapped === undefined) throw new Error(`${column} ${text(value)} sans correspondance`);
      copy[column] = mapped;
    }
    return copy;
  }

  /** Tables without their own id (or whose id nothing references): a row whose key is already there stays so. */
  private async keyedOnly(
    table: MigratedTable,
    key: readonly string[],
    references: Readonly<Record<string, ReadonlyMap<number, number>>> = {},
  ): Promise<void> {
    const existing = new Set(
      (await this.tx.all<Row>(`SELECT ${key.join(', ')} FROM ${table}`)).map((r) => keyOf(...key.map((k) => r[k]))),
    );
    const fresh: Row[] = [];
    for (const deskRow of this.desk[table]) {
      const row = this.remapped(deskRow, references);
      const k = keyOf(...key.map((c) => row[c]));
      if (existing.has(k)) {
        this.count(table, false);
        continue;
      }
      fresh.push(row);
      existing.add(k);
    }
    await this.insertMany(table, fresh);
  }

  /** Tables with their own id, keyed by a natural key: map the desk's id to the organisation's. */
  private async keyed(
    table: 'ror_unit' | 'person' | 'decision' | 'outbox',
    key: readonly string[],
    references: Readonly<Record<string, ReadonlyMap<number, number>>> = {},
  ): Promise<void> {
    const existing = new Map(
      (await this.tx.all<Row>(`SELECT id, ${key.join(', ')} FROM ${table}`)).map((r) => [
        keyOf(...key.map((k) => r[k])),
        num(r.id),
      ]),
    );
    const fresh: Row[] = [];
    const waiting: { deskId: number; key: string }[] = [];
    for (const deskRow of this.desk[table]) {
      const row = this.remapped(deskRow, references);
      const k = keyOf(...key.map((c) => row[c]));
      const id = existing.get(k);
      if (id !== undefined) {
        this.count(table, false);
        this.ids[table].set(num(deskRow.id), id);
        continue;
      }
      fresh.push(row);
      waiting.push({ deskId: num(deskRow.id), key: k });
    }
    for (const r of await this.insertMany(table, fresh, ['id', ...key])) {
      existing.set(keyOf(...key.map((k) => r[k])), num(r.id));
    }
    for (const w of waiting) this.ids[table].set(w.deskId, existing.get(w.key) as number);
  }

  private async units(): Promise<void> {
    await this.keyed('ror_unit', ['id_ror']);
    for (const u of this.desk.ror_unit) this.unitIdRor.set(num(u.id), text(u.id_ror));
  }

  private persons(): Promise<void> {
    return this.keyed('person', ['mdph_oid', 'mdph_individual_id']);
  }

  private async decisions(): Promise<void> {
    await this.keyed('decision', ['id_nat_decision'], { person_id: this.ids.person });
    for (const d of this.desk.decision) this.idNatOf.set(num(d.id), text(d.id_nat_decision));
  }

  private async notifications(): Promise<void> {
    const existing = new Map(
      (
        await this.tx.all<TargetNotification & { decision_id: number; finess_eg: string }>(
          'SELECT id, decision_id, finess_eg, esms_status, esms_status_date, a_traiter, terminated FROM notification',
        )
      ).map((r) => [keyOf(r.decision_id, r.finess_eg), r]),
    );
    const store = notificationStore(this.tx, 'système');
    const fresh: Row[] = [];
    const waiting: { deskId: number; key: string }[] = [];
    for (const deskRow of this.desk.notification) {
      const row = this.remapped(deskRow, { decision_id: this.ids.decision });
      const k = keyOf(row.decision_id, row.finess_eg);
      const target = existing.get(k);
      if (!target) {
        fresh.push(row);
        waiting.push({ deskId: num(deskRow.id), key: k });
        continue;
      }
      this.count('notification', false);
      this.ids.notification.set(num(deskRow.id), num(target.id));
      const deskStatus = text(row.esms_status);
      if (deskStatus !== target.esms_status) {
        if (target.esms_status === UNTOUCHED_ESMS_STATUS) {
          // Nobody acted on it in the organisation yet: the desk's status is news, not a disagreement.
          await store.setEsmsStatus({
            id: num(target.id),
            esmsStatus: deskStatus,
            esmsStatusDate: (row.esms_status_date as string | null) ?? null,
            terminated: num(row.terminated) === 1,
            nowIso: this.nowIso,
          });
        } else if (deskStatus !== UNTOUCHED_ESMS_STATUS) {
          this.conflicts.push({
            kind: 'statut-esms',
            notificationId: num(target.id),
            idNatDecision: this.idNatOf.get(num(deskRow.decision_id)) ?? '',
            finessEg: text(row.finess_eg),
            organisation: { status: target.esms_status, date: target.esms_status_date },
            desk: { status: deskStatus, date: (row.esms_status_date as string | null) ?? null },
          });
        }
      }
      if (num(row.a_traiter) === 1 && num(target.a_traiter) !== 1) {
        await store.raiseATraiter(num(target.id), text(row.a_traiter_reason ?? 'À traiter'), this.nowIso);
      }
    }
    // New notifications are copied by their one writer, the notification store.
    const insertedIds = new Map<string, number>();
    for (const r of await store.copyNotifications(fresh)) insertedIds.set(keyOf(r.decisionId, r.finessEg), r.id);
    this.count('notification', true, fresh.length);
    for (const w of waiting) this.ids.notification.set(w.deskId, insertedIds.get(w.key) as number);
  }

  /**
   * All statuses are kept. One already there (same client identifier, same ViaTrajectoire Task, or the very same
   * content) is linked; the desk's others are added in the order of their dates.
   */
  private async statusEvents(): Promise<void> {
    const byClient = new Map<string, number>();
    const byTask = new Map<string, number>();
    const byContent = new KeyPool();
    const columns = TABLES.status_event.columns;
    const contentKey = (r: Row) => keyOf(...columns.map((c) => r[c]));
    for (const r of await this.tx.all<Row>(`SELECT id, ${columns.join(', ')} FROM status_event ORDER BY id`)) {
      if (r.client_identifier !== null) byClient.set(text(r.client_identifier), num(r.id));
      else if (r.origin === 'vt' && r.task_id !== null) byTask.set(text(r.task_id), num(r.id));
      else byContent.add(contentKey(r), num(r.id));
    }
    const dated = [...this.desk.status_event].sort((a, b) => {
      const da = eventDate(a);
      const db = eventDate(b);
      return da < db ? -1 : da > db ? 1 : num(a.id) - num(b.id);
    });
    const fresh: Row[] = [];
    const waiting: { deskId: number; key: string }[] = [];
    for (const deskRow of dated) {
      const row = this.remapped(deskRow, { notification_id: this.ids.notification });
      let id: number | undefined;
      if (row.client_identifier !== null) id = byClient.get(text(row.client_identifier));
      else if (row.origin === 'vt' && row.task_id !== null) id = byTask.get(text(row.task_id));
      else id = byContent.take(contentKey(row));
      if (id === undefined) {
        fresh.push(row);
        waiting.push({ deskId: num(deskRow.id), key: contentKey(row) });
      } else {
        this.count('status_event', false);
        this.ids.status_event.set(num(deskRow.id), id);
      }
    }
    // Rows of the very same content are interchangeable: each takes one of the ids returned for that content.
    const inserted = new KeyPool();
    for (const r of await this.insertMany('status_event', fresh, ['id', ...columns]))
      inserted.add(contentKey(r), num(r.id));
    for (const w of waiting) this.ids.status_event.set(w.deskId, inserted.take(w.key) as number);
  }

  private async unitLines(): Promise<void> {
    const existing = new Map(
      (await this.tx.all<Row>('SELECT notification_id, ror_unit_id, status, status_date FROM unit_line')).map((r) => [
        keyOf(r.notification_id, r.ror_unit_id),
        r,
      ]),
    );
    const fresh: Row[] = [];
    for (const deskRow of this.desk.unit_line) {
      const row = this.remapped(deskRow, { notification_id: this.ids.notification, ror_unit_id: this.ids.ror_unit });
      const target = existing.get(keyOf(row.notification_id, row.ror_unit_id));
      if (!target) {
        fresh.push(row);
        continue;
      }
      this.count('unit_line', false);
      if (target.status !== row.status) {
        const deskNotification = this.desk.notification.find((n) => num(n.id) === num(deskRow.notification_id));
        this.conflicts.push({
          kind: 'ligne-unite',
          notificationId: num(row.notification_id),
          idNatDecision: this.idNatOf.get(num(deskNotification?.decision_id)) ?? '',
          finessEg: text(deskNotification?.finess_eg ?? ''),
          idRor: this.unitIdRor.get(num(deskRow.ror_unit_id)) ?? '',
          organisation: { status: text(target.status), date: (target.status_date as string | null) ?? null },
          desk: { status: text(row.status), date: (row.status_date as string | null) ?? null },
        });
      }
    }
    await notificationStore(this.tx).copyUnitLines(fresh);
    this.count('unit_line', true, fresh.length);
  }

  private outbox(): Promise<void> {
    return this.keyed('outbox', ['client_identifier'], {
      notification_id: this.ids.notification,
      status_event_id: this.ids.status_event,
    });
  }

  /** One cursor per EG and flow: the earlier of the two, so the organisation's next pull misses nothing. */
  private async cursors(): Promise<void> {
    const existing = new Map(
      (await this.tx.all<Row>('SELECT finess_eg, flow, cursor FROM sync_cursor')).map((r) => [
        keyOf(r.finess_eg, r.flow),
        text(r.cursor),
      ]),
    );
    const fresh: Row[] = [];
    for (const row of this.desk.sync_cursor) {
      const current = existing.get(keyOf(row.finess_eg, row.flow));
      if (current === undefined) {
        fresh.push(row);
        continue;
      }
      this.count('sync_cursor', false);
      if (text(row.cursor) < current) {
        await this.tx.run('UPDATE sync_cursor SET cursor = ?, updated_at = ? WHERE finess_eg = ? AND flow = ?', [
          row.cursor,
          this.nowIso,
          row.finess_eg,
          row.flow,
        ]);
      }
    }
    await this.insertMany('sync_cursor', fresh);
  }

  /** Rows without a natural key: the same content already there (as many times) is not copied again. */
  private async wholeRows(table: 'sync_gap' | 'quarantine', ids?: Map<number, number>): Promise<void> {
    const columns = TABLES[table].columns;
    const contentKey = (r: Row) => keyOf(...columns.map((c) => r[c]));
    const pool = new KeyPool();
    for (const r of await this.tx.all<Row>(`SELECT id, ${columns.join(', ')} FROM ${table} ORDER BY id`)) {
      pool.add(contentKey(r), num(r.id));
    }
    const fresh: Row[] = [];
    const waiting: { deskId: number; key: string }[] = [];
    for (const row of this.desk[table]) {
      const id = pool.take(contentKey(row));
      if (id === undefined) {
        fresh.push(row);
        waiting.push({ deskId: num(row.id), key: contentKey(row) });
      } else {
        this.count(table, false);
        ids?.set(num(row.id), id);
      }
    }
    const inserted = new KeyPool();
    for (const r of await this.insertMany(table, fresh, ['id', ...columns])) inserted.add(contentKey(r), num(r.id));
    for (const w of waiting) ids?.set(w.deskId, inserted.take(w.key) as number);
  }

  /** The desk's journal, its record ids turned into the organisation's where they name a moved record. */
  private async journal(): Promise<void> {
    const references: Record<string, ReadonlyMap<number, number>> = {
      notification: this.ids.notification,
      outbox: this.ids.outbox,
      envoi: this.ids.outbox,
      quarantaine: this.ids.quarantine,
    };
    const columns = TABLES.journal.columns;
    const contentKey = (r: Row) => keyOf(...columns.map((c) => r[c]));
    const pool = new KeyPool();
    for (const r of await this.tx.all<Row>(`SELECT id, ${columns.join(', ')} FROM journal ORDER BY id`)) {
      pool.add(contentKey(r), num(r.id));
    }
    const fresh: Row[] = [];
    for (const deskRow of this.desk.journal) {
      const map = typeof deskRow.record_type === 'string' ? references[deskRow.record_type] : undefined;
      const mapped = map && /^\d+$/.test(text(deskRow.record_id)) ? map.get(num(deskRow.record_id)) : undefined;
      const row = mapped === undefined ? deskRow : { ...deskRow, record_id: String(mapped) };
      if (pool.take(contentKey(row)) === undefined) fresh.push(row);
      else this.count('journal', false);
    }
    await this.insertMany('journal', fresh);
  }
}

function eventDate(row: Row): string {
  return text(row.date_statut_esms ?? row.date_statut_unite ?? row.created_at ?? '');
}
