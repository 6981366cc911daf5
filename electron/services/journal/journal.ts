/**
 * The journal: every user action and sync event, appended, readable in the Journal screen.
 * Callers pass record ids (notification id, idNat_Decision, FINESS), never names or birth dates.
 */
import type { JournalActor, JournalEntry, JournalOutcome } from '@shared/domain/journal';
import type { SqlExecutor } from '../db/sql/sql-database';

export interface JournalRecord {
  readonly actor: JournalActor;
  readonly action: string;
  readonly outcome: JournalOutcome;
  readonly recordType?: string;
  readonly recordId?: string | number;
  readonly detail?: string;
}

export interface JournalQuery {
  readonly limit: number;
  readonly beforeId?: number;
  readonly actor?: JournalActor;
  readonly outcome?: JournalOutcome;
}

interface JournalRow {
  id: number;
  at: string;
  actor: JournalActor;
  action: string;
  record_type: string | null;
  record_id: string | null;
  outcome: JournalOutcome;
  detail: string | null;
}

const INSERT_SQL = `INSERT INTO journal (at, actor, action, record_type, record_id, outcome, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`;

export class Journal {
  constructor(
    private readonly db: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Appends one entry and returns its id. Inside a transaction pass its `tx`: the entry then joins it (committed or
   * rolled back with the change it reports).
   */
  async append(record: JournalRecord, executor: SqlExecutor = this.db): Promise<number> {
    const id = await executor.value(INSERT_SQL, [
      this.now().toISOString(),
      record.actor,
      record.action,
      record.recordType ?? null,
      record.recordId === undefined ? null : String(record.recordId),
      record.outcome,
      record.detail ?? null,
    ]);
    return Number(id);
  }

  async list(query: JournalQuery): Promise<JournalEntry[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    if (query.actor) {
      where.push('actor = ?');
      params.push(query.actor);
    }
    if (query.outcome) {
      where.push('outcome = ?');
      params.push(query.outcome);
    }
    const sql =
      'SELECT id, at, actor, action, record_type, record_id, outcome, detail FROM journal' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY id DESC LIMIT ?';
    const rows = await this.db.all<JournalRow>(sql, [...params, query.limit]);
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      recordType: r.record_type,
      recordId: r.record_id,
      outcome: r.outcome,
      detail: r.detail,
    }));
  }
}
