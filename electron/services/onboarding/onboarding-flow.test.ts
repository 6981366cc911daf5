/**
 * The onboarding on the embedded sandbox over real mTLS, with a real data folder (environment settings, certificate
 * registry, secret store) and each test store: checklist from nothing to green, reprise marking, forced statuses
 * (preview, dry run, partial failure, retry, nothing sent twice), consent, PDF report; and, on the desk's encrypted
 * SQLite in that data folder, the CLI exit codes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { openConnectionServices, type ConnectionServices } from '../app/handlers/connection-services';
import { openDatabase } from '../db/database';
import type { SqlDatabase } from '../db/sql/sql-database';
import { CLIENT_SECRET_NAME } from '../environments/environment-store';
import { Journal } from '../journal/journal';
import { getOrCreateDatabaseKey } from '../secrets';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore, TEST_BACKENDS, type TestBackend } from '../testing/test-stores';
import type { Transport } from '../transport/transport';
import { computeChecklist, readConnectionFacts } from './onboarding-checklist';
import { runOnboardingCommand } from '../cli/onboarding-command';
import { REPORT_TITLE, renderOnboardingReport } from './onboarding-report-pdf';
import { REPRISE_TAG, connectionDay, markRepriseDecisions } from './reprise-marking';
import { forcingDelivery, previewForcing, pushForcing, type ForcingDeps } from './status-forcing';
import { extractPdfText } from './testing/pdf-text';
import { DEFAULT_SDO_CONTEXT } from '../fhir';

const ESAT = '010000019';
const IME = '010000027';

/**
 * The store under test: on SQLite, the desk's database in the data folder (where the CLI finds it); otherwise the
 * test store of that backend (the CLI reads a desk only).
 */
async function openFlowStore(
  backend: TestBackend,
  dataRoot: string,
): Promise<{ db: SqlDatabase; close: () => Promise<void> }> {
  if (backend !== 'sqlite') return openTestStore(backend);
  const dataDir = path.join(dataRoot, 'sandbox-local');
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'referent-vt.db');
  const db = openDatabase({ file, key: getOrCreateDatabaseKey(`${file}.key`, file) });
  return { db, close: () => db.close() };
}

