/**
 * The one writer of the `notification` and `unit_line` tables: every change of a notification's state (ESMS status,
 * "à traiter", terminated) and of its unit lines goes through these statements, whoever asks for it — the
 * referent's actions (worklist/record-status.ts), flux 1 (a new notification, renewal and closure effects),
 * flux 5 (statuses received) and a desk's notifications moved into the organisation's store. Rows read back are
 * parsed, not cast. Callers own the transaction: they hand the
 * store their `tx`.
 *
 * Every write that changes what a referent sees moves `notification.row_version` and records the change in
 * `notification_change` (before → after, by which actor; on PostgreSQL the author is the connected role): an action
 * carrying the version its referent saw is refused when it moved (worklist/notification-version.ts), and the refusal
 * tells what changed. Done here rather than by triggers: this is already the one writer (a test holds it so), the
 * statements stay in the SQL both engines share, and only here is the actor (referent or sync) known. A rewrite that
 * changes nothing (a sync bringing back the same ESMS status) moves nothing: it must not refuse a referent's action.
 */
import { z } from 'zod';
import { UNIT_CLOSED, UNIT_OPEN } from '@shared/domain/referent-actions';
import type { JournalActor } from '@shared/domain/journal';
import type { SqlExecutor } from './sql/sql-database';

/** A status group (shared/domain/referent-actions.ts) as an SQL list, for queries filtering on it. */
export const sqlList = (codes: readonly string[]): string => codes.map((c) => `'${c}'`).join(',');

const notificationRow = z.object({
  id: z.number(),
  decision_id: z.number(),
  finess_eg: z.string(),
  esms_status: z.string(),
  esms_status_date: z.string().nullable(),
  a_traiter: z.number(),
  a_traiter_reason: z.string().nullable(),
  terminated: z.number(),
  validity_end: z.string().nullable(),
  row_version: z.number(),
});

const unitLineRow = z.object({
  ror_unit_id: z.number(),
  status: z.string(),
  status_date: z.string(),
  motif: z.string().nullable(),
  request_date: z.string().nullable(),
});

const linkedRow = z.object({ id: z.number(), decision_id: z.number() });
const copiedRow = z.object({ id: z.number(), decision_id: z.number(), finess_eg: z.string() });

export interface StoredNotification {
  readonly id: number;
  readonly decisionId: number;
  readonly finessEg: string;
  readonly esmsStatus: string;
  readonly esmsStatusDate: string | null;
  readonly aTraiter: boolean;
  readonly aTraiterReason: string | null;
  readonly terminated: boolean;
  /** End of the decision's validity (for masking). */
  readonly validityEnd: string | null;
  /** Moved by every change of the notification or of its unit lines (optimistic concurrency). */
  readonly rowVersion: number;
}

export interface StoredUnitLine {
  readonly unitId: number;
  readonly status: string;
  readonly statusDate: string;
  readonly motif: string | null;
  readonly requestDate: string | null;
}

export interface UnitLineWrite {
  readonly notificationId: number;
  readonly unitId: number;
  readonly status: string;
  readonly statusDate: string;
  readonly motif: string | null;
  /**
   * When the person entered this unit's waiting list, for a line that arrives already past 182 (a renewal's
   * carried line keeps its seniority). Ignored once the line has one.
   */
  readonly requestDate?: string | null;
  readonly nowIso: string;
}

export interface EsmsStatusWrite {
  readonly id: number;
  readonly esmsStatus: string;
  /** Date of the ESMS status; undefined keeps the stored one (the status did not change). */
  readonly esmsStatusDate?: string | null;
  readonly terminated: boolean;
  readonly nowIso: string;
}

const parseLine = (row: unknown): StoredUnitLine => {
  const r = unitLineRow.parse(row);
  return {
    unitId: r.ror_unit_id,
    status: r.status,
    statusDate: r.status_date,
    motif: r.motif,
    requestDate: r.request_date,
  };
};

