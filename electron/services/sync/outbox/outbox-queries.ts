/**
 * What the Synchronisation screen shows and lets the referent do with the outbox: list with the statuses carried
 * and the server's refusal, retry a rejected item, abandon one that must not leave. Quarantined items likewise.
 */
import type { OutboxItemDto, OutboxState } from '@shared/domain/sync';
import { AppError } from '@shared/errors/app-error';
import type { SqlExecutor } from '../../db/sql/sql-database';
import { readStatusReport } from '../../fhir';

interface OutboxListRow {
  id: number;
  kind: 'task.create' | 'consent.create';
  notification_id: number | null;
  finess_eg: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string | null;
  last_error_json: string | null;
  payload_json: string;
  created_at: string;
  sent_at: string | null;
}

const COLUMNS =
  'id, kind, notification_id, finess_eg, state, attempts, next_attempt_at, last_error_json, payload_json, created_at, sent_at';

function toDto(row: OutboxListRow): OutboxItemDto {
  let statutESMS: string | null = null;
  let statutUnite: string | null = null;
  if (row.kind === 'task.create') {
    try {
      const report = readStatusReport(JSON.parse(row.payload_json));
      statutESMS = report.statutESMS ?? null;
      statutUnite = report.statutUnite ?? null;
    } catch {
      // An unreadable payload still shows in the list, without its codes.
    }
  }
  const error = row.last_error_json
    ? (JSON.parse(row.last_error_json) as { code: string; message: string; detail?: string })
    : null;
  return {
    id: row.id,
    kind: row.kind,
    notificationId: row.notification_id,
    finessEg: row.finess_eg,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    statutESMS,
    statutUnite,
    lastError: error
      ? { code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) }
      : null,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export async function listOutbox(
  db: SqlExecutor,
  options: { states?: readonly OutboxState[]; limit: number },
): Promise<OutboxItemDto[]> {
  const states = options.states?.length ? options.states : undefined;
  const sql =
    `SELECT ${COLUMNS} FROM outbox` +
    (states ? ` WHERE state IN (${states.map(() => '?').join(', ')})` : '') +
    ' ORDER BY id DESC LIMIT ?';
  return (await db.all<OutboxListRow>(sql, [...(states ?? []), options.limit])).map(toDto);
}

async function getOutboxItem(db: SqlExecutor, id: number): Promise<OutboxItemDto> {
  const row = await db.get<OutboxListRow>(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`, [id]);
  if (!row) throw new AppError('OUTBOX_ITEM_NOT_FOUND', 'Cet envoi n’existe plus.');
  return toDto(row);
}

/** A rejected or abandoned item goes back to the queue; it leaves at the next sync, with the same identifier. */
export async function retryOutboxItem(db: SqlExecutor, id: number): Promise<OutboxItemDto> {
  const item = await getOutboxItem(db, id);
  if (item.state !== 'rejected' && item.state !== 'abandoned') {
    throw new AppError('ACTION_NOT_ALLOWED', 'Seul un envoi rejeté ou abandonné peut être relancé.');
  }
  await db.run("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL WHERE id = ?", [id]);
  return getOutboxItem(db, id);
}

/** The item will not be sent; it stays listed (traceability), never deleted. */
export async function abandonOutboxItem(db: SqlExecutor, id: number): Promise<OutboxItemDto> {
  const item = await getOutboxItem(db, id);
  if (item.state === 'sent' || item.state === 'in_flight') {
    throw new AppError('ACTION_NOT_ALLOWED', 'Un envoi déjà transmis ou en cours ne peut pas être abandonné.');
  }
  await db.run("UPDATE outbox SET state = 'abandoned', next_attempt_at = NULL WHERE id = ?", [id]);
  return getOutboxItem(db, id);
}
