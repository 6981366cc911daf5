/**
 * Actions taken while the organisation's server could not be reached (docs/decisions.md §16): kept in the
 * snapshot's `offline_action` table with the notification version the referent saw, then replayed on the
 * organisation's store through the very code that records them online (performAction, recordConsent), with that
 * version: the concurrency check (NOTIFICATION_CHANGED) refuses an action on a notification someone changed in the
 * meantime, and the action stays listed as a conflict with the French message. The same check makes a replay
 * interrupted after the organisation committed harmless: the second attempt sees its own change and is refused,
 * never recorded twice.
 */
import type { OfflineAction, OfflineActionState } from '@shared/ipc/channels/organisation-channels';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { SqlExecutor } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import { createLogger } from '../logging/logger';

const log = createLogger('organisation');

/** The concurrency check's refusal (announced by the concurrency work of issue 15). */
export const CONFLICT_CODE = 'NOTIFICATION_CHANGED';

/** Failures that say nothing about the action itself: the replay stops, the action waits for the next one. */
const NOT_A_REFUSAL: ReadonlySet<string> = new Set([
  'DB_SERVER_UNREACHABLE',
  'DB_AUTH_REFUSED',
  'DB_TLS_REFUSED',
  'ORG_UNAVAILABLE',
  'INTERNAL',
]);

export type OfflineActionKind = 'statut' | 'accord';

export interface OfflineRequest {
  readonly notificationId: number;
  readonly seenVersion?: number;
  readonly [field: string]: unknown;
}

interface ActionRow {
  id: number;
  kind: OfflineActionKind;
  notification_id: number;
  request_json: string;
  seen_version: number | null;
  summary: string;
  state: OfflineActionState;
  message: string | null;
  created_at: string;
  replayed_at: string | null;
}

/** The organisation's recording path, as the replay calls it: the app's own handlers, or the same code on a fresh connection. */
export interface ReplayTarget {
  performAction(request: OfflineRequest): Promise<unknown>;
  recordConsent(request: OfflineRequest): Promise<unknown>;
  /** The organisation's journal. */
  readonly journal: Journal;
  /** The notification's current version in the organisation (undefined without row versions). */
  versionOf(notificationId: number): Promise<number | undefined>;
}

export interface ReplayReport {
  readonly replayed: number;
  readonly conflicts: number;
  readonly refused: number;
}

/** The version of the notification in the snapshot (undefined before the row version existed). */
async function snapshotVersion(snapshot: SqlExecutor, notificationId: number): Promise<number | undefined> {
  const hasColumn = await snapshot.value<number>(
    "SELECT count(*) FROM pragma_table_info('notification') WHERE name = 'row_version'",
  );
  if (!hasColumn) return undefined;
  const version = await snapshot.value<number>('SELECT row_version FROM notification WHERE id = ?', [notificationId]);
  return version === undefined || version === null ? undefined : Number(version);
}