const NOTIFICATION_SQL = `SELECT n.id, n.decision_id, n.finess_eg, n.esms_status, n.esms_status_date, n.a_traiter,
        n.a_traiter_reason, n.terminated, d.validity_end, n.row_version
   FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?`;

const UNIT_LINES_SQL = `SELECT ror_unit_id, status, status_date, motif, request_date FROM unit_line
  WHERE notification_id = ? ORDER BY id`;

const OPEN_UNIT_LINES_SQL = `SELECT ror_unit_id, status, status_date, motif, request_date FROM unit_line
  WHERE notification_id = ? AND status IN (${sqlList(UNIT_OPEN)}) ORDER BY id`;

const INSERT_IF_ABSENT_SQL = `INSERT INTO notification (decision_id, finess_eg, esms_status, terminated, created_at,
    updated_at)
  VALUES (@decisionId, @finessEg, '39', @terminated, @nowIso, @nowIso)
  ON CONFLICT (decision_id, finess_eg) DO NOTHING
  RETURNING id`;

/*
 * The one request-date rule: a 182 (a new request) starts the waiting time at its date — a 182 is only recorded
 * on a line that is new or closed; any other status keeps the line's request date, and a line that arrives past
 * 182 takes the request date it is given (a carried line's), else its status date.
 */
const UPSERT_UNIT_LINE_SQL = `INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, motif,
    request_date, updated_at)
  VALUES (@notificationId, @unitId, @status, @statusDate, @motif,
          CASE WHEN @status = '182' THEN @statusDate ELSE coalesce(@requestDate, @statusDate) END, @nowIso)
  ON CONFLICT (notification_id, ror_unit_id) DO UPDATE SET status = @status, status_date = @statusDate,
    motif = @motif,
    request_date = CASE
      WHEN @status = '182' THEN @statusDate
      WHEN unit_line.status IN (${sqlList(UNIT_CLOSED)}) THEN coalesce(@requestDate, @statusDate)
      ELSE coalesce(unit_line.request_date, @requestDate, @statusDate) END,
    updated_at = @nowIso`;

/*
 * Each change is recorded before it is made (its "before" is read from the row as it stands), under the version the
 * write gives the notification; parameters in a select list are cast, PostgreSQL cannot infer their type there.
 */
const RECORD_CHANGE = `INSERT INTO notification_change (notification_id, row_version, kind, actor, changed_at, ror_unit_id,
    value_before, value_after)`;

const RECORD_UNIT_CHANGE_SQL = `${RECORD_CHANGE}
  SELECT n.id, n.row_version + 1, 'unit', CAST(@actor AS TEXT), CAST(@nowIso AS TEXT), CAST(@unitId AS INTEGER),
         (SELECT l.status FROM unit_line l WHERE l.notification_id = n.id AND l.ror_unit_id = @unitId),
         CAST(@status AS TEXT)
    FROM notification n WHERE n.id = @notificationId`;

const BUMP_VERSION_SQL = 'UPDATE notification SET row_version = row_version + 1 WHERE id = ?';

const RECORD_ESMS_CHANGE_SQL = `${RECORD_CHANGE}
  SELECT n.id, n.row_version + 1, 'esms', CAST(@actor AS TEXT), CAST(@nowIso AS TEXT), CAST(NULL AS INTEGER), n.esms_status,
         CAST(@esmsStatus AS TEXT)
    FROM notification n WHERE n.id = @id AND n.esms_status <> @esmsStatus
  UNION ALL
  SELECT n.id, n.row_version + 1, 'terminated', CAST(@actor AS TEXT), CAST(@nowIso AS TEXT), CAST(NULL AS INTEGER),
         CAST(n.terminated AS TEXT), CAST(CAST(@terminated AS INTEGER) AS TEXT)
    FROM notification n WHERE n.id = @id AND n.terminated <> @terminated`;

