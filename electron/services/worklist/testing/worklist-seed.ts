/**
 * Fake work load for tests and the UI bench: one EJ, three EGs (ESAT, ESRP, IME), their ROR units, and `count`
 * notifications of generated fake persons (names TESTFICTIF…, see cda/fake) spread over every status.
 *
 * The rows are written a few hundred per statement (notifications and unit lines through the notification store's
 * bulk copy, their one writer): one statement per row and per step takes minutes for 10,000 notifications on a
 * PostgreSQL server. They are the rows the store's single-row writes would have left: a notification created then
 * given its status (terminated for 49), raised "à traiter" for some, and a new unit line whose request date is its
 * status date.
 */
import { generateDecisionSpec, renderDecisionCda } from '../../cda/fake';
import { notificationStore } from '../../db/notification-store';
import type { SqlDatabase, SqlExecutor } from '../../db/sql/sql-database';

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

/** Rows per INSERT: well under both engines' parameter limits (14 columns × 400). */
const BATCH = 400;

const PERSON_COLUMNS = [
  'mdph_oid',
  'mdph_individual_id',
  'family_name',
  'used_family_name',
  'given_names',
  'birth_date',
  'search_text',
  'updated_at',
];
const DECISION_COLUMNS = [
  'person_id',
  'id_nat_decision',
  'id_decision',
  'document_reference_id',
  'type_decision',
  'nature_droit',
  'decision_date',
  'category_code',
  'validity_start',
  'validity_end',
  'priority_level',
  'raw_resource_json',
  'raw_cda',
  'received_at',
];

/** Inserts rows in one statement and returns their ids, in the order of `rows`. */
async function insertMany<K extends string | number>(
  tx: SqlExecutor,
  sql: { table: string; columns: readonly string[]; key: string },
  rows: readonly (readonly unknown[])[],
  keyOf: (row: readonly unknown[]) => K,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const placeholders = `(${sql.columns.map(() => '?').join(', ')})`;
  const returned = await tx.all<{ id: number; k: K }>(
    `INSERT INTO ${sql.table} (${sql.columns.join(', ')}) VALUES ${rows.map(() => placeholders).join(', ')}
     RETURNING id, ${sql.key} AS k`,
    rows.flat(),
  );
  // Neither engine promises RETURNING in VALUES order: match each row by its unique key.
  const ids = new Map(returned.map((r) => [r.k, r.id]));
  return rows.map((row) => {
    const id = ids.get(keyOf(row));
    if (id === undefined) throw new Error(`${sql.table} : ligne non insérée`);
    return id;
  });
}

interface SeedItem {
  readonly person: readonly unknown[];
  /** The decision's columns after person_id. */
  readonly decision: readonly unknown[];
  readonly finessEg: string;
  readonly esmsStatus: string;
  readonly unitStatus: string | null;
  readonly statusDate: string;
  readonly aTraiter: boolean;
  readonly unitId: number | undefined;
}

