/**
 * Optimistic concurrency on a notification (issue 15): an action carries the version the referent saw
 * (`seenVersion`, NotificationDetail.version); inside the transaction that records it, the notification row is
 * locked (PostgreSQL: two referents' transactions then run one after the other and the second reads what the first
 * committed; SQLite's write transaction already excludes every other writer) and its version compared. When it
 * moved, the action is refused with a message telling what changed, by whom and when (notification_change, written
 * by notification-store.ts), and its transaction rolls back: nothing is queued.
 */
import { AppError } from '@shared/errors/app-error';
import type { SqlExecutor } from '../db/sql/sql-database';
import { esmsStatusLabel, unitStatusLabel } from './labels';

interface ChangeRow {
  row_version: number;
  kind: 'esms' | 'unit' | 'a_traiter' | 'traitee' | 'terminated';
  actor: string;
  author: string | null;
  changed_at: string;
  ror_unit_id: number | null;
  unit_name: string | null;
  value_before: string | null;
  value_after: string | null;
}

/**
 * Locks the notification's row for the rest of the transaction `tx` (PostgreSQL) and returns its version; throws
 * NOT_FOUND when it does not exist (or is not the connected referent's).
 */
export async function lockNotification(tx: SqlExecutor, notificationId: number): Promise<number> {
  const version = await tx.value<number>(
    `SELECT row_version FROM notification WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
    [notificationId],
  );
  if (version === undefined) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
  return Number(version);
}

/**
 * In the transaction that will record the referent's action: locks the notification and, when the referent's
 * `seenVersion` is given, refuses the action (NOTIFICATION_CHANGED) if the notification changed since. Callers
 * with nothing seen (the sync, status forcing) pass undefined: the row is still locked, nothing compared.
 */
export async function assertNotificationUnchanged(
  tx: SqlExecutor,
  notificationId: number,
  seenVersion: number | undefined,
): Promise<void> {
  const current = await lockNotification(tx, notificationId);
  if (seenVersion === undefined || seenVersion === current) return;
  throw new AppError(
    'NOTIFICATION_CHANGED',
    await describeChangesSince(tx, notificationId, seenVersion),
    `version vue ${seenVersion}, version actuelle ${current}`,
  );
}

const quoted = (text: string) => `« ${text} »`;

function byWhom(rows: readonly ChangeRow[]): string {
  const names = new Set<string>();
  for (const r of rows) {
    if (r.actor === 'synchronisation') names.add('la synchronisation avec ViaTrajectoire');
    else if (r.actor === 'système') names.add('Référent VT');
    else names.add(r.author ?? 'un autre référent');
  }
  const list = [...names];
  return list.length <= 1 ? (list[0] ?? 'un autre référent') : `${list.slice(0, -1).join(', ')} et ${list.at(-1)}`;
}

function when(iso: string): string {
  const d = new Date(iso);
  const day = d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
  const time = d.toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
  return `le ${day} à ${time}`;
}

const esmsWords = (code: string | null) => (code ? quoted(esmsStatusLabel(code) ?? code) : 'aucun');
const unitWords = (code: string | null) => (code ? quoted(unitStatusLabel(code) ?? code) : 'aucune position');

/**
 * What changed on the notification after version `seenVersion`, in French: the ESMS status and each unit line
 * from what the referent saw to what it is now, the "à traiter" mark, by whom and when (the last change).
 */
export async function describeChangesSince(
  db: SqlExecutor,
  notificationId: number,
  seenVersion: number,
): Promise<string> {
  const rows = await db.all<ChangeRow>(
    `SELECT c.row_version, c.kind, c.actor, c.author, c.changed_at, c.ror_unit_id, r.name AS unit_name,
            c.value_before, c.value_after
       FROM notification_change c LEFT JOIN ror_unit r ON r.id = c.ror_unit_id
      WHERE c.notification_id = ? AND c.row_version > ?
      ORDER BY c.row_version, c.id`,
    [notificationId, seenVersion],
  );
  const now = await db.get<{ esms_status: string }>('SELECT esms_status FROM notification WHERE id = ?', [
    notificationId,
  ]);
  const lines = new Map(
    (
      await db.all<{ ror_unit_id: number; status: string }>(
        'SELECT ror_unit_id, status FROM unit_line WHERE notification_id = ? ORDER BY id',
        [notificationId],
      )
    ).map((l) => [Number(l.ror_unit_id), l.status]),
  );
  const changes: string[] = [];
  const firstEsms = rows.find((r) => r.kind === 'esms');
  if (firstEsms && now && firstEsms.value_before !== now.esms_status) {
    changes.push(`statut ESMS ${esmsWords(firstEsms.value_before)} → ${esmsWords(now.esms_status)}`);
  }
  const units = new Map<number, ChangeRow>();
  for (const r of rows) {
    if (r.kind === 'unit' && r.ror_unit_id !== null && !units.has(Number(r.ror_unit_id))) {
      units.set(Number(r.ror_unit_id), r);
    }
  }
  for (const [unitId, first] of units) {
    const after = lines.get(unitId) ?? null;
    if (first.value_before === after) continue;
    changes.push(
      `unité ${quoted(first.unit_name ?? `n° ${unitId}`)} : ${unitWords(first.value_before)} → ${unitWords(after)}`,
    );
  }
  const terminated = rows.filter((r) => r.kind === 'terminated').at(-1);
  if (terminated && terminated.value_after === '1') changes.push('notification terminée');
  const mark = rows.filter((r) => r.kind === 'a_traiter' || r.kind === 'traitee').at(-1);
  if (mark?.kind === 'a_traiter') changes.push(`marquée « à traiter » (${mark.value_after ?? ''})`);
  else if (mark?.kind === 'traitee') changes.push('marquée comme traitée');
  const last = rows.at(-1);
  const who = last ? `${byWhom(rows)} ${when(last.changed_at)}` : 'un autre référent ou la synchronisation';
  const what = changes.length > 0 ? changes.join(' ; ') : 'ses informations ont été mises à jour';
  return (
    `Cette notification a été modifiée par ${who} pendant que vous la consultiez : ${what}. ` +
    'Rien n’a été enregistré ni envoyé : vérifiez la notification à jour puis refaites votre choix.'
  );
}