const SET_ESMS_STATUS_SQL = `UPDATE notification SET esms_status = @esmsStatus,
    esms_status_date = CASE WHEN @keepDate = 1 THEN esms_status_date ELSE @esmsStatusDate END,
    terminated = @terminated, updated_at = @nowIso,
    row_version = row_version + CASE WHEN esms_status <> @esmsStatus OR terminated <> @terminated THEN 1 ELSE 0 END
  WHERE id = @id`;

const RECORD_TERMINATED_SQL = `${RECORD_CHANGE}
  SELECT n.id, n.row_version + 1, 'terminated', CAST(@actor AS TEXT), CAST(@nowIso AS TEXT), CAST(NULL AS INTEGER),
         '0', '1'
    FROM notification n WHERE n.id = @id AND n.terminated = 0`;

const MARK_TERMINATED_SQL = `UPDATE notification SET terminated = 1, updated_at = @nowIso,
    row_version = row_version + 1 - terminated
  WHERE id = @id`;

const RECORD_RAISE_SQL = `${RECORD_CHANGE}
  SELECT n.id, n.row_version + 1, 'a_traiter', CAST(@actor AS TEXT), CAST(@nowIso AS TEXT), CAST(NULL AS INTEGER),
         CASE WHEN n.a_traiter = 1 THEN n.a_traiter_reason END, CAST(@reason AS TEXT)
    FROM notification n WHERE n.id = @id AND (n.a_traiter = 0 OR n.a_traiter_reason IS DISTINCT FROM @reason)`;

const RAISE_A_TRAITER_SQL = `UPDATE notification SET a_traiter = 1, a_traiter_reason = @reason, updated_at = @nowIso,
    row_version = row_version + CASE WHEN a_traiter = 0 OR a_traiter_reason IS DISTINCT FROM @reason THEN 1 ELSE 0 END
  WHERE id = @id`;

// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not (docs/sql-dialect.md).
const CLEARABLE = `(CAST(@reasonPrefix AS TEXT) IS NULL OR lower(a_traiter_reason) LIKE lower(@reasonPrefix) || '%')`;

const RECORD_CLEAR_SQL = `${RECORD_CHANGE}
  SELECT n.id, n.row_version + 1, 'traitee', CAST(@actor AS TEXT), CAST(@nowIso AS TEXT), CAST(NULL AS INTEGER),
         n.a_traiter_reason, CAST(NULL AS TEXT)
    FROM notification n WHERE n.id = @id AND n.a_traiter = 1 AND ${CLEARABLE}`;

const CLEAR_A_TRAITER_SQL = `UPDATE notification SET a_traiter = 0, a_traiter_reason = NULL, updated_at = @nowIso,
    row_version = row_version + a_traiter
  WHERE id = @id AND ${CLEARABLE}`;

/**
 * Notifications of the same EG for the decisions one decision revises, renews or closes, in a fixed join order: link
 * → decision by id_decision → notification by (decision, EG). Left to itself a planner may scan every notification of
 * the EG, which makes flux 1 quadratic: SQLite did, and so does PostgreSQL while a first sync fills tables whose
 * statistics are still those of an empty table (5 ms a decision after 1,000, growing). SQLite follows a CROSS JOIN's
 * order; on PostgreSQL each step is a LATERAL subquery that OFFSET 0 keeps from being merged into one join to
 * reorder, so each is planned alone on its own index.
 */
export const LINKED_NOTIFICATIONS_SQL = {
  sqlite: `SELECT n.id, n.decision_id FROM decision_link l
     CROSS JOIN decision d ON d.id_decision = l.linked_id_decision AND d.id <> l.decision_id
     CROSS JOIN notification n ON n.decision_id = d.id AND n.finess_eg = @finessEg
   WHERE l.decision_id = @decisionId AND l.kind <> 'inconnu'
   ORDER BY l.linked_id_decision, d.id, n.id`,
  postgres: `SELECT n.id, n.decision_id FROM decision_link l
     CROSS JOIN LATERAL (SELECT d.id FROM decision d
       WHERE d.id_decision = l.linked_id_decision AND d.id <> l.decision_id OFFSET 0) d
     CROSS JOIN LATERAL (SELECT n.id, n.decision_id FROM notification n
       WHERE n.decision_id = d.id AND n.finess_eg = @finessEg OFFSET 0) n
   WHERE l.decision_id = @decisionId AND l.kind <> 'inconnu'
   ORDER BY l.linked_id_decision, d.id, n.id`,
};

