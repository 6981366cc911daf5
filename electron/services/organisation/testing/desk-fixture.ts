/**
 * A desk's store as a referent's work leaves it, built from the fake generators only (persons TESTFICTIF…, see
 * cda/fake): the seeded work list, statuses the referent recorded through the real action path (status events,
 * outbox, journal), statuses received from ViaTrajectoire, consents, evaluations, sync cursors and quarantine.
 */
import { DEFAULT_SDO_CONTEXT } from '../../fhir';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { Journal } from '../../journal/journal';
import { performAction } from '../../worklist/notification-actions';
import { seedWorklist, SEED_EGS } from '../../worklist/testing/worklist-seed';

export const FIXTURE_TODAY = '2026-06-30';

export interface DeskFixtureOptions {
  readonly count: number;
  readonly seed?: number;
  /** Every n-th seeded notification still at "Notification envoyée" gets "Contact effectué" recorded. */
  readonly contactEvery?: number;
  /** The instant the referent's actions are recorded at. */
  readonly actionsAt?: string;
}

export async function seedDesk(db: SqlDatabase, options: DeskFixtureOptions): Promise<{ notificationIds: number[] }> {
  const seeded = await seedWorklist(db, { count: options.count, today: FIXTURE_TODAY, seed: options.seed ?? 7 });
  const now = () => new Date(options.actionsAt ?? `${FIXTURE_TODAY}T09:00:00.000Z`);
  const deps = { db, journal: new Journal(db, now), now, today: () => FIXTURE_TODAY, sdo: () => DEFAULT_SDO_CONTEXT };
  const untouched = await db.all<{ id: number }>("SELECT id FROM notification WHERE esms_status = '39' ORDER BY id");
  const every = options.contactEvery ?? 2;
  for (const [i, { id }] of untouched.entries()) {
    if (i % every !== 0) continue;
    await performAction(deps, { notificationId: id, action: 'contact-effectue', date: '2026-06-15', motif: '150' });
  }
  await addReceivedStatuses(db, options.seed ?? 7);
  await addConsentsAndEvaluations(db);
  await addSyncState(db, options.seed ?? 7);
  return seeded;
}

/** Statuses ViaTrajectoire returned (flux 5): one per waiting-list notification, with its Task id. */
async function addReceivedStatuses(db: SqlDatabase, seed: number): Promise<void> {
  await db.transaction(async (tx) => {
    const waiting = await tx.all<{ id: number; id_nat_decision: string }>(
      `SELECT n.id, d.id_nat_decision FROM notification n JOIN decision d ON d.id = n.decision_id
        WHERE n.esms_status = '42' ORDER BY n.id`,
    );
    for (const n of waiting) {
      await tx.run(
        `INSERT INTO status_event (notification_id, origin, task_id, emitter_id_nat, statut_esms, date_statut_esms,
           server_last_updated, created_at) VALUES (?, 'vt', ?, '1750000001', '40', '2026-05-02', ?, ?)`,
        [n.id, `task-${seed}-${n.id_nat_decision}`, '2026-05-02T10:00:00Z', '2026-05-02T10:00:05.000Z'],
      );
    }
  });
}

async function addConsentsAndEvaluations(db: SqlDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    const some = await tx.all<{ decision_id: number; finess_eg: string }>(
      "SELECT decision_id, finess_eg FROM notification WHERE esms_status = '41' ORDER BY id",
    );
    for (const [i, n] of some.entries()) {
      if (i % 5 === 0) {
        await tx.run(
          `INSERT INTO consent (decision_id, finess_eg, collected_on, created_at) VALUES (?, ?, '2026-06-01', ?)
           ON CONFLICT DO NOTHING`,
          [n.decision_id, n.finess_eg, '2026-06-01T08:00:00.000Z'],
        );
      }
      if (i % 7 === 0) {
        await tx.run(
          `INSERT INTO evaluation (decision_id, finess_eg, parsed_json, raw_cda, fetched_at)
           VALUES (?, ?, '{"fictive":true}', '<ClinicalDocument/>', ?) ON CONFLICT DO NOTHING`,
          [n.decision_id, n.finess_eg, '2026-06-02T08:00:00.000Z'],
        );
      }
    }
  });
}

async function addSyncState(db: SqlDatabase, seed: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (const [i, eg] of SEED_EGS.entries()) {
      for (const flow of ['flux1', 'flux5'] as const) {
        await tx.run(
          'INSERT INTO sync_cursor (finess_eg, flow, cursor, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [eg.finessEg, flow, `2026-06-${String(20 + ((i + seed) % 9)).padStart(2, '0')}T00:00:00Z`, '2026-06-29'],
        );
      }
    }
    await tx.run(
      `INSERT INTO quarantine (finess_eg, flow, resource_id, reason, created_at, kind, rule, last_seen_at)
       VALUES (?, 'flux1', ?, 'CDA illisible', '2026-06-10T08:00:00.000Z', 'quarantaine', 'cda-illisible',
               '2026-06-10T08:00:00.000Z')`,
      [SEED_EGS[0].finessEg, `dr-broken-${seed}`],
    );
    await tx.run(
      `INSERT INTO sync_gap (finess_eg, flow, missing_from, missing_to, detected_at)
       VALUES (?, 'flux1', '2026-04-01', '2026-04-20', '2026-05-21T08:00:00.000Z')`,
      [SEED_EGS[1].finessEg],
    );
  });
}
