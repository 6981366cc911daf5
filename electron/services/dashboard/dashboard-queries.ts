import type { DashboardCounts, NewSinceLastVisit } from '@shared/domain/dashboard';
import { UNIT_WAITING } from '@shared/domain/referent-actions';
import type { Db } from '../db/database';
import { sqlList } from '../db/notification-store';
import { listWorklist, needsAction } from '../worklist/worklist-queries';
import { displayFamilyName } from '../worklist/labels';

/**
 * The dashboard's figures. Those about notifications are counted on the work list itself (same masking, same
 * rules), so each tile's figure is the number of rows the list shows when the tile opens it.
 */
export function readDashboardCounts(db: Db, today: string): DashboardCounts {
  const listed = listWorklist(db, { showTerminated: false, sort: 'recu', direction: 'asc' }, today).rows;
  const read = db.transaction(() => {
    const one = (sql: string, ...params: unknown[]) =>
      (db
        .prepare(sql)
        .pluck()
        .get(...params) as number | null) ?? 0;
    const activeEgs = `SELECT finess_eg FROM geographic_entity WHERE local_activated = 1`;
    return {
      notificationsActive: listed.length,
      notificationsATraiter: listed.filter(needsAction).length,
      notificationsNonLues: listed.filter((r) => r.unread).length,
      waitingListEntries: one(
        `SELECT count(*) FROM unit_line u JOIN notification n ON n.id = u.notification_id
         WHERE u.status IN (${sqlList(UNIT_WAITING)}) AND n.terminated = 0 AND n.finess_eg IN (${activeEgs})`,
      ),
      usersInCare: listed.filter((r) => r.units.some((u) => u.status === '186')).length,
      validityEndingSoon: listed.filter((r) => r.validity === 'bientot').length,
      outboxPending: one(`SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')`),
      outboxRejected: one(`SELECT count(*) FROM outbox WHERE state = 'rejected'`),
      quarantined: one(`SELECT count(*) FROM quarantine WHERE resolved_at IS NULL`),
      geographicEntitiesActive: one(
        `SELECT count(*) FROM geographic_entity WHERE local_activated = 1 AND vt_activated = 1`,
      ),
      geographicEntitiesTotal: one(`SELECT count(*) FROM geographic_entity`),
      lastSyncAt: (db.prepare(`SELECT max(finished_at) FROM sync_run`).pluck().get() as string | null) ?? null,
    };
  });
  return read.deferred();
}

const LAST_VISIT_SETTING = 'dashboard.lastVisitAt';

/** Records a visit (the app was opened) and returns the previous one, in one step. */
export function startVisit(db: Db, nowIso: string): { previousVisitAt: string | null } {
  return db.transaction(() => {
    const previous = db.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(LAST_VISIT_SETTING) as
      string | undefined;
    db.prepare(
      'INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(LAST_VISIT_SETTING, nowIso);
    return { previousVisitAt: previous ?? null };
  })();
}

interface LatestRow {
  id: number;
  family_name: string;
  used_family_name: string | null;
  givenNames: string;
  egName: string;
}

/** What arrived after `since` (everything when null), for the activated EGs. */
export function readNewSince(db: Db, since: string | null): NewSinceLastVisit {
  const from = since ?? '';
  const read = db.transaction(() => {
    const notifications = `FROM notification n JOIN geographic_entity g ON g.finess_eg = n.finess_eg`;
    const isNew = `g.local_activated = 1 AND n.created_at > ?`;
    return {
      since,
      notifications: db.prepare(`SELECT count(*) ${notifications} WHERE ${isNew}`).pluck().get(from) as number,
      latest: db
        .prepare(
          `SELECT n.id, p.family_name, p.used_family_name, p.given_names AS givenNames, g.name AS egName
             ${notifications} JOIN decision d ON d.id = n.decision_id JOIN person p ON p.id = d.person_id
            WHERE ${isNew} ORDER BY n.id DESC LIMIT 5`,
        )
        .all(from)
        .map((r) => {
          const row = r as LatestRow;
          return { ...row, familyName: displayFamilyName(row.family_name, row.used_family_name) };
        })
        .map(({ id, familyName, givenNames, egName }) => ({ id, familyName, givenNames, egName })),
      statusesReceived: db
        .prepare(
          `SELECT count(*) FROM status_event e JOIN notification n ON n.id = e.notification_id
             JOIN geographic_entity g ON g.finess_eg = n.finess_eg
            WHERE e.origin = 'vt' AND g.local_activated = 1 AND e.created_at > ?`,
        )
        .pluck()
        .get(from) as number,
      rejected: db
        .prepare(`SELECT count(*) FROM outbox WHERE state = 'rejected' AND created_at > ?`)
        .pluck()
        .get(from) as number,
    };
  });
  return read.deferred();
}
