/**
 * Fake work load for tests and the UI bench: one EJ, three EGs (ESAT, ESRP, IME), their ROR units, and `count`
 * notifications of generated fake persons (names TESTFICTIF…, see cda/fake) spread over every status.
 */
import { generateDecisionSpec, renderDecisionCda } from '../../cda/fake';
import type { Db } from '../../db/database';
import { notificationStore } from '../../db/notification-store';

export const SEED_EJ = '010000001';
export const SEED_EGS = [
  { finessEg: '010000011', name: 'ESAT LES ATELIERS FICTIFS', category: '11.5' },
  { finessEg: '010000012', name: 'ESRP CENTRE FICTIF', category: '11.1' },
  { finessEg: '010000013', name: 'IME LES ESSAIS', category: '7.1' },
] as const;

export const SEED_UNITS = [
  { finessEg: '010000011', idRor: 'ROR-UNIT-ESAT-1', name: 'Atelier blanchisserie', cat: '43', mode: '47' },
  { finessEg: '010000011', idRor: 'ROR-UNIT-ESAT-2', name: 'Atelier espaces verts', cat: '43', mode: '47' },
  { finessEg: '010000012', idRor: 'ROR-UNIT-ESRP-1', name: 'Formation qualifiante', cat: '44', mode: '46' },
  { finessEg: '010000013', idRor: 'ROR-UNIT-IME-1', name: 'Internat', cat: '48', mode: '46' },
  { finessEg: '010000013', idRor: 'ROR-UNIT-IME-2', name: 'Externat', cat: '48', mode: '47' },
] as const;

/** Status mixes: [ESMS status, unit status or null]. */
const MIXES: readonly (readonly [string, string | null])[] = [
  ['39', null],
  ['40', null],
  ['41', null],
  ['42', '182'],
  ['72', '183'],
  ['71', '184'],
  ['47', '186'],
  ['49', null],
  ['39', null],
  ['42', '182'],
];

export interface SeedOptions {
  readonly count: number;
  readonly today: string;
  readonly seed?: number;
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function seedWorklist(db: Db, options: SeedOptions): { notificationIds: number[] } {
  const nowIso = `${options.today}T08:00:00.000Z`;
  const notificationIds: number[] = [];
  db.transaction(() => {
    db.prepare('INSERT OR IGNORE INTO legal_entity (finess_ej, name, vt_activated) VALUES (?, ?, 1)').run(
      SEED_EJ,
      'ASSOCIATION FICTIVE DE TEST',
    );
    for (const eg of SEED_EGS) {
      db.prepare(
        `INSERT OR IGNORE INTO geographic_entity (finess_eg, finess_ej, name, vt_activated, local_activated)
         VALUES (?, ?, ?, 1, 1)`,
      ).run(eg.finessEg, SEED_EJ, eg.name);
    }
    const unitIds = new Map<string, number[]>();
    for (const u of SEED_UNITS) {
      db.prepare(
        `INSERT OR IGNORE INTO ror_unit (finess_eg, id_ror, name, categorie_organisation, temporalite_accueil,
           accueil_sequentiel, mode_prise_charge, origin, updated_at) VALUES (?, ?, ?, ?, '02', 0, ?, 'vt', ?)`,
      ).run(u.finessEg, u.idRor, u.name, u.cat, u.mode, nowIso);
      const id = db.prepare('SELECT id FROM ror_unit WHERE id_ror = ?').pluck().get(u.idRor) as number;
      unitIds.set(u.finessEg, [...(unitIds.get(u.finessEg) ?? []), id]);
    }
    const insertPerson = db.prepare(
      `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, used_family_name, given_names, birth_date,
         search_text, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?)`,
    );
    const insertDecision = db.prepare(
      `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision, nature_droit,
         decision_date, category_code, validity_start, validity_end, priority_level, raw_resource_json, raw_cda,
         received_at) VALUES (?, ?, ?, ?, '1', '1', ?, ?, ?, ?, ?, '{}', ?, ?)`,
    );
    const store = notificationStore(db);
    for (let i = 0; i < options.count; i++) {
      const eg = SEED_EGS[i % SEED_EGS.length] ?? SEED_EGS[0];
      const spec = generateDecisionSpec((options.seed ?? 7) * 100_003 + i, {
        finessEgs: [eg.finessEg],
        today: options.today,
        index: i + 1,
        scenario: 'attribution',
      });
      const parsed = spec.decision;
      const p = parsed.person;
      const personId = insertPerson.run(
        p.idIndividuMdphOid ?? '1.2.250.1.213.7.1',
        `${p.idIndividu}-${i}`,
        p.familyNameBirth ?? 'TESTFICTIF',
        p.familyNameUsed,
        p.givenNames ?? 'Fictif',
        p.birthDate?.iso ?? null,
        nowIso,
      ).lastInsertRowid;
      const droit = parsed.droitPrestation;
      const idDecision = `${parsed.decision.idDecision}-${i}`;
      const decisionId = insertDecision.run(
        `${parsed.document.idNatDecision}-${i}`,
        idDecision,
        personId,
        `dr-${i}`,
        parsed.decision.dateDeDecision,
        eg.category,
        droit?.dateOuvertureDuDroit ?? null,
        droit?.dateEcheanceDuDroit ?? null,
        droit?.caracterisation?.niveau?.display ?? null,
        renderDecisionCda(spec),
        nowIso,
      ).lastInsertRowid;
      const [esms, unitStatus] = MIXES[i % MIXES.length] ?? ['39', null];
      const statusDate = addDays(options.today, -(i % 400));
      const notificationId = store.insertIfAbsent({
        decisionId: Number(decisionId),
        finessEg: eg.finessEg,
        terminated: false,
        nowIso,
      });
      if (notificationId === undefined) throw new Error('notification déjà présente');
      store.setEsmsStatus({
        id: notificationId,
        esmsStatus: esms,
        esmsStatusDate: statusDate,
        terminated: esms === '49',
        nowIso,
      });
      if (i % 13 === 0) store.raiseATraiter(notificationId, 'Notification annulée par la MDPH', nowIso);
      notificationIds.push(notificationId);
      if (unitStatus) {
        const units = unitIds.get(eg.finessEg) ?? [];
        const unitId = units[i % units.length];
        if (unitId !== undefined) {
          store.upsertUnitLine({ notificationId, unitId, status: unitStatus, statusDate, motif: null, nowIso });
        }
      }
    }
  })();
  return { notificationIds };
}
