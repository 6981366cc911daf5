/** Cleanup findings on generated fake data in a real store (each test backend): what must be found, and what must not. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { computeCleanup, readStaleDays, writeStaleDays } from './cleanup-findings';

const TODAY = '2025-06-01';

describe.each(TEST_BACKENDS)('cleanup assistant (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;
  let seq = 0;
  let unitId = 0;
  const ids: Record<string, number> = {};

  async function insertId(sql: string, params: unknown[]): Promise<number> {
    const id = await db.value<number>(`${sql} RETURNING id`, params);
    if (id === undefined) throw new Error('insertion sans id');
    return Number(id);
  }

  async function person(name: string, birth: string | null, ins: string | null = null): Promise<number> {
    seq++;
    return insertId(
      `INSERT INTO person (mdph_oid, mdph_individual_id, ins, family_name, given_names, birth_date, search_text,
         updated_at) VALUES ('1.2.250.1.213.7.1', ?, ?, ?, 'Fictif', ?, '', ?)`,
      [`IND-${seq}`, ins, name, birth, TODAY],
    );
  }

  async function notification(
    personId: number,
    d: { idDecision: string; category: string; start: string; end: string },
    esms = '39',
    line?: { status: string; date: string },
  ): Promise<number> {
    seq++;
    const decisionId = await insertId(
      `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
         category_code, validity_start, validity_end, raw_resource_json, raw_cda, received_at)
       VALUES (?, ?, ?, ?, '1', ?, ?, ?, '{}', '', ?)`,
      [`NAT-${seq}`, d.idDecision, personId, `dr-${seq}`, d.category, d.start, d.end, TODAY],
    );
    const id = await insertId(
      `INSERT INTO notification (decision_id, finess_eg, esms_status, esms_status_date, created_at, updated_at)
       VALUES (?, '010000019', ?, ?, ?, ?)`,
      [decisionId, esms, line?.date ?? null, `${TODAY}T0${seq % 10}:00:00Z`, TODAY],
    );
    if (line) {
      await db.run(
        `INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, updated_at) VALUES (?, ?, ?, ?, ?)`,
        [id, unitId, line.status, line.date, TODAY],
      );
    }
    return id;
  }

  beforeAll(async () => {
    store = await openTestStore(backend);
    db = store.db;
    await db.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000001', 'ASSOCIATION FICTIVE')");
    await db.run(
      "INSERT INTO geographic_entity (finess_eg, finess_ej, name, vt_activated, local_activated) VALUES ('010000019', '010000001', 'ESAT FICTIF', 1, 1)",
    );
    unitId = await insertId(
      `INSERT INTO ror_unit (finess_eg, id_ror, name, categorie_organisation, temporalite_accueil, accueil_sequentiel,
         mode_prise_charge, origin, updated_at) VALUES ('010000019', 'ROR-1', 'Atelier fictif', '43', '02', 0, '47', 'vt', ?)`,
      [TODAY],
    );
    const valid = { category: '11.5', start: '2024-01-01', end: '2029-01-01' };
    // Same decision number received twice for one person (manual recovery + flux 1).
    const a = await person('TESTFICTIF-DOUBLE', '1990-02-03');
    ids.dupA = await notification(a, { idDecision: 'D-1', ...valid });
    ids.dupB = await notification(a, { idDecision: 'D-1', ...valid }, '42', { status: '182', date: '2025-05-01' });
    // Same person under two MDPH numbers (same INS), same category, overlapping periods.
    ids.insA = await notification(await person('TESTFICTIF-INS', '1985-01-01', '185017512345678'), {
      idDecision: 'D-2',
      ...valid,
    });
    ids.insB = await notification(await person('TESTFICTIF-INS', '1985-01-01', '185017512345678'), {
      idDecision: 'D-3',
      category: '11.5',
      start: '2028-06-01',
      end: '2033-06-01',
    });
    // Not duplicates: same person, different categories; or same category but periods apart.
    const c = await person('TESTFICTIF-DISTINCT', '2000-05-05');
    await notification(c, { idDecision: 'D-4', ...valid });
    await notification(c, { idDecision: 'D-5', category: '13.1', start: '2024-01-01', end: '2029-01-01' });
    await notification(c, { idDecision: 'D-6', category: '11.5', start: '2030-01-01', end: '2031-01-01' });
    // Expired, still waiting / in care / not involved / renewed.
    ids.expiredWaiting = await notification(
      await person('TESTFICTIF-ATTENTE', null),
      { idDecision: 'D-7', category: '11.5', start: '2019-01-01', end: '2025-03-01' },
      '42',
      { status: '182', date: '2025-02-01' },
    );
    ids.expiredInCare = await notification(
      await person('TESTFICTIF-ACCOMPAGNE', null),
      { idDecision: 'D-8', category: '11.5', start: '2019-01-01', end: '2025-01-01' },
      '47',
      { status: '186', date: '2020-01-01' },
    );
    await notification(await person('TESTFICTIF-SANS-SUITE', null), {
      idDecision: 'D-9',
      category: '11.5',
      start: '2019-01-01',
      end: '2025-01-01',
    });
    const renewedId = await notification(
      await person('TESTFICTIF-RENOUVELE', null),
      { idDecision: 'D-10', category: '11.5', start: '2019-01-01', end: '2025-01-01' },
      '47',
      { status: '186', date: '2020-01-01' },
    );
    const renewal = await db.value<number>('SELECT decision_id FROM notification WHERE id = ?', [ids.dupA]);
    await db.run(
      "INSERT INTO decision_link (decision_id, linked_id_decision, kind) VALUES (?, 'D-10', 'renouvellement')",
      [renewal],
    );
    ids.renewed = renewedId;
    // Stale waiting list: no status for 200 days; a fresh one (10 days) is fine.
    ids.stale = await notification(await person('TESTFICTIF-OUBLIE', null), { idDecision: 'D-11', ...valid }, '72', {
      status: '183',
      date: '2024-11-13',
    });
    await notification(await person('TESTFICTIF-RECENT', null), { idDecision: 'D-12', ...valid }, '42', {
      status: '182',
      date: '2025-05-22',
    });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('finds the duplicates (same decision; same INS, category and overlapping period) and only them', async () => {
    const r = await computeCleanup(db, { today: TODAY, now: new Date(`${TODAY}T10:00:00Z`) });
    const dups = r.findings.filter((f) => f.kind === 'doublon');
    expect(dups.map((f) => [...f.notificationIds].sort((x, y) => x - y))).toEqual([
      [ids.dupA, ids.dupB],
      [ids.insA, ids.insB],
    ]);
    // The one with local work is kept; the other is proposed for closing.
    expect(dups[0]?.notificationIds[0]).toBe(ids.dupA);
    expect(dups[0]?.proposedAction).toContain(`garder la notification n° ${ids.dupB}`);
    expect(dups[1]?.detail).toContain('chevauchent');
  });

  it('finds expired notifications of persons still waiting or in care, not renewed ones', async () => {
    const r = await computeCleanup(db, { today: TODAY, now: new Date() });
    const expired = r.findings.filter((f) => f.kind === 'notification-expiree');
    expect(expired.map((f) => f.notificationIds[0])).toEqual([ids.expiredWaiting, ids.expiredInCare]);
    expect(expired[0]?.proposedAction).toContain('motif 98');
    expect(expired[1]?.proposedAction).toContain('renouvellement');
  });

  it('finds waiting lists without a status for the threshold (default 180 days), configurable', async () => {
    expect(await readStaleDays(db)).toBe(180);
    const stale = (await computeCleanup(db, { today: TODAY, now: new Date() })).findings.filter(
      (f) => f.kind === 'liste-attente-perimee',
    );
    expect(stale.map((f) => f.notificationIds[0])).toEqual([ids.stale]);
    expect(stale[0]?.detail).toContain('200 jours');
    await writeStaleDays(db, 90);
    const r = await computeCleanup(db, { today: TODAY, now: new Date() });
    expect(r.staleDays).toBe(90);
    // At 90 days the expired waiting line (120 days) is stale too; the 31-day line is not.
    expect(r.counts['liste-attente-perimee']).toBe(2);
    await expect(writeStaleDays(db, 0)).rejects.toThrow(/entre 1 et 3650/);
  });
});
