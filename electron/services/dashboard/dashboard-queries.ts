import type { DashboardCounts } from '@shared/domain/dashboard';
import { UNIT_WAITING, addMonthsIso } from '@shared/domain/referent-actions';
import type { Db } from '../db/database';
import { sqlList } from '../db/notification-store';

/** The dashboard's figures, read from the database in one snapshot. */
export function readDashboardCounts(db: Db, today: string): DashboardCounts {
  const in3Months = addMonthsIso(today, 3);
  const read = db.transaction(() => {
    const one = (sql: string, ...params: unknown[]) =>
      (db
        .prepare(sql)
        .pluck()
        .get(...params) as number | null) ?? 0;
    const activeEgs = `SELECT finess_eg FROM geographic_entity WHERE local_activated = 1`;
    return {
      notificationsActive: one(
        `SELECT count(*) FROM notification WHERE terminated = 0 AND finess_eg IN (${activeEgs})`,
      ),
      notificationsATraiter: one(
        `SELECT count(*) FROM notification WHERE a_traiter = 1 AND finess_eg IN (${activeEgs})`,
      ),
      notificationsNonLues: one(
        `SELECT count(*) FROM notification WHERE esms_status = '39' AND terminated = 0 AND finess_eg IN (${activeEgs})`,
      ),
      waitingListEntries: one(
        `SELECT count(*) FROM unit_line u JOIN notification n ON n.id = u.notification_id
         WHERE u.status IN (${sqlList(UNIT_WAITING)}) AND n.terminated = 0 AND n.finess_eg IN (${activeEgs})`,
      ),
      usersInCare: one(
        `SELECT count(*) FROM unit_line u JOIN notification n ON n.id = u.notification_id
         WHERE u.status = '186' AND n.finess_eg IN (${activeEgs})`,
      ),
      validityEndingSoon: one(
        `SELECT count(*) FROM notification n JOIN decision d ON d.id = n.decision_id
         WHERE n.terminated = 0 AND d.validity_end >= ? AND d.validity_end < ? AND n.finess_eg IN (${activeEgs})`,
        today,
        in3Months,
      ),
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
