/**
 * The one writer of the `notification` and `unit_line` tables: every change of a notification's state (ESMS status,
 * "à traiter", terminated) and of its unit lines goes through these statements, whoever asks for it — the
 * referent's actions (worklist/record-status.ts), flux 1 (a new notification, renewal and closure effects) and
 * flux 5 (statuses received). Statements are prepared once per connection; rows read back are parsed, not cast.
 * Callers own the transaction.
 */
import { z } from 'zod';
import { UNIT_CLOSED, UNIT_OPEN } from '@shared/domain/referent-actions';
import type { Db } from './database';

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
});

const unitLineRow = z.object({
  ror_unit_id: z.number(),
  status: z.string(),
  status_date: z.string(),
  motif: z.string().nullable(),
  request_date: z.string().nullable(),
});

const linkedRow = z.object({ id: z.number(), decision_id: z.number() });

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

function prepare(db: Db) {
  return {
    read: db.prepare(
      `SELECT n.id, n.decision_id, n.finess_eg, n.esms_status, n.esms_status_date, n.a_traiter, n.a_traiter_reason,
              n.terminated, d.validity_end
         FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?`,
    ),
    unitLines: db.prepare(
      `SELECT ror_unit_id, status, status_date, motif, request_date FROM unit_line WHERE notification_id = ? ORDER BY id`,
    ),
    openUnitLines: db.prepare(
      `SELECT ror_unit_id, status, status_date, motif, request_date FROM unit_line
        WHERE notification_id = ? AND status IN (${sqlList(UNIT_OPEN)}) ORDER BY id`,
    ),
    insertIfAbsent: db.prepare(
      `INSERT OR IGNORE INTO notification (decision_id, finess_eg, esms_status, terminated, created_at, updated_at)
       VALUES (@decisionId, @finessEg, '39', @terminated, @nowIso, @nowIso)`,
    ),
    /*
     * The one request-date rule: a 182 (a new request) starts the waiting time at its date — a 182 is only recorded
     * on a line that is new or closed; any other status keeps the line's request date, and a line that arrives past
     * 182 takes the request date it is given (a carried line's), else its status date.
     */
    upsertUnitLine: db.prepare(
      `INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, motif, request_date, updated_at)
       VALUES (@notificationId, @unitId, @status, @statusDate, @motif,
               CASE WHEN @status = '182' THEN @statusDate ELSE coalesce(@requestDate, @statusDate) END, @nowIso)
       ON CONFLICT (notification_id, ror_unit_id) DO UPDATE SET status = @status, status_date = @statusDate,
         motif = @motif,
         request_date = CASE
           WHEN @status = '182' THEN @statusDate
           WHEN unit_line.status IN (${sqlList(UNIT_CLOSED)}) THEN coalesce(@requestDate, @statusDate)
           ELSE coalesce(unit_line.request_date, @requestDate, @statusDate) END,
         updated_at = @nowIso`,
    ),
    setEsmsStatus: db.prepare(
      `UPDATE notification SET esms_status = @esmsStatus,
         esms_status_date = CASE WHEN @keepDate THEN esms_status_date ELSE @esmsStatusDate END,
         terminated = @terminated, updated_at = @nowIso WHERE id = @id`,
    ),
    markTerminated: db.prepare('UPDATE notification SET terminated = 1, updated_at = ? WHERE id = ?'),
    raiseATraiter: db.prepare(
      'UPDATE notification SET a_traiter = 1, a_traiter_reason = ?, updated_at = ? WHERE id = ?',
    ),
    clearATraiter: db.prepare(
      `UPDATE notification SET a_traiter = 0, a_traiter_reason = NULL, updated_at = @nowIso
        WHERE id = @id AND (@reasonPrefix IS NULL OR a_traiter_reason LIKE @reasonPrefix || '%')`,
    ),
    linkedNotifications: db.prepare(
      // CROSS JOIN fixes the join order (link → decision by id_decision → notification by decision): left to
      // itself the planner may scan every notification of the EG, which made flux 1 quadratic.
      `SELECT n.id, n.decision_id FROM decision_link l
         CROSS JOIN decision d ON d.id_decision = l.linked_id_decision AND d.id <> l.decision_id
         CROSS JOIN notification n ON n.decision_id = d.id AND n.finess_eg = ?
       WHERE l.decision_id = ? AND l.kind <> 'inconnu'`,
    ),
  };
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

export class NotificationStore {
  private readonly st: ReturnType<typeof prepare>;

  constructor(db: Db) {
    this.st = prepare(db);
  }

  read(id: number): StoredNotification | undefined {
    const row = this.st.read.get(id);
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
    };
  }

  unitLines(notificationId: number): StoredUnitLine[] {
    return this.st.unitLines.all(notificationId).map(parseLine);
  }

  openUnitLines(notificationId: number): StoredUnitLine[] {
    return this.st.openUnitLines.all(notificationId).map(parseLine);
  }

  /** Notifications of the same EG for the decisions this one revises, renews or closes. */
  linkedNotifications(decisionId: number, finessEg: string): { id: number; decisionId: number }[] {
    return this.st.linkedNotifications.all(finessEg, decisionId).map((row) => {
      const r = linkedRow.parse(row);
      return { id: r.id, decisionId: r.decision_id };
    });
  }

  /** A new notification ("Notification envoyée", 39) for a decision and EG; undefined when it already exists. */
  insertIfAbsent(p: { decisionId: number; finessEg: string; terminated: boolean; nowIso: string }): number | undefined {
    const result = this.st.insertIfAbsent.run({ ...p, terminated: p.terminated ? 1 : 0 });
    return result.changes === 1 ? Number(result.lastInsertRowid) : undefined;
  }

  upsertUnitLine(p: UnitLineWrite): void {
    this.st.upsertUnitLine.run({ ...p, requestDate: p.requestDate ?? null });
  }

  setEsmsStatus(p: EsmsStatusWrite): void {
    this.st.setEsmsStatus.run({
      id: p.id,
      esmsStatus: p.esmsStatus,
      keepDate: p.esmsStatusDate === undefined ? 1 : 0,
      esmsStatusDate: p.esmsStatusDate ?? null,
      terminated: p.terminated ? 1 : 0,
      nowIso: p.nowIso,
    });
  }

  markTerminated(id: number, nowIso: string): void {
    this.st.markTerminated.run(nowIso, id);
  }

  raiseATraiter(id: number, reason: string, nowIso: string): void {
    this.st.raiseATraiter.run(reason, nowIso, id);
  }

  /** Clears "à traiter" (only when its reason starts with `reasonPrefix`, if given); returns the rows changed. */
  clearATraiter(id: number, nowIso: string, reasonPrefix?: string): number {
    return this.st.clearATraiter.run({ id, nowIso, reasonPrefix: reasonPrefix ?? null }).changes;
  }
}

const stores = new WeakMap<Db, NotificationStore>();

/** The store of this connection (its statements are compiled once: flux 1 creates notifications by thousands). */
export function notificationStore(db: Db): NotificationStore {
  let store = stores.get(db);
  if (!store) {
    store = new NotificationStore(db);
    stores.set(db, store);
  }
  return store;
}