describe.each(TEST_BACKENDS)('onboarding (%s)', (backend) => {
  /** The CLI opens the desk database of the data folder: only the SQLite run has one. */
  const desk = backend === 'sqlite';
  let fx: SandboxFixture;
  let tmp: { dir: string; cleanup: () => void };
  let dataRoot: string;
  let store: { db: SqlDatabase; close: () => Promise<void> };
  let db: SqlDatabase;
  let journal: Journal;
  let services: ConnectionServices;
  let transport: Transport;
  let deps: ForcingDeps;

  const environment = { id: 'sandbox-local', label: 'Bac à sable local' };
  const checklist = async () =>
    computeChecklist({ db, facts: await readConnectionFacts(services), environment, now: new Date() });
  const statusOf = async () => Object.fromEntries((await checklist()).checks.map((c) => [c.id, c.status]));
  const count = async (sql: string, params: unknown[] = []) => Number(await db.value<number>(sql, params));
  const snapshot = async () => ({
    outbox: await count('SELECT count(*) FROM outbox'),
    events: await count('SELECT count(*) FROM status_event'),
    lines: await count('SELECT count(*) FROM unit_line'),
    consents: await count('SELECT count(*) FROM consent'),
    journal: await count('SELECT count(*) FROM journal'),
    statuses: (await db.all<{ esms_status: string }>('SELECT esms_status FROM notification ORDER BY id'))
      .map((r) => r.esms_status)
      .join(','),
  });
  const logs = () => {
    const lines: string[] = [];
    return { out: { log: (l: string) => lines.push(l) }, lines };
  };

  beforeAll(async () => {
    fx = await startSandboxFixture({ initialDecisions: 4 });
    // Decisions for both EGs of the pilot profile, whatever the random initial set.
    fx.sandbox.operations.generateDecisions(6, [ESAT]);
    fx.sandbox.operations.generateDecisions(6, [IME]);
    tmp = makeTempDir('referent-vt-onboarding-');
    dataRoot = tmp.dir;
    store = await openFlowStore(backend, dataRoot);
    db = store.db;
    journal = new Journal(db);
    services = openConnectionServices({ dataRoot, environmentId: 'sandbox-local', now: () => new Date() });
    transport = fx.transport();
    deps = {
      db,
      journal,
      now: () => new Date(),
      today: () => new Date().toISOString().slice(0, 10),
      sdo: () => DEFAULT_SDO_CONTEXT,
    };
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await fx?.close();
    tmp?.cleanup();
  });

  describe('raccordement on the sandbox', () => {
    it('starts with every check to do, and the CLI says so (exit 1) with a valid PDF', async () => {
      const list = await checklist();
      expect(list.allGreen).toBe(false);
      expect(list.checks.map((c) => c.status)).toEqual(Array(8).fill('a-faire'));
      expect(list.checks.find((c) => c.id === 'certificat')?.fix?.section).toBe('certificats');
      if (!desk) return;
      const report = path.join(dataRoot, 'avant.pdf');
      const { out, lines } = logs();
      expect(await runOnboardingCommand(['--data', dataRoot, '--report', report], out)).toBe(1);
      expect(lines.some((l) => l.startsWith('[À FAIRE]'))).toBe(true);
      const pdf = await PDFDocument.load(fs.readFileSync(report));
      expect(pdf.getTitle()).toBe(REPORT_TITLE);
    });

    it.runIf(desk)('gives exit code 2 for a bad argument or a data folder without data', async () => {
      expect(await runOnboardingCommand(['--nope'], logs().out)).toBe(2);
      expect(await runOnboardingCommand(['--data', path.join(dataRoot, 'vide')], logs().out)).toBe(2);
    });

    it('turns the certificate and the client credentials green once configured', async () => {
      const client = fx.sandbox.pki.clients['010000001'];
      if (!client) throw new Error('certificat client absent');
      const cert = await services.registry.importPkcs12({
        bytes: fs.readFileSync(client.p12Path),
        password: client.password,
        rememberPassword: true,
        trustAnchorsPem: [fx.sandbox.caBundlePem],
      });
      await services.environments.update('sandbox-local', {
        certificateId: cert.id,
        clientId: fx.sandbox.clientId,
        fhirBaseUrl: fx.sandbox.fhirBaseUrl,
        tokenUrl: fx.sandbox.tokenUrl,
      });
      await services.secrets.set(CLIENT_SECRET_NAME, fx.sandbox.clientSecret);
      const s = await statusOf();
      expect([s.certificat, s['identifiants-client'], s['activation-ej']]).toEqual(['ok', 'ok', 'a-faire']);
      const evidence = (await checklist()).checks.find((c) => c.id === 'certificat')?.evidence.join(' ');
      expect(evidence).toContain('FINESS EJ 010000001');
    });

    it('after a first sync: token, EGs, pilot profile with the ESAT, units and notifications are green', async () => {
      const run = await fx.sync(db, journal, transport);
      expect(run.outcome).toBe('succès');
      const list = await checklist();
      const s = Object.fromEntries(list.checks.map((c) => [c.id, c.status]));
      expect(s).toMatchObject({
        'activation-ej': 'ok',
        'activation-eg': 'ok',
        'profil-pilote': 'ok',
        'unites-ror': 'ok',
        'premiere-notification': 'ok',
        'statut-liste-attente': 'a-faire',
      });
      expect(list.establishments.find((e) => e.finessEg === ESAT)?.esat).toBe(true);
      expect(list.checks.find((c) => c.id === 'profil-pilote')?.evidence.join(' ')).toContain(
        `ESAT FICTIF LES TILLEULS (FINESS ${ESAT}) : 3 unité(s) ROR « Unité d'aide par le travail (ESAT) »`,
      );
    });

    it('marks as reprise the decisions taken before the connection day, and tagged ones', async () => {
      const day = await connectionDay(db);
      expect(day).toBe(new Date().toISOString().slice(0, 10));
      const wrong = await count(
        `SELECT count(*) FROM decision WHERE (reprise = 1 AND decision_date >= ? AND raw_resource_json NOT LIKE '%sdo-reprise%')
           OR (reprise = 0 AND decision_date < ?)`,
        [day, day],
      );
      expect(wrong).toBe(0);
      expect(await count('SELECT count(*) FROM decision WHERE reprise = 1')).toBeGreaterThan(0);
      // A decision dated after the connection but tagged by the server is reprise too; one merely mentioning the word
      // "reprise" elsewhere is not.
      const [target, mention] = await db.all<{ id: number; raw_resource_json: string }>(
        'SELECT id, raw_resource_json FROM decision ORDER BY id LIMIT 2',
      );
      if (!target || !mention) throw new Error('décisions absentes');
      const retag = (row: { id: number; raw_resource_json: string }, tag: object) =>
        db.run('UPDATE decision SET reprise = 0, decision_date = ?, raw_resource_json = ? WHERE id = ?', [
          '2999-01-01',
          JSON.stringify({ ...(JSON.parse(row.raw_resource_json) as object), meta: { tag: [tag] } }),
          row.id,
        ]);
      await retag(target, REPRISE_TAG);
      await retag(mention, { system: 'https://example.invalid/autre', code: REPRISE_TAG.code });
      expect(await markRepriseDecisions(db)).toBe(1);
      expect(await db.value('SELECT reprise FROM decision WHERE id = ?', [target.id])).toBe(1);
      expect(await db.value('SELECT reprise FROM decision WHERE id = ?', [mention.id])).toBe(0);
    });
  });

  describe('forcer le statut ViaTrajectoire', () => {
    let csv: string;
    const pick = (eg: string) =>
      db.all<{ id_decision: string; mdph_individual_id: string }>(
        `SELECT d.id_decision, p.mdph_individual_id FROM notification n JOIN decision d ON d.id = n.decision_id
           JOIN person p ON p.id = d.person_id
         WHERE n.finess_eg = ? AND n.esms_status = '39' AND n.terminated = 0 ORDER BY n.id LIMIT 2`,
        [eg],
      );
    const unitOf = async (eg: string) =>
      String(await db.value<string>('SELECT id_ror FROM ror_unit WHERE finess_eg = ? ORDER BY id LIMIT 1', [eg]));

    beforeAll(async () => {
      const [esat1, esat2] = await pick(ESAT);
      const [ime1] = await pick(IME);
      if (!esat1 || !esat2 || !ime1) throw new Error('notifications absentes');
      // A decision ViaTrajectoire does not know (recorded locally only): the server refuses its status.
      const eg = await db.value<string>('SELECT finess_eg FROM geographic_entity WHERE finess_eg = ?', [ESAT]);
      const personId = await db.value<number>(
        `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at)
         VALUES ('1.2.250.1.213.7.1', 'INCONNU-VT-1', 'TESTFICTIF', 'Inconnu', '', '2025-01-01') RETURNING id`,
      );
      const decisionId = await db.value<number>(
        `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
           category_code, raw_resource_json, raw_cda, received_at)
         VALUES ('1111222233334444', 'DEC-INCONNUE-VT', ?, 'dr-x', '1', '11.5', '{}', '', '2025-01-01') RETURNING id`,
        [personId],
      );
      await db.run(
        "INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, ?, '2025-01-01', '2025-01-01')",
        [decisionId, eg],
      );
      const esatUnit = await unitOf(ESAT);
      csv = [
        'identifiant;situation;unite;date;motif;accord',
        `${esat1.id_decision};attente;${esatUnit};2024-11-04;;2024-10-01`,
        `${ime1.mdph_individual_id};pris-en-charge;${await unitOf(IME)};15/09/2023;;`,
        `${esat2.id_decision};sorti;${esatUnit};2024-06-30;89;`,
        `DEC-INCONNUE-VT;attente;${esatUnit};2024-12-01;;`,
        `PERSONNE-ABSENTE;attente;${esatUnit};2024-12-01;;`,
        `${esat1.id_decision};bizarre;${esatUnit};2024-12-01;;`,
      ].join('\n');
    });

    it('previews the statuses per line (47+186 in care, 42+182 waiting, 48+188 with motif), and bad lines', async () => {
      const p = await previewForcing(db, csv);
      expect(p.parseErrors.map((e) => e.line)).toEqual([7]);
      expect(p.lines.map((l) => l.outcome)).toEqual(['a-envoyer', 'a-envoyer', 'a-envoyer', 'a-envoyer', 'impossible']);
      expect(p.lines[0]?.statuses[0]?.text).toContain("Statut ESMS « Liste d'attente. En cours d'analyse");
      expect(p.lines[0]?.statuses[0]?.technical).toContain('statut ESMS 42');
      expect(p.lines[0]?.statuses[0]?.technical).toContain('statut 182');
      expect(p.lines[0]?.consent).toContain('2024-10-01');
      expect(p.lines[1]?.statuses[0]?.technical).toMatch(/statut ESMS 47.*statut 186/);
      expect(p.lines[2]?.statuses[0]?.technical).toMatch(/statut ESMS 48.*statut 188.*motif 89/);
      expect(p.lines[2]?.statuses[0]?.text).toMatch(
        /« Usager sorti ».*« Fin de prise en charge », motif « L'usager ne/,
      );
      expect(p.lines[4]?.reason).toContain('Aucune notification');
    });

    it('dry run validates everything and changes nothing', async () => {
      const before = await snapshot();
      const r = await pushForcing(deps, csv, { dryRun: true });
      expect(r.dryRun).toBe(true);
      expect(r.lines.map((l) => l.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'refuse']);
      expect(await snapshot()).toEqual(before);
    });

    it('pushes: one result per person, the unknown person refused, consent queued; a second push sends nothing', async () => {
      const before = await snapshot();
      const r = await pushForcing(deps, csv, { dryRun: false });
      expect(r.lines.map((l) => [l.line, l.outcome])).toEqual([
        [2, 'ok'],
        [3, 'ok'],
        [4, 'ok'],
        [5, 'ok'],
        [6, 'refuse'],
      ]);
      expect(r.lines[0]?.outboxIds).toHaveLength(2); // Task + Consent
      expect((await snapshot()).outbox).toBe(before.outbox + 5);
      expect(await count("SELECT count(*) FROM consent WHERE collected_on = '2024-10-01'")).toBe(1);
      const again = await pushForcing(deps, csv, { dryRun: false });
      expect(again.lines.map((l) => l.outcome)).toEqual([
        'deja-envoye',
        'deja-envoye',
        'deja-envoye',
        'deja-envoye',
        'refuse',
      ]);
      expect((await snapshot()).outbox).toBe(before.outbox + 5);
    });

    it('after the sync: accepted with Task ids, the unknown decision refused by ViaTrajectoire; retry resends only it', async () => {
      const run = await fx.sync(db, journal, transport);
      expect(run.summary.rejected).toBe(1);
      const delivery = await forcingDelivery(db, csv);
      expect(delivery.map((d) => d.state)).toEqual(['accepte', 'accepte', 'accepte', 'refuse', 'non-envoye']);
      expect(delivery[0]?.taskIds[0]).toBeTruthy();
      expect(delivery[3]?.reason).toBeTruthy();
      const before = await snapshot();
      const retry = await pushForcing(deps, csv, { dryRun: false });
      expect(retry.lines.map((l) => l.outcome)).toEqual(['deja-envoye', 'deja-envoye', 'deja-envoye', 'ok', 'refuse']);
      expect((await snapshot()).outbox).toBe(before.outbox + 1);
      // ViaTrajectoire holds each forced status once: three accepted Tasks, no duplicate client identifier.
      const own = (await fx.sandbox.admin.receivedTasks()).filter((t) => t.clientIdentifier !== null);
      expect(own).toHaveLength(3);
      expect(new Set(own.map((t) => t.clientIdentifier)).size).toBe(3);
    });

    it('every check is green; the PDF carries the evidence in French; the CLI exits 0', async () => {
      const list = await checklist();
      expect(list.checks.filter((c) => c.status !== 'ok').map((c) => c.id)).toEqual([]);
      const task = list.checks.find((c) => c.id === 'statut-liste-attente')?.evidence[0] ?? '';
      const taskId = /^Statut accepté par ViaTrajectoire le .* \(référence (\S+)\)/.exec(task)?.[1];
      expect(taskId).toBeTruthy();
      const bytes = await renderOnboardingReport(list);
      const pdf = await PDFDocument.load(bytes);
      expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);
      expect(pdf.getTitle()).toBe(REPORT_TITLE);
      const text = (await extractPdfText(bytes)).join('\n');
      expect(text).toContain('Rapport de raccordement ViaTrajectoire');
      expect(text).toContain('toutes les vérifications sont réussies');
      expect(text).toContain('FINESS EJ 010000001');
      expect(text).toContain(`FINESS EG ${ESAT}`);
      expect(text).toContain('Entité juridique');
      expect(text).toContain('Référent VT — environnement : Bac à sable local');
      expect(text).toContain(`référence ${taskId ?? ''}`);
      if (!desk) return;
      const file = path.join(dataRoot, 'rapport.pdf');
      const { out } = logs();
      expect(await runOnboardingCommand(['--data', dataRoot, '--report', file], out)).toBe(0);
      expect((await PDFDocument.load(fs.readFileSync(file))).getTitle()).toBe(REPORT_TITLE);
    });
  });
});