/** Keeps an action for the organisation; the version seen is the referent's, else the snapshot's. */
export async function queueOfflineAction(
  snapshot: SqlExecutor,
  action: { kind: OfflineActionKind; request: OfflineRequest; summary: string },
  now: Date,
): Promise<OfflineAction> {
  const exists = await snapshot.value('SELECT 1 FROM notification WHERE id = ?', [action.request.notificationId]);
  if (!exists) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  const { seenVersion, ...request } = action.request;
  const seen = seenVersion ?? (await snapshotVersion(snapshot, action.request.notificationId));
  const id = await snapshot.value<number>(
    `INSERT INTO offline_action (kind, notification_id, request_json, seen_version, summary, created_at)
     VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
    [
      action.kind,
      action.request.notificationId,
      JSON.stringify(request),
      seen ?? null,
      action.summary,
      now.toISOString(),
    ],
  );
  const row = await snapshot.get<ActionRow>('SELECT * FROM offline_action WHERE id = ?', [Number(id)]);
  return toDto(row!);
}

/** Actions still to show: waiting, or not replayed (conflict, refusal) until the referent sets them aside. */
export async function listOfflineActions(snapshot: SqlExecutor): Promise<OfflineAction[]> {
  const rows = await snapshot.all<ActionRow>(
    "SELECT * FROM offline_action WHERE state IN ('en-attente', 'conflit', 'refusée') ORDER BY id",
  );
  return rows.map(toDto);
}

/** The referent has read a conflict or a refusal: it leaves the list (kept in the table, state « écartée »). */
export async function dismissOfflineAction(snapshot: SqlExecutor, id: number): Promise<void> {
  const result = await snapshot.run(
    "UPDATE offline_action SET state = 'écartée' WHERE id = ? AND state IN ('conflit', 'refusée')",
    [id],
  );
  if (result.changes === 0) {
    throw new AppError('NOT_FOUND', 'Cette action hors ligne n’est pas en conflit ni refusée : rien à écarter.');
  }
}

/**
 * Replays the waiting actions in the order they were taken, each on its own: a conflict or a refusal stays listed
 * and the next one is tried. A connection lost midway stops the replay: what is left waits for the next one.
 */
export async function replayOfflineActions(
  snapshot: SqlExecutor,
  target: ReplayTarget,
  now: () => Date,
): Promise<ReplayReport> {
  const waiting = await snapshot.all<ActionRow>("SELECT * FROM offline_action WHERE state = 'en-attente' ORDER BY id");
  let replayed = 0;
  let conflicts = 0;
  let refused = 0;
  /**
   * Several actions kept offline on one notification all saw the same version; once the first is replayed, the
   * next ones stand on it: they are checked against the version it left, not against the one they saw.
   */
  const advanced = new Map<number, { seen: number; now: number }>();
  for (const row of waiting) {
    const notificationId = Number(row.notification_id);
    let seen = row.seen_version === null ? undefined : Number(row.seen_version);
    const chained = advanced.get(notificationId);
    if (seen !== undefined && chained?.seen === seen) seen = chained.now;
    const request: OfflineRequest = {
      ...(JSON.parse(row.request_json) as OfflineRequest),
      ...(seen !== undefined ? { seenVersion: seen } : {}),
    };
    let state: OfflineActionState = 'rejouée';
    let message: string | null = null;
    try {
      if (row.kind === 'statut') await target.performAction(request);
      else await target.recordConsent(request);
      replayed++;
      const after = seen === undefined ? undefined : await target.versionOf(notificationId);
      if (seen !== undefined && after !== undefined) {
        advanced.set(notificationId, { seen: Number(row.seen_version), now: after });
      }
    } catch (e) {
      // Not a refusal of this action (server lost again, bug): it waits for the next replay.
      if (!isAppError(e) || NOT_A_REFUSAL.has(e.code)) throw e;
      state = e.code === CONFLICT_CODE ? 'conflit' : 'refusée';
      message = e.message;
      if (state === 'conflit') conflicts++;
      else refused++;
    }
    await snapshot.run('UPDATE offline_action SET state = ?, message = ?, replayed_at = ? WHERE id = ?', [
      state,
      message,
      now().toISOString(),
      row.id,
    ]);
    await target.journal
      .append({
        actor: 'utilisateur',
        action:
          state === 'rejouée'
            ? `Action hors ligne rejouée : ${row.summary}`
            : state === 'conflit'
              ? `Action hors ligne non rejouée (conflit) : ${row.summary}`
              : `Action hors ligne refusée : ${row.summary}`,
        recordType: 'notification',
        recordId: row.notification_id,
        outcome: state === 'rejouée' ? 'succès' : 'échec',
        detail: `Prise hors ligne le ${row.created_at}${message ? ` — ${message}` : ''}`,
      })
      .catch((e: unknown) => log.error('Rejeu hors ligne non consigné au journal', e));
  }
  return { replayed, conflicts, refused };
}

function toDto(row: ActionRow): OfflineAction {
  return {
    id: Number(row.id),
    kind: row.kind,
    notificationId: Number(row.notification_id),
    summary: row.summary,
    state: row.state,
    createdAt: row.created_at,
    ...(row.message ? { message: row.message } : {}),
  };
}