export async function seedWorklist(db: SqlDatabase, options: SeedOptions): Promise<{ notificationIds: number[] }> {
  const nowIso = `${options.today}T08:00:00.000Z`;
  const notificationIds: number[] = [];
  await db.transaction(async (tx) => {
    await tx.run('INSERT INTO legal_entity (finess_ej, name, vt_activated) VALUES (?, ?, 1) ON CONFLICT DO NOTHING', [
      SEED_EJ,
      'ASSOCIATION FICTIVE DE TEST',
    ]);
    for (const eg of SEED_EGS) {
      await tx.run(
        `INSERT INTO geographic_entity (finess_eg, finess_ej, name, vt_activated, local_activated)
         VALUES (?, ?, ?, 1, 1) ON CONFLICT DO NOTHING`,
        [eg.finessEg, SEED_EJ, eg.name],
      );
    }
    const unitIds = new Map<string, number[]>();
    for (const u of SEED_UNITS) {
      await tx.run(
        `INSERT INTO ror_unit (finess_eg, id_ror, name, categorie_organisation, temporalite_accueil,
           accueil_sequentiel, mode_prise_charge, origin, updated_at) VALUES (?, ?, ?, ?, '02', 0, ?, 'vt', ?)
         ON CONFLICT DO NOTHING`,
        [u.finessEg, u.idRor, u.name, u.cat, u.mode, nowIso],
      );
      const id = await tx.value<number>('SELECT id FROM ror_unit WHERE id_ror = ?', [u.idRor]);
      if (id === undefined) throw new Error(`unité ${u.idRor} absente`);
      unitIds.set(u.finessEg, [...(unitIds.get(u.finessEg) ?? []), id]);
    }
    for (let start = 0; start < options.count; start += BATCH) {
      const items: SeedItem[] = [];
      for (let i = start; i < Math.min(options.count, start + BATCH); i++) {
        const eg = SEED_EGS[i % SEED_EGS.length] ?? SEED_EGS[0];
        const spec = generateDecisionSpec((options.seed ?? 7) * 100_003 + i, {
          finessEgs: [eg.finessEg],
          today: options.today,
          index: i + 1,
          scenario: 'attribution',
        });
        const parsed = spec.decision;
        const p = parsed.person;
        const droit = parsed.droitPrestation;
        const [esmsStatus, unitStatus] = MIXES[i % MIXES.length] ?? ['39', null];
        const units = unitIds.get(eg.finessEg) ?? [];
        items.push({
          person: [
            p.idIndividuMdphOid ?? '1.2.250.1.213.7.1',
            `${p.idIndividu}-${i}`,
            p.familyNameBirth ?? 'TESTFICTIF',
            p.familyNameUsed,
            p.givenNames ?? 'Fictif',
            p.birthDate?.iso ?? null,
            '',
            nowIso,
          ],
          decision: [
            `${parsed.document.idNatDecision}-${i}`,
            `${parsed.decision.idDecision}-${i}`,
            `dr-${i}`,
            '1',
            '1',
            parsed.decision.dateDeDecision,
            eg.category,
            droit?.dateOuvertureDuDroit ?? null,
            droit?.dateEcheanceDuDroit ?? null,
            droit?.caracterisation?.niveau?.display ?? null,
            '{}',
            renderDecisionCda(spec),
            nowIso,
          ],
          finessEg: eg.finessEg,
          esmsStatus,
          unitStatus,
          statusDate: addDays(options.today, -(i % 400)),
          aTraiter: i % 13 === 0,
          unitId: units[i % units.length],
        });
      }
      const personIds = await insertMany(
        tx,
        {
          table: 'person',
          columns: PERSON_COLUMNS,
          key: 'mdph_individual_id',
        },
        items.map((it) => it.person),
        (row) => row[1] as string,
      );
      const decisionRows = items.map((it, j) => [personIds[j], ...it.decision]);
      const decisionIds = await insertMany(
        tx,
        { table: 'decision', columns: DECISION_COLUMNS, key: 'id_nat_decision' },
        decisionRows,
        (row) => row[1] as string,
      );
      const store = notificationStore(tx);
      const copied = await store.copyNotifications(
        items.map((it, j) => ({
          decision_id: decisionIds[j],
          finess_eg: it.finessEg,
          esms_status: it.esmsStatus,
          esms_status_date: it.statusDate,
          terminated: it.esmsStatus === '49' ? 1 : 0,
          a_traiter: it.aTraiter ? 1 : 0,
          a_traiter_reason: it.aTraiter ? 'Notification annulée par la MDPH' : null,
          created_at: nowIso,
          updated_at: nowIso,
        })),
      );
      // Neither engine promises RETURNING in VALUES order: each decision has one notification here.
      const idOfDecision = new Map(copied.map((c) => [c.decisionId, c.id]));
      const ids = decisionIds.map((decisionId) => {
        const id = idOfDecision.get(decisionId);
        if (id === undefined) throw new Error('notification : ligne non insérée');
        return id;
      });
      notificationIds.push(...ids);
      await store.copyUnitLines(
        items.flatMap((it, j) =>
          it.unitStatus && it.unitId !== undefined
            ? [
                {
                  notification_id: ids[j],
                  ror_unit_id: it.unitId,
                  status: it.unitStatus,
                  status_date: it.statusDate,
                  motif: null,
                  request_date: it.statusDate,
                  updated_at: nowIso,
                },
              ]
            : [],
        ),
      );
    }
  });
  return { notificationIds };
}
