/**
 * Integration: the sync engine against the embedded sandbox over real mTLS, into a real store of each backend (the
 * desk's encrypted SQLite file, a PostgreSQL database).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import { TEST_BACKENDS } from '../testing/test-stores';
import type { Transport } from '../transport/transport';
import { enqueueConsent, enqueueStatusReport } from './outbox/status-outbox';
import { rereadNow } from './items/quarantine-queries';
import { CDA_DATA_MARKER, decisionResourceJson } from './pull/decision-store';
import { carryOverRenewal } from '../worklist/carry-over-renewal';
import { localToday } from '@shared/domain/local-day';
import { createUnit } from '../worklist/units-and-entities';
import { startSandboxFixture, type SandboxFixture } from './testing/sandbox-fixture';
import { DEFAULT_SDO_CONTEXT } from '../fhir';

const EG = '010000019';

describe.each(TEST_BACKENDS)('sync engine (%s)', (backend) => {
  let f: SandboxFixture;
  let db: SqlDatabase;
  let journal: Journal;
  let transport: Transport;

  beforeAll(async () => {
    f = await startSandboxFixture({ initialDecisions: 60, backend });
    ({ db, journal } = await f.openDb());
    transport = f.transport();
  }, 60_000);
  afterAll(async () => f?.close());

  const count = async (sql: string, ...params: unknown[]): Promise<number> => Number(await db.value(sql, params));
  const column = async <T>(sql: string, ...params: unknown[]): Promise<T[]> =>
    (await db.all<Record<string, T>>(sql, params)).map((row) => Object.values(row)[0] as T);

  async function notificationOf(
    idNat: string,
    eg = EG,
  ): Promise<{
    id: number;
    esms_status: string;
    terminated: number;
    a_traiter: number;
    a_traiter_reason: string | null;
  }> {
    const row = await db.get<{
      id: number;
      esms_status: string;
      terminated: number;
      a_traiter: number;
      a_traiter_reason: string | null;
    }>(
      `SELECT n.id, n.esms_status, n.terminated, n.a_traiter, n.a_traiter_reason FROM notification n
       JOIN decision d ON d.id = n.decision_id WHERE d.id_nat_decision = ? AND n.finess_eg = ?`,
      [idNat, eg],
    );
    if (!row) throw new Error(`notification absente : ${idNat}`);
    return row;
  }

  const used = new Set<string>();
  /** A fresh attribution decision of the EG, not used by another test. */
  async function someDecisionOf(eg = EG): Promise<string> {
    const all = await column<string>(
      `SELECT d.id_nat_decision FROM decision d JOIN notification n ON n.decision_id = d.id
       WHERE n.finess_eg = ? AND n.terminated = 0 AND d.type_decision = '1' ORDER BY d.id`,
      eg,
    );
    const pick = all.find((x) => !used.has(x));
    if (!pick) throw new Error('plus de décision libre');
    used.add(pick);
    return pick;
  }

  async function report(idNat: string, extra: Record<string, unknown>) {
    const idDecision = await db.value<string>('SELECT id_decision FROM decision WHERE id_nat_decision = ?', [idNat]);
    return {
      idNatStruct: `1${EG}`,
      nomESMS: 'ESAT FICTIF LES TILLEULS',
      idDecision: idDecision ?? '',
      idNatDecision: idNat,
      ...extra,
    };
  }

  describe('against the sandbox', () => {
    it('flux 1: takes in every decision of the activated EGs, units, links; a second run changes nothing', async () => {
      const first = await f.sync(db, journal, transport);
      expect(first.outcome).toBe('succès');
      expect(await count('SELECT count(*) FROM decision')).toBe(f.sandbox.operations.decisionCount());
      expect(await count("SELECT count(*) FROM notification WHERE esms_status = '39'")).toBeGreaterThanOrEqual(60);
      expect(await count('SELECT count(*) FROM ror_unit')).toBe(10);
      expect(await count('SELECT count(*) FROM geographic_entity WHERE local_activated = 1')).toBe(3);
      // Names come with the ROR units (the token only lists numbers).
      expect(await column('SELECT name FROM geographic_entity ORDER BY finess_eg')).toEqual(
        expect.arrayContaining([expect.stringMatching(/ESAT/)]),
      );
      expect(await count("SELECT count(*) FROM geographic_entity WHERE name LIKE 'Établissement 0%'")).toBe(0);
      expect(await count("SELECT count(*) FROM decision_link WHERE kind = 'renouvellement'")).toBeGreaterThan(0);
      expect(await count('SELECT count(*) FROM sync_cursor')).toBe(6);
      const second = await f.sync(db, journal, transport);
      expect(second.summary.decisions).toBe(0);
      expect(await count("SELECT count(*) FROM journal WHERE action = 'Synchronisation terminée'")).toBe(2);
    }, 60_000);

    it('flux 1: each decision row gives back the DocumentReference exactly as the server sent it', async () => {
      const rows = await db.all<{
        document_reference_id: string;
        raw_resource_json: string;
        raw_cda: string;
        finess_eg: string;
      }>(
        `SELECT d.document_reference_id, d.raw_resource_json, d.raw_cda, n.finess_eg FROM decision d
         JOIN notification n ON n.decision_id = d.id ORDER BY d.id, n.id LIMIT 20`,
      );
      expect(rows.length).toBe(20);
      let compacted = 0;
      for (const row of rows) {
        if (row.raw_resource_json.includes(CDA_DATA_MARKER)) compacted++;
        const res = await transport.request({
          method: 'GET',
          path: `DocumentReference/${row.document_reference_id}`,
          finessEg: row.finess_eg,
        });
        expect(decisionResourceJson(row)).toBe(JSON.stringify(res.body));
      }
      expect(compacted).toBe(rows.length);
    }, 30_000);

    it('flux 4: a local status leaves once, in order, and a lost answer creates no second Task', async () => {
      const idNat = await someDecisionOf();
      const n = await notificationOf(idNat);
      const reports = [
        await report(idNat, { statutESMS: '40', dateStatutESMS: '2026-07-01' }),
        await report(idNat, { statutESMS: '41', motifESMS: '151', dateStatutESMS: '2026-07-02' }),
      ];
      const out = await db.transaction(async (tx) => {
        const queued = [];
        for (const r of reports) {
          queued.push(
            await enqueueStatusReport(tx, {
              notificationId: n.id,
              finessEg: EG,
              report: r,
              now: new Date(),
              sdo: DEFAULT_SDO_CONTEXT,
            }),
          );
        }
        return queued;
      });
      let lost = 0;
      const lossy: Transport = {
        getToken: () => transport.getToken(),
        close: () => undefined,
        async request(req) {
          const res = await transport.request(req);
          if (req.method === 'POST' && lost === 0) {
            lost++;
            throw new AppError('NET_RESET', 'La connexion a été coupée pendant l’échange. Réessayez.');
          }
          return res;
        },
      };
      await f.sync(db, journal, lossy);
      expect(lost).toBe(1);
      const ids = [out[0]?.outboxId, out[1]?.outboxId];
      expect(await column('SELECT state FROM outbox WHERE id IN (?, ?) ORDER BY id', ...ids)).toEqual(['sent', 'sent']);
      const received = f.sandbox.operations
        .receivedTasks()
        .filter((t) => t.idNatDecision === idNat && t.origin === 'esms');
      expect(received).toHaveLength(2);
      const clientIds = await column('SELECT client_identifier FROM outbox WHERE id IN (?, ?) ORDER BY id', ...ids);
      expect(received.map((t) => t.clientIdentifier?.split('|')[1])).toEqual(clientIds);
    }, 60_000);

    it('flux 4: a run cut short after sending keeps its count of statuses sent (no « 0 envoyés » for a Task that left)', async () => {
      const idNat = await someDecisionOf();
      const n = await notificationOf(idNat);
      const r = await report(idNat, { statutESMS: '40', dateStatutESMS: '2026-07-03' });
      await db.transaction((tx) =>
        enqueueStatusReport(tx, {
          notificationId: n.id,
          finessEg: EG,
          report: r,
          now: new Date(),
          sdo: DEFAULT_SDO_CONTEXT,
        }),
      );
      // The run sends its Task, then stalls on its next request as a process stopped by Ctrl-C would, forever.
      let release: (reason: Error) => void = () => undefined;
      const stalled = new Promise<never>((_, reject) => (release = reject));
      const stopsAfterSending: Transport = {
        getToken: () => transport.getToken(),
        close: () => undefined,
        request: (req) => (req.method === 'POST' ? transport.request(req) : stalled),
      };
      const cut = f.sync(db, journal, stopsAfterSending);
      const runId = async () => Number(await db.value('SELECT max(id) FROM sync_run'));
      const sentOf = async (id: number) =>
        (
          JSON.parse((await db.value<string>('SELECT summary_json FROM sync_run WHERE id = ?', [id])) ?? '{}') as {
            sent?: number;
          }
        ).sent;
      await expect.poll(async () => sentOf(await runId())).toBe(1);
      const cutRun = await runId();
      // The next run (after a restart) closes the cut one: interrupted, with the Task it did send.
      await f.sync(db, journal, transport);
      expect(await db.value('SELECT outcome FROM sync_run WHERE id = ?', [cutRun])).toBe('échec');
      expect(await sentOf(cutRun)).toBe(1);
      release(new AppError('NET_RESET', 'Arrêt.'));
      await cut.catch(() => undefined);
    }, 60_000);

    it('flux 4: a 4xx refusal is "rejected" with the diagnostics kept', async () => {
      const idNat = await someDecisionOf('010000027');
      const n = await notificationOf(idNat, '010000027');
      // Valid for the profile, refused by the server: idNat_Struct of another EG.
      const r = await report(idNat, { statutESMS: '40', dateStatutESMS: '2026-07-01' });
      const { outboxId } = await db.transaction((tx) =>
        enqueueStatusReport(tx, {
          notificationId: n.id,
          finessEg: '010000027',
          report: r,
          now: new Date(),
          sdo: DEFAULT_SDO_CONTEXT,
        }),
      );
      await f.sync(db, journal, transport);
      const row = await db.get<{ state: string; last_error_json: string }>(
        'SELECT state, last_error_json FROM outbox WHERE id = ?',
        [outboxId],
      );
      expect(row?.state).toBe('rejected');
      expect(JSON.parse(row?.last_error_json ?? '{}').detail).toMatch(/idNat_Struct/);
    }, 60_000);

    it('flux 5: 49 finishes, 54 re-opens, 46 with local work raises à traiter, 47 elsewhere raises à traiter, 37 finishes', async () => {
      const [a, b, c, d] = [
        await someDecisionOf(),
        await someDecisionOf(),
        await someDecisionOf(),
        await someDecisionOf(),
      ];
      const ops = f.sandbox.operations;
      ops.cancelNotification(a, { finessEg: EG });
      await f.sync(db, journal, transport);
      expect(await notificationOf(a)).toMatchObject({ esms_status: '49', terminated: 1, a_traiter: 0 });
      ops.reactivateNotification(a, { finessEg: EG });
      await f.sync(db, journal, transport);
      expect(await notificationOf(a)).toMatchObject({ esms_status: '54', terminated: 0 });

      await db.run("UPDATE notification SET esms_status = '42' WHERE id = ?", [(await notificationOf(b)).id]);
      ops.ratifyAdmissionImpossible(b, { finessEg: EG });
      ops.entryElsewhere(c);
      ops.cancelDecision(d);
      const run = await f.sync(db, journal, transport);
      expect(await notificationOf(b)).toMatchObject({ esms_status: '46', terminated: 1, a_traiter: 1 });
      expect(await notificationOf(c)).toMatchObject({
        a_traiter: 1,
        a_traiter_reason: 'Usager entré dans un autre ESMS',
      });
      expect(await notificationOf(d)).toMatchObject({ esms_status: '37', terminated: 1 });
      expect(run.summary.statuses).toBeGreaterThanOrEqual(3);
      // Idempotent by Task id: a cursor reset re-reads the same Tasks without new history rows.
      const before = await count("SELECT count(*) FROM status_event WHERE origin = 'vt'");
      await db.run("DELETE FROM sync_cursor WHERE flow = 'flux5'");
      await f.sync(db, journal, transport);
      expect(await count("SELECT count(*) FROM status_event WHERE origin = 'vt'")).toBe(before);
    }, 60_000);

    it('flux 5: a Task about a decision published after the flux 1 search is applied once the decision arrives', async () => {
      const ops = f.sandbox.operations;
      const [idNat] = ops.generateDecisions(1, [EG]).idNatDecisions;
      const late = idNat ? ops.decision(idNat) : undefined;
      if (!idNat || !late) throw new Error('décision non générée');
      ops.cancelNotification(idNat, { finessEg: EG });
      // This run's flux 1 search happened just before the decision was published: it neither lists it nor covers it.
      const earlier: Transport = {
        getToken: () => transport.getToken(),
        close: () => undefined,
        async request(req) {
          const res = await transport.request(req);
          if (req.method !== 'GET' || !req.path.startsWith('DocumentReference?type=57830-2')) return res;
          const bundle = res.body as { meta?: { lastUpdated?: string }; entry?: { resource?: { id?: string } }[] };
          return {
            ...res,
            body: {
              ...bundle,
              meta: { ...bundle.meta, lastUpdated: new Date(late.lastUpdated - 1).toISOString() },
              entry: (bundle.entry ?? []).filter((e) => e.resource?.id !== late.id),
            },
          };
        },
      };
      await f.sync(db, journal, earlier);
      expect(await count("SELECT count(*) FROM quarantine WHERE flow = 'flux5' AND resolved_at IS NULL")).toBe(1);
      const next = await f.sync(db, journal, transport);
      expect(next.summary.statuses).toBe(1);
      expect(await notificationOf(idNat)).toMatchObject({ esms_status: '49', terminated: 1 });
      expect(await count("SELECT count(*) FROM quarantine WHERE flow = 'flux5' AND resolved_at IS NULL")).toBe(0);
    }, 60_000);

    it('flux 2 and 3: the consent is sent, then the evaluation is fetched and parsed', async () => {
      const idNat = await someDecisionOf();
      const decisionId = await count('SELECT id FROM decision WHERE id_nat_decision = ?', idNat);
      expect(await count('SELECT count(*) FROM evaluation WHERE decision_id = ?', decisionId)).toBe(0);
      await db.transaction((tx) =>
        enqueueConsent(tx, { decisionId, finessEg: EG, collectedOn: '2026-06-30', now: new Date() }),
      );
      const run = await f.sync(db, journal, transport);
      expect(run.summary.evaluations).toBe(1);
      const parsed = JSON.parse(
        (await db.value<string>('SELECT parsed_json FROM evaluation WHERE decision_id = ?', [decisionId])) ?? '{}',
      );
      expect(parsed.document.idNatDecision).toBe(idNat);
      expect(f.sandbox.operations.receivedConsents().some((c) => c.idNatDecision === idNat)).toBe(true);
    }, 60_000);

    it('renewal: carries the open unit over (same status under the new decision) and closes the old line with motif 136', async () => {
      const pair = await db.get<{ new_id: number; old_id: number }>(
        `SELECT nn.id AS new_id, no.id AS old_id FROM decision_link l
           JOIN decision dn ON dn.id = l.decision_id JOIN decision dold ON dold.id_decision = l.linked_id_decision
           JOIN notification nn ON nn.decision_id = dn.id
           JOIN notification no ON no.decision_id = dold.id AND no.finess_eg = nn.finess_eg
         WHERE l.kind = 'renouvellement' ORDER BY nn.id LIMIT 1`,
      );
      expect(pair).toBeDefined();
      if (!pair) return;
      const eg = await db.value<string>('SELECT finess_eg FROM notification WHERE id = ?', [pair.old_id]);
      const unit = await db.value<number>('SELECT id FROM ror_unit WHERE finess_eg = ? ORDER BY id LIMIT 1', [eg]);
      await db.run(
        "INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, updated_at) VALUES (?, ?, '184', '2026-06-01', '2026-06-01')",
        [pair.old_id, unit],
      );
      const result = await carryOverRenewal(
        { db, journal, now: () => new Date(), today: () => localToday(new Date()), sdo: () => DEFAULT_SDO_CONTEXT },
        pair.new_id,
      );
      expect(result.carriedLines).toBe(1);
      await f.sync(db, journal, transport);
      expect(
        await column(
          `SELECT state FROM outbox WHERE id IN (${result.outboxIds.map(() => '?').join(',')})`,
          ...result.outboxIds,
        ),
      ).toEqual(['sent', 'sent']);
      expect(await db.get('SELECT status, motif FROM unit_line WHERE notification_id = ?', [pair.old_id])).toEqual({
        status: '180',
        motif: '136',
      });
      expect(await db.value('SELECT status FROM unit_line WHERE notification_id = ?', [pair.new_id])).toBe('184');
    }, 60_000);

    it('closure: a clôture de droit finishes the linked notification and raises à traiter when work is in progress', async () => {
      const idNat = await someDecisionOf();
      await db.run("UPDATE notification SET esms_status = '42' WHERE id = ?", [(await notificationOf(idNat)).id]);
      // The sandbox's own closure (as the MDPH sends it), whatever namespace prefix the closed decision's CDA uses.
      const closure = f.sandbox.operations.closeRight(idNat);
      await f.sync(db, journal, transport);
      expect(
        await db.value('SELECT type_decision FROM decision WHERE id_nat_decision = ?', [closure.idNatDecision]),
      ).toBe('5');
      expect(await notificationOf(idNat)).toMatchObject({ terminated: 1, a_traiter: 1 });
    }, 60_000);

    it('faults: 10% 5xx, 429 with Retry-After and a 401 in the middle; malformed items are quarantined while the rest lands', async () => {
      const ops = f.sandbox.operations;
      ops.generateDecisions(60, [EG]);
      ops.importDecision({
        cdaXml: '<ClinicalDocument><cnsaSDO:identifiantDecision root="1" extension="CASSE-1"/></ClinicalDocument>',
        finessEgs: [EG],
      });
      ops.setFaults({ rate5xx: 0.1, rate429: 0.05, retryAfterSeconds: 1 });
      let expired = false;
      const run = await f.sync(db, journal, transport, {
        onProgress: (p) => {
          if (!expired && p.phase === 'décisions' && p.done > 0) {
            expired = true;
            ops.expireTokensNow();
          }
        },
      });
      ops.setFaults({ rate5xx: 0, rate429: 0 });
      expect(expired).toBe(true);
      expect(run.summary.errors).toEqual([]);
      // A document still failing after its few tries is kept "à relire" and the run goes on (a document already
      // stored that fails when listed again is kept "à relire" too): every decision of the server is stored, waiting
      // to be read again after a server error, or — the broken one only — quarantined.
      const open = (kind: string) =>
        db.all<{ id: number; rule: string; reason: string; stored: number }>(
          `SELECT q.id, q.rule, q.reason,
                  CASE WHEN EXISTS (SELECT 1 FROM decision d WHERE d.document_reference_id = q.resource_id)
                       THEN 1 ELSE 0 END AS stored
             FROM quarantine q WHERE q.flow = 'flux1' AND q.kind = ? AND q.resolved_at IS NULL ORDER BY q.id`,
          [kind],
        );
      const toReread = await open('à relire');
      for (const item of toReread) expect(item.rule).toMatch(/^http-(5\d\d|5xx|429)$/);
      expect(run.summary.toReread ?? 0).toBe(toReread.length);
      const quarantined = await open('quarantaine');
      for (const item of quarantined) expect(item.reason).toMatch(/CDA de décision illisible/);
      expect(quarantined.length).toBeLessThanOrEqual(1);
      const notStored = toReread.filter((item) => item.stored === 0).length + quarantined.length;
      expect((await count('SELECT count(*) FROM decision')) + notStored).toBe(ops.decisionCount());
      // The server is well again and the referent asks to read them now: they all land, the broken one stays aside.
      for (const item of toReread) await rereadNow(db, item.id);
      await f.sync(db, journal, transport);
      expect(await open('à relire')).toEqual([]);
      expect(await count('SELECT count(*) FROM decision')).toBe(ops.decisionCount() - 1);
      expect(await open('quarantaine')).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/CDA de décision illisible/) }),
      ]);
    }, 90_000);

    it('ROR units: a unit the referent added or edited keeps its fields when ViaTrajectoire lists the same ROR id', async () => {
      await f.sync(db, journal, transport);
      const free = await db.get<{ id_ror: string; finess_eg: string }>(
        `SELECT id_ror, finess_eg FROM ror_unit r WHERE origin = 'vt'
           AND NOT EXISTS (SELECT 1 FROM unit_line l WHERE l.ror_unit_id = r.id) ORDER BY id LIMIT 1`,
      );
      if (!free) throw new Error('aucune unité libre');
      // As if the referent had entered it before ViaTrajectoire listed it.
      await db.run('DELETE FROM ror_unit WHERE id_ror = ?', [free.id_ror]);
      await createUnit(
        db,
        {
          finessEg: free.finess_eg,
          idRor: free.id_ror,
          name: 'Unité saisie localement',
          categorieOrganisation: '43',
          temporaliteAccueil: '01',
          accueilSequentiel: true,
          modePriseCharge: '48',
        },
        new Date().toISOString(),
      );
      await f.sync(db, journal, transport);
      const unit = await db.get<Record<string, unknown>>(
        `SELECT name, temporalite_accueil, accueil_sequentiel, mode_prise_charge, origin, remote_json FROM ror_unit
          WHERE id_ror = ?`,
        [free.id_ror],
      );
      expect(unit).toMatchObject({
        name: 'Unité saisie localement',
        temporalite_accueil: '01',
        accueil_sequentiel: 1,
        mode_prise_charge: '48',
        origin: 'local',
      });
      // ViaTrajectoire's copy is kept beside the referent's values.
      expect(unit?.remote_json).toEqual(expect.stringContaining(free.id_ror));
    });

    it('ROR units: a ViaTrajectoire without the units search is not a failure; the referent is told once per EG', async () => {
      await f.sandbox.admin.updateSettings({ rorUnits: false });
      try {
        const first = await f.sync(db, journal, transport);
        const second = await f.sync(db, journal, transport);
        expect(first.outcome).toBe('succès');
        expect(second.outcome).toBe('succès');
        const told = await column<string>(
          "SELECT record_id FROM journal WHERE action = 'Unités ROR non fournies par ViaTrajectoire' ORDER BY record_id",
        );
        const activeEgs = await column<string>(
          'SELECT finess_eg FROM geographic_entity WHERE vt_activated = 1 AND local_activated = 1 ORDER BY finess_eg',
        );
        expect(told).toEqual(activeEgs);
      } finally {
        await f.sandbox.admin.updateSettings({ rorUnits: true });
      }
    });
  });

  describe('a first sync with no EG activated', () => {
    it('says that nothing was asked for and where to act, rather than "succès, 0 décision"', async () => {
      const other = await f.openDb();
      const result = await f.sync(other.db, other.journal, transport, { activateNewEgs: false });
      expect(result.summary.decisions).toBe(0);
      expect(result.summary.notice).toEqual({
        kind: 'aucune-eg-activée',
        message: expect.stringContaining('Aucune entité géographique activée') as string,
      });
      const stored = JSON.parse(
        (await other.db.value<string>('SELECT summary_json FROM sync_run WHERE id = ?', [result.runId])) ?? '{}',
      ) as { notice?: { kind: string } };
      expect(stored.notice?.kind).toBe('aucune-eg-activée');

      // Once an EG is activated, the notice is gone.
      await other.db.run('UPDATE geographic_entity SET local_activated = 1 WHERE finess_eg = ?', [EG]);
      const next = await f.sync(other.db, other.journal, transport, { activateNewEgs: false });
      expect(next.summary.notice).toBeUndefined();
      expect(next.summary.decisions).toBeGreaterThan(0);
    }, 60_000);
  });
});