/** The columns a notification and a unit line are copied with from another store, ids already remapped. */
export const NOTIFICATION_COPY_COLUMNS = [
  'decision_id',
  'finess_eg',
  'esms_status',
  'esms_status_date',
  'a_traiter',
  'a_traiter_reason',
  'terminated',
  'created_at',
  'updated_at',
] as const;
export const UNIT_LINE_COPY_COLUMNS = [
  'notification_id',
  'ror_unit_id',
  'status',
  'status_date',
  'motif',
  'request_date',
  'updated_at',
] as const;
/** A row read from another store: only the copy columns are read from it, a missing one is NULL. */
export type CopiedRow = Readonly<Record<string, unknown>>;

/**
 * Parameters per multi-row INSERT of a copy: far below both engines' limits (SQLite 32,766, PostgreSQL 65,535), a
 * few hundred rows per round trip.
 */
const COPY_PARAMETERS_PER_STATEMENT = 4000;

export class NotificationStore {
  /**
   * `db` is the database, or the caller's transaction when the change belongs to a larger one; `actor`, who the
   * changes are recorded as made by: the sync (flux 1 and 5) unless the caller says a referent.
   */
  constructor(
    private readonly db: SqlExecutor,
    private readonly actor: JournalActor = 'synchronisation',
  ) {}

  async read(id: number): Promise<StoredNotification | undefined> {
    const row = await this.db.get(NOTIFICATION_SQL, [id]);
    if (row === undefined) return undefined;
    const r = notificationRow.parse(row);
    return {
      id: r.id,
      decisionId: r.decision_id,
      finessEg: r.finess_eg,
      esmsStatus: r.esms_status,
      esmsStatusDate: r.esms_status_date,
      aTraiter: r.a_traiter === 1,
      aTraiterReason: r.a_traiter_reason,
      terminated: r.terminated === 1,
      validityEnd: r.validity_end,
      rowVersion: r.row_version,
    };
  }

  async unitLines(notificationId: number): Promise<StoredUnitLine[]> {
    return (await this.db.all(UNIT_LINES_SQL, [notificationId])).map(parseLine);
  }

  async openUnitLines(notificationId: number): Promise<StoredUnitLine[]> {
    return (await this.db.all(OPEN_UNIT_LINES_SQL, [notificationId])).map(parseLine);
  }

  /** Notifications of the same EG for the decisions this one revises, renews or closes. */
  async linkedNotifications(decisionId: number, finessEg: string): Promise<{ id: number; decisionId: number }[]> {
    const rows = await this.db.all(LINKED_NOTIFICATIONS_SQL[this.db.dialect], { finessEg, decisionId });
    return rows.map((row) => {
      const r = linkedRow.parse(row);
      return { id: r.id, decisionId: r.decision_id };
    });
  }

  /** A new notification ("Notification envoyée", 39) for a decision and EG; undefined when it already exists. */
  async insertIfAbsent(p: {
    decisionId: number;
    finessEg: string;
    terminated: boolean;
    nowIso: string;
  }): Promise<number | undefined> {
    const id = await this.db.value(INSERT_IF_ABSENT_SQL, { ...p, terminated: p.terminated ? 1 : 0 });
    return id === undefined ? undefined : Number(id);
  }

