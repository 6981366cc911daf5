/**
 * recordStatus as the renewal carry-over uses it: Tasks dated the referent's local day (Europe/Paris, here at
 * 00:30 local while UTC is still the day before), the person's waiting-list seniority carried over, the new
 * notification rolled up.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { localToday } from '@shared/domain/local-day';
import { openDatabase, type Db } from '../db/database';
import { Journal } from '../journal/journal';
import { makeTempDir } from '../testing/temp-dir';
import { carryOverRenewal } from './carry-over-renewal';
import { performAction } from './notification-actions';
import { DEFAULT_SDO_CONTEXT } from '../fhir';
import { seedWorklist } from './testing/worklist-seed';

let previousTz: string | undefined;
beforeAll(() => {
  previousTz = process.env['TZ'];
  process.env['TZ'] = 'Europe/Paris';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = previousTz;
});

let tmp: ReturnType<typeof makeTempDir>;
let db: Db;
beforeEach(() => {
  tmp = makeTempDir();
  db = openDatabase({ file: path.join(tmp.dir, 'r.db'), key: crypto.randomBytes(32) });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const ESAT = '010000011';

function depsAt(instant: string) {
  const now = () => new Date(instant);
  return {
    db,
    journal: new Journal(db, now),
    now,
    today: () => localToday(now()),
    sdo: () => DEFAULT_SDO_CONTEXT,
  };
}

it('carry-over: Tasks dated the local day across midnight, request date kept, new notification rolled up', () => {
  seedWorklist(db, { count: 30, today: '2026-06-30' });
  const [oldId, newId] = db
    .prepare("SELECT id FROM notification WHERE finess_eg = ? AND esms_status = '39' ORDER BY id LIMIT 2")
    .pluck()
    .all(ESAT) as [number, number];
  const decisionOf = (id: number) =>
    db
      .prepare('SELECT d.id, d.id_decision FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?')
      .get(id) as { id: number; id_decision: string };
  db.prepare(
    "INSERT INTO decision_link (decision_id, linked_id_decision, linked_root, kind) VALUES (?, ?, '', 'renouvellement')",
  ).run(decisionOf(newId).id, decisionOf(oldId).id_decision);
  const unit = db.prepare("SELECT id FROM ror_unit WHERE id_ror = 'ROR-UNIT-ESAT-1'").pluck().get() as number;
  const before = depsAt('2026-06-20T10:00:00Z');
  performAction(before, { notificationId: oldId, action: 'demande-admission', date: '2026-05-04', unitId: unit });
  performAction(before, { notificationId: oldId, action: 'prononcer-admission', date: '2026-06-15', unitId: unit });

  // 22:30 UTC on 30 June is 00:30 on 1 July in Paris (summer time).
  const result = carryOverRenewal(depsAt('2026-06-30T22:30:00Z'), newId);

  expect(result.carriedLines).toBe(1);
  const events = db
    .prepare(
      `SELECT notification_id, statut_esms, date_statut_esms, statut_unite, motif_unite, date_statut_unite
         FROM status_event WHERE id IN (SELECT status_event_id FROM outbox WHERE id IN (${result.outboxIds.join(',')}))
        ORDER BY id`,
    )
    .all();
  expect(events).toEqual([
    {
      notification_id: oldId,
      statut_esms: null,
      date_statut_esms: null,
      statut_unite: '180',
      motif_unite: '136',
      date_statut_unite: '2026-07-01',
    },
    {
      notification_id: newId,
      statut_esms: '71',
      date_statut_esms: '2026-07-01',
      statut_unite: '184',
      motif_unite: null,
      date_statut_unite: '2026-07-01',
    },
  ]);
  expect(
    db.prepare('SELECT status, status_date, request_date FROM unit_line WHERE notification_id = ?').get(newId),
  ).toEqual({ status: '184', status_date: '2026-07-01', request_date: '2026-05-04' });
  expect(db.prepare('SELECT esms_status, esms_status_date FROM notification WHERE id = ?').get(newId)).toEqual({
    esms_status: '71',
    esms_status_date: '2026-07-01',
  });
  expect(db.prepare('SELECT status, motif FROM unit_line WHERE notification_id = ?').get(oldId)).toEqual({
    status: '180',
    motif: '136',
  });
});
