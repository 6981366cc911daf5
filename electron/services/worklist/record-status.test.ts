/**
 * recordStatus as the renewal carry-over uses it: Tasks dated the referent's local day (Europe/Paris, here at
 * 00:30 local while UTC is still the day before), the person's waiting-list seniority carried over, the new
 * notification rolled up.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localToday } from '@shared/domain/local-day';
import type { SqlDatabase } from '../db/sql/sql-database';
import { Journal } from '../journal/journal';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { carryOverRenewal } from './carry-over-renewal';
import { performAction } from './notification-actions';
import { recordStatus } from './record-status';
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

const ESAT = '010000011';

describe.each(TEST_BACKENDS)('renewal carry-over (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;
  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
  });
  afterEach(async () => {
    await store.close();
  });

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

  it('carry-over: Tasks dated the local day across midnight, request date kept, new notification rolled up', async () => {
    await seedWorklist(db, { count: 30, today: '2026-06-30' });
    const [oldId, newId] = (
      await db.all<{ id: number }>(
        "SELECT id FROM notification WHERE finess_eg = ? AND esms_status = '39' ORDER BY id LIMIT 2",
        [ESAT],
      )
    ).map((r) => r.id) as [number, number];
    const decisionOf = async (id: number) => {
      const d = await db.get<{ id: number; id_decision: string }>(
        'SELECT d.id, d.id_decision FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?',
        [id],
      );
      if (!d) throw new Error('seed');
      return d;
    };
    await db.run(
      "INSERT INTO decision_link (decision_id, linked_id_decision, linked_root, kind) VALUES (?, ?, '', 'renouvellement')",
      [(await decisionOf(newId)).id, (await decisionOf(oldId)).id_decision],
    );
    const unit = await db.value<number>("SELECT id FROM ror_unit WHERE id_ror = 'ROR-UNIT-ESAT-1'");
    const before = depsAt('2026-06-20T10:00:00Z');
    await performAction(before, {
      notificationId: oldId,
      action: 'demande-admission',
      date: '2026-05-04',
      unitId: unit,
    });
    await performAction(before, {
      notificationId: oldId,
      action: 'prononcer-admission',
      date: '2026-06-15',
      unitId: unit,
    });

    // 22:30 UTC on 30 June is 00:30 on 1 July in Paris (summer time).
    const result = await carryOverRenewal(depsAt('2026-06-30T22:30:00Z'), newId);

    expect(result.carriedLines).toBe(1);
    const events = await db.all(
      `SELECT notification_id, statut_esms, date_statut_esms, statut_unite, motif_unite, date_statut_unite
         FROM status_event WHERE id IN (SELECT status_event_id FROM outbox WHERE id IN (${result.outboxIds.join(',')}))
        ORDER BY id`,
    );
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
      await db.get('SELECT status, status_date, request_date FROM unit_line WHERE notification_id = ?', [newId]),
    ).toEqual({ status: '184', status_date: '2026-07-01', request_date: '2026-05-04' });
    expect(await db.get('SELECT esms_status, esms_status_date FROM notification WHERE id = ?', [newId])).toEqual({
      esms_status: '71',
      esms_status_date: '2026-07-01',
    });
    expect(await db.get('SELECT status, motif FROM unit_line WHERE notification_id = ?', [oldId])).toEqual({
      status: '180',
      motif: '136',
    });
  });

  it('records inside the caller’s transaction: the status, its outbox row and journal go or stay with it', async () => {
    await seedWorklist(db, { count: 3, today: '2026-06-30' });
    const id = await db.value<number>("SELECT id FROM notification WHERE esms_status = '39' ORDER BY id LIMIT 1");
    if (id === undefined) throw new Error('seed');
    const deps = depsAt('2026-06-30T10:00:00Z');
    const status = {
      notificationId: id,
      tasks: [
        {
          report: {
            idNatStruct: `1${ESAT}`,
            nomESMS: 'ESAT LES ATELIERS FICTIFS',
            idDecision: 'D',
            idNatDecision: 'N',
            statutESMS: '40',
            dateStatutESMS: '2026-06-30',
          },
        },
      ],
      action: 'Statut enregistré : test',
    };
    const written = async () =>
      Number(await db.value('SELECT count(*) FROM outbox')) +
      Number(await db.value('SELECT count(*) FROM journal')) +
      Number(await db.value("SELECT count(*) FROM notification WHERE id = ? AND esms_status = '40'", [id]));
    await expect(
      db.transaction(async (tx) => {
        await tx.run("UPDATE ror_unit SET name = 'renommée' WHERE id_ror = 'ROR-UNIT-ESAT-1'");
        await recordStatus(deps, status, tx);
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await written()).toBe(0);
    expect(await db.value("SELECT count(*) FROM ror_unit WHERE name = 'renommée'")).toBe(0);

    const recorded = await db.transaction((tx) => recordStatus(deps, status, tx));
    expect(recorded).toMatchObject({ esmsStatus: '40', terminated: false });
    expect(await db.get('SELECT notification_id, state FROM outbox WHERE id = ?', [recorded.outboxIds[0]])).toEqual({
      notification_id: id,
      state: 'pending',
    });
    expect(await written()).toBe(3);
  });
});