  async upsertUnitLine(p: UnitLineWrite): Promise<void> {
    await this.db.run(RECORD_UNIT_CHANGE_SQL, {
      notificationId: p.notificationId,
      unitId: p.unitId,
      status: p.status,
      actor: this.actor,
      nowIso: p.nowIso,
    });
    await this.db.run(UPSERT_UNIT_LINE_SQL, {
      notificationId: p.notificationId,
      unitId: p.unitId,
      status: p.status,
      statusDate: p.statusDate,
      motif: p.motif,
      requestDate: p.requestDate ?? null,
      nowIso: p.nowIso,
    });
    await this.db.run(BUMP_VERSION_SQL, [p.notificationId]);
  }

  async setEsmsStatus(p: EsmsStatusWrite): Promise<void> {
    await this.db.run(RECORD_ESMS_CHANGE_SQL, {
      id: p.id,
      esmsStatus: p.esmsStatus,
      terminated: p.terminated ? 1 : 0,
      actor: this.actor,
      nowIso: p.nowIso,
    });
    await this.db.run(SET_ESMS_STATUS_SQL, {
      id: p.id,
      esmsStatus: p.esmsStatus,
      keepDate: p.esmsStatusDate === undefined ? 1 : 0,
      esmsStatusDate: p.esmsStatusDate ?? null,
      terminated: p.terminated ? 1 : 0,
      nowIso: p.nowIso,
    });
  }

  async markTerminated(id: number, nowIso: string): Promise<void> {
    await this.db.run(RECORD_TERMINATED_SQL, { id, actor: this.actor, nowIso });
    await this.db.run(MARK_TERMINATED_SQL, { id, nowIso });
  }

  async raiseATraiter(id: number, reason: string, nowIso: string): Promise<void> {
    await this.db.run(RECORD_RAISE_SQL, { id, reason, actor: this.actor, nowIso });
    await this.db.run(RAISE_A_TRAITER_SQL, { id, reason, nowIso });
  }

  /**
   * Notifications copied as another store held them (a desk's moved into the organisation's store), many per
   * statement; returns the new ids by decision and EG, in no promised order.
   */
  async copyNotifications(rows: readonly CopiedRow[]): Promise<{ id: number; decisionId: number; finessEg: string }[]> {
    const inserted = await this.copy('notification', NOTIFICATION_COPY_COLUMNS, rows, 'id, decision_id, finess_eg');
    return inserted.map((row) => {
      const r = copiedRow.parse(row);
      return { id: r.id, decisionId: r.decision_id, finessEg: r.finess_eg };
    });
  }

  /** Unit lines copied as another store held them, their notification and unit ids already this store's. */
  async copyUnitLines(rows: readonly CopiedRow[]): Promise<void> {
    await this.copy('unit_line', UNIT_LINE_COPY_COLUMNS, rows);
  }

  /** Clears "à traiter" (only when its reason starts with `reasonPrefix`, if given); returns the rows changed. */
  async clearATraiter(id: number, nowIso: string, reasonPrefix?: string): Promise<number> {
    const prefix = reasonPrefix ?? null;
    await this.db.run(RECORD_CLEAR_SQL, { id, nowIso, reasonPrefix: prefix, actor: this.actor });
    const result = await this.db.run(CLEAR_A_TRAITER_SQL, { id, nowIso, reasonPrefix: prefix });
    return result.changes;
  }

  private async copy(
    table: 'notification' | 'unit_line',
    columns: readonly string[],
    rows: readonly CopiedRow[],
    returning?: string,
  ): Promise<unknown[]> {
    const perStatement = Math.max(1, Math.floor(COPY_PARAMETERS_PER_STATEMENT / columns.length));
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const inserted: unknown[] = [];
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const sql =
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}` +
        (returning ? ` RETURNING ${returning}` : '');
      const params = chunk.flatMap((row) => columns.map((c) => row[c] ?? null));
      if (returning) inserted.push(...(await this.db.all(sql, params)));
      else await this.db.run(sql, params);
    }
    return inserted;
  }
}

/**
 * The store over this executor: the database, or the caller's transaction (statements are cached by the adapter,
 * so a store costs nothing to make).
 */
export function notificationStore(db: SqlExecutor, actor?: JournalActor): NotificationStore {
  return new NotificationStore(db, actor);
}
