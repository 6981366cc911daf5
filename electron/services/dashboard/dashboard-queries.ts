import type { DashboardCounts, NewSinceLastVisit } from '@shared/domain/dashboard';
import { UNIT_WAITING } from '@shared/domain/referent-actions';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { sqlList } from '../db/notification-store';
import { listWorklist, needsAction } from '../worklist/worklist-queries';
import { displayFamilyName } from '../worklist/labels';

/**
 * The dashboard's figures. Those about notifications are counted on the work list itself (same masking, same
 * rules), so each tile's figure is the number of rows the list shows when the tile opens it.
 */
export async function readDashboardCounts(db: SqlDatabase, today: string): Promise<DashboardCounts> {
  const listed = (await listWorklist(db, { showTerminated: false, sort: 'recu', direction: 'asc' }, today)).rows;
  return db.transaction(
    async (tx) => {
      const one = async (sql: string) => (await tx.value<number | null>(sql)) ?? 0;
      const activeEgs = `SELECT finess_eg FROM geographic_entity WHERE local_activated = 1`;
      return {
        notificationsActive: listed.length,
        notificationsATraiter: listed.filter(needsAction).length,
        notificationsNonLues: listed.filter((r) => r.unread).length,
        waitingListEntries: await one(
          `SELECT count(*) FROM unit_line u JOIN notification n ON n.id = u.notification_id
           WHERE u.status IN (${sqlList(UNIT_WAITING)}) AND n.terminated = 0 AND n.finess_eg IN (${activeEgs})`,
        ),
        usersInCare: listed.filter((r) => r.units.some((u) => u.status === '186')).length,
        validityEndingSoon: listed.filter((r) => r.validity === 'bientot').length,
        outboxPending: await one(`SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')`),
        outboxRejected: await one(`SELECT count(*) FROM outbox WHERE state = 'rejected'`),
        quarantined: await one(`SELECT count(*) FROM quarantine WHERE resolved_at IS NULL`),
        geographicEntitiesActive: await one(
          `SELECT count(*) FROM geographic_entity WHERE local_activated = 1 AND vt_activated = 1`,
        ),
        geographicEntitiesTotal: await one(`SELECT count(*) FROM geographic_entity`),
        lastSyncAt: (await tx.value<string | null>(`SELECT max(finished_at) FROM sync_run`)) ?? null,
      };
    },
    { readOnly: true },
  );
}

const LAST_VISIT_SETTING = 'dashboard.lastVisitAt';

/** Records a visit (the app was opened) and returns the previous one, in one step. */
export function startVisit(db: SqlExecutor, nowIso: string): Promise<{ previousVisitAt: string | null }> {
  return db.transaction(async (tx) => {
    const previous = await tx.value<string>('SELECT value FROM setting WHERE key = ?', [LAST_VISIT_SETTING]);
    await tx.run(
      'INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [LAST_VISIT_SETTING, nowIso],
    );
    return { previousVisitAt: previous ?? null };
  });
}

interface LatestRow {
  id: number;
  family_name: string;
  used_family_name: string | null;
  givenNames: string;
  egName: string;
}

/** What arrived after `since` (everything when null), for the activated EGs. */
export function readNewSince(db: SqlExecutor, since: string | null): Promise<NewSinceLastVisit> {
  const from = since ?? '';
  const notifications = `FROM notification n JOIN geographic_entity g ON g.finess_eg = n.finess_eg`;
  const isNew = `g.local_activated = 1 AND n.created_at > ?`;
  return db.transaction(
    async (tx) => ({
      since,
      notifications: (await tx.value<number>(`SELECT count(*) ${notifications} WHERE ${isNew}`, [from])) ?? 0,
      latest: (
        await tx.all<LatestRow>(
          `SELECT n.id, p.family_name, p.used_family_name, p.given_names AS "givenNames", g.name AS "egName"
             ${notifications} JOIN decision d ON d.id = n.decision_id JOIN person p ON p.id = d.person_id
            WHERE ${isNew} ORDER BY n.id DESC LIMIT 5`,
          [from],
        )
      ).map((row) => ({
        id: row.id,
        familyName: displayFamilyName(row.family_name, row.used_family_name),
        givenNames: row.givenNames,
        egName: row.egName,
      })),
      statusesReceived:
        (await tx.value<number>(
          `SELECT count(*) FROM status_event e JOIN notification n ON n.id = e.notification_id
             JOIN geographic_entity g ON g.finess_eg = n.finess_eg
            WHERE e.origin = 'vt' AND g.local_activated = 1 AND e.created_at > ?`,
          [from],
        )) ?? 0,
      rejected:
        (await tx.value<number>(`SELECT count(*) FROM outbox WHERE state = 'rejected' AND created_at > ?`, [from])) ??
        0,
    }),
    { readOnly: true },
  );
}
