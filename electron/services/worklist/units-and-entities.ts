/**
 * ROR units (the mirror of ViaTrajectoire's units, editable locally with validation) and geographic entities
 * (activation on ViaTrajectoire's side and the referent's local switch, last sync per flow, counts, next steps).
 */
import type { GeographicEntityName, GeographicEntitySummary, RorUnit } from '@shared/domain/worklist';
import { AppError } from '@shared/errors/app-error';
import {
  CATEGORIE_ORGANISATION,
  MODE_PRISE_CHARGE,
  TEMPORALITE_ACCUEIL,
  displayOf,
  hasCode,
  type Concept,
} from '@shared/terminology/code-lists';
import { modesPriseChargeInForce, type CodeListsOfRelease } from '@shared/terminology/terminology-catalog';
import type { SqlExecutor } from '../db/sql/sql-database';
import { DEFAULT_SDO_CONTEXT, type SdoContext } from '../fhir';
import { decisionListedIndex } from './worklist-queries';
import type { RorUnitRecord } from './ror-unit-record';

interface UnitRecord extends RorUnitRecord {
  id: number;
  finess_eg: string;
  eg_name: string;
  origin: 'vt' | 'local';
  locally_edited: number;
  updated_at: string;
}

const UNIT_SQL = `SELECT r.*, g.name AS eg_name FROM ror_unit r JOIN geographic_entity g ON g.finess_eg = r.finess_eg`;

/**
 * The code lists of the environment's terminology release, and the modes a unit's Tasks may carry there. A unit
 * recorded with a mode since retired still shows its label (from the list version that had it).
 */
export interface UnitCodeLists {
  readonly lists: CodeListsOfRelease;
  readonly modesPriseCharge: readonly Concept[];
}

export function unitCodeLists(sdo: SdoContext = DEFAULT_SDO_CONTEXT): UnitCodeLists {
  const lists = sdo.terminology.at(sdo.terminologyRelease);
  return { lists, modesPriseCharge: modesPriseChargeInForce(sdo, lists) };
}

const modeCodes = (codes: UnitCodeLists) => codes.modesPriseCharge.map((c) => c.code);

function toUnit(r: UnitRecord, codes: UnitCodeLists): RorUnit {
  const missing: string[] = [];
  if (!r.categorie_organisation) missing.push("catégorie d'organisation");
  if (!r.mode_prise_charge) missing.push('mode de prise en charge');
  else if (!modeCodes(codes).includes(r.mode_prise_charge))
    missing.push(`mode de prise en charge (${modeCodes(codes).join(', ')})`);
  return {
    id: r.id,
    finessEg: r.finess_eg,
    egName: r.eg_name,
    idRor: r.id_ror,
    name: r.name,
    categorieOrganisation: r.categorie_organisation,
    categorieOrganisationLabel: displayOf(CATEGORIE_ORGANISATION, r.categorie_organisation) ?? null,
    temporaliteAccueil: r.temporalite_accueil,
    temporaliteAccueilLabel: displayOf(TEMPORALITE_ACCUEIL, r.temporalite_accueil) ?? null,
    accueilSequentiel: r.accueil_sequentiel === null ? null : r.accueil_sequentiel === 1,
    modePriseCharge: r.mode_prise_charge,
    modePriseChargeLabel: codes.lists.label(MODE_PRISE_CHARGE.id, r.mode_prise_charge) ?? null,
    origin: r.origin,
    locallyEdited: r.locally_edited === 1,
    updatedAt: r.updated_at,
    missing,
  };
}

export async function listUnits(
  db: SqlExecutor,
  finessEg?: string,
  codes: UnitCodeLists = unitCodeLists(),
): Promise<RorUnit[]> {
  const rows = finessEg
    ? await db.all<UnitRecord>(`${UNIT_SQL} WHERE r.finess_eg = ? ORDER BY g.name, r.name, r.id`, [finessEg])
    : await db.all<UnitRecord>(`${UNIT_SQL} ORDER BY g.name, r.name, r.id`);
  return rows.map((r) => toUnit(r, codes));
}

/** What the referent enters for a unit (MS.CDM/VT.46 with its erratum: the mode is JDV_J264, not J19). */
export interface UnitFields {
  readonly name: string;
  readonly categorieOrganisation: string;
  readonly temporaliteAccueil: string | null;
  readonly accueilSequentiel: boolean | null;
  readonly modePriseCharge: string;
}

export interface UnitUpdate extends UnitFields {
  readonly id: number;
}

/** A unit ViaTrajectoire does not list (yet): entered by the referent with its ROR identifier. */
export interface UnitCreation extends UnitFields {
  readonly finessEg: string;
  readonly idRor: string;
}

/** Validates against J34 / J30 / J264 (not the ROR's wider J19). */
function checkUnitFields(fields: UnitFields, codes: UnitCodeLists): void {
  if (!hasCode(CATEGORIE_ORGANISATION, fields.categorieOrganisation)) {
    throw new AppError('INVALID_INPUT', "La catégorie d'organisation doit être une valeur de la liste ROR (JDV_J34).");
  }
  if (fields.temporaliteAccueil !== null && !hasCode(TEMPORALITE_ACCUEIL, fields.temporaliteAccueil)) {
    throw new AppError('INVALID_INPUT', "La temporalité d'accueil doit être Temporaire ou Permanent (JDV_J30).");
  }
  if (!modeCodes(codes).includes(fields.modePriseCharge)) {
    const modes = codes.modesPriseCharge.map((c) => `${c.code} ${c.display}`).join(', ');
    throw new AppError(
      'INVALID_INPUT',
      `Le mode de prise en charge doit être un mode MDPH accepté par ViaTrajectoire (JDV_J264 : ${modes}), pas un mode ROR (JDV_J19).`,
    );
  }
}

const sequentialFlag = (value: boolean | null) => (value === null ? null : value ? 1 : 0);

async function readUnit(db: SqlExecutor, id: number, codes: UnitCodeLists): Promise<RorUnit> {
  const row = await db.get<UnitRecord>(`${UNIT_SQL} WHERE r.id = ?`, [id]);
  if (!row) throw new AppError('NOT_FOUND', 'Cette unité est introuvable.');
  return toUnit(row, codes);
}

/** Validates the fields and marks the unit as locally edited (the ROR sync then keeps them). */
export async function updateUnit(
  db: SqlExecutor,
  update: UnitUpdate,
  nowIso: string,
  codes: UnitCodeLists = unitCodeLists(),
): Promise<RorUnit> {
  checkUnitFields(update, codes);
  const result = await db.run(
    `UPDATE ror_unit SET name = ?, categorie_organisation = ?, temporalite_accueil = ?, accueil_sequentiel = ?,
       mode_prise_charge = ?, locally_edited = 1, updated_at = ? WHERE id = ?`,
    [
      update.name,
      update.categorieOrganisation,
      update.temporaliteAccueil,
      sequentialFlag(update.accueilSequentiel),
      update.modePriseCharge,
      nowIso,
      update.id,
    ],
  );
  if (result.changes === 0) throw new AppError('NOT_FOUND', 'Cette unité est introuvable.');
  return readUnit(db, update.id, codes);
}

/**
 * Adds a unit of one of the EJ's establishments, origin "locale": its five fields are what a unit status sends, so
 * waiting lists can be kept for it. If ViaTrajectoire later lists the same ROR id, the referent's fields are kept.
 */
export async function createUnit(
  db: SqlExecutor,
  creation: UnitCreation,
  nowIso: string,
  codes: UnitCodeLists = unitCodeLists(),
): Promise<RorUnit> {
  checkUnitFields(creation, codes);
  return db.transaction(async (tx) => {
    if (!(await tx.get('SELECT 1 FROM geographic_entity WHERE finess_eg = ?', [creation.finessEg]))) {
      throw new AppError('NOT_FOUND', 'Cet établissement (FINESS géographique) est inconnu.');
    }
    // The identifier is unique: a concurrent creation of the same one inserts nothing here and is refused alike.
    const id = await tx.value<number>(
      `INSERT INTO ror_unit (finess_eg, id_ror, name, categorie_organisation, temporalite_accueil, accueil_sequentiel,
         mode_prise_charge, origin, locally_edited, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'local', 1, ?)
       ON CONFLICT (id_ror) DO NOTHING RETURNING id`,
      [
        creation.finessEg,
        creation.idRor,
        creation.name,
        creation.categorieOrganisation,
        creation.temporaliteAccueil,
        sequentialFlag(creation.accueilSequentiel),
        creation.modePriseCharge,
        nowIso,
      ],
    );
    if (id === undefined) throw new AppError('INVALID_INPUT', 'Une unité porte déjà cet identifiant ROR.');
    return readUnit(tx, id, codes);
  });
}

/** A geographic_entity row. */
export interface GeographicEntityRecord {
  finess_eg: string;
  finess_ej: string;
  name: string;
  vt_activated: number;
  local_activated: number;
  vt_seen_at: string | null;
}

/** The establishments' names, every one known (activated or not): what the screens name them by. */
export function listGeographicEntityNames(db: SqlExecutor): Promise<GeographicEntityName[]> {
  return db.all<GeographicEntityName>(
    'SELECT finess_eg AS "finessEg", name FROM geographic_entity ORDER BY name, finess_eg',
  );
}

export async function listGeographicEntities(db: SqlExecutor, today: string): Promise<GeographicEntitySummary[]> {
  const egs = await db.all<GeographicEntityRecord>('SELECT * FROM geographic_entity ORDER BY name, finess_eg');
  const grouped = async (sql: string, ...params: unknown[]) =>
    new Map((await db.all<{ k: string; c: number }>(sql, params)).map((r) => [r.k, r.c]));
  const notifications = await grouped('SELECT finess_eg AS k, count(*) AS c FROM notification GROUP BY finess_eg');
  const active = await grouped(
    `SELECT n.finess_eg AS k, count(*) AS c
       FROM notification n JOIN decision d ${decisionListedIndex(db.dialect)} ON d.id = n.decision_id
      WHERE n.terminated = 0 AND (d.validity_end IS NULL OR d.validity_end >= ? OR n.esms_status IN ('47', '51'))
      GROUP BY n.finess_eg`,
    today,
  );
  const aTraiter = await grouped(
    'SELECT finess_eg AS k, count(*) AS c FROM notification WHERE a_traiter = 1 GROUP BY finess_eg',
  );
  const units = await grouped('SELECT finess_eg AS k, count(*) AS c FROM ror_unit GROUP BY finess_eg');
  const quarantined = await grouped(
    'SELECT finess_eg AS k, count(*) AS c FROM quarantine WHERE resolved_at IS NULL AND finess_eg IS NOT NULL GROUP BY finess_eg',
  );
  const rejected = await grouped(
    "SELECT finess_eg AS k, count(*) AS c FROM outbox WHERE state = 'rejected' GROUP BY finess_eg",
  );
  const cursors = await db.all<{ finess_eg: string; flow: 'flux1' | 'flux5' | 'ror'; updated_at: string }>(
    'SELECT finess_eg, flow, updated_at FROM sync_cursor',
  );
  return egs.map((g) => {
    const cursor = (flow: string) =>
      cursors.find((c) => c.finess_eg === g.finess_eg && c.flow === flow)?.updated_at ?? null;
    const nextSteps: string[] = [];
    if (g.vt_activated !== 1) {
      nextSteps.push(
        `Demandez à votre administrateur ViaTrajectoire d'activer l'établissement FINESS ${g.finess_eg} pour les échanges avec votre logiciel : il n'apparaît pas encore dans le jeton d'accès de l'entité juridique ${g.finess_ej}.`,
        'Une fois l’activation faite, lancez une synchronisation : l’établissement passera « activé » côté ViaTrajectoire.',
      );
    }
    if (g.local_activated !== 1) {
      nextSteps.push(
        'Activez la synchronisation de cet établissement dans Référent VT pour recevoir ses notifications.',
      );
    }
    if (g.vt_activated === 1 && g.local_activated === 1 && (units.get(g.finess_eg) ?? 0) === 0) {
      nextSteps.push(
        'Aucune unité ROR connue : ajoutez ses unités dans « Unités ROR » avec leur identifiant ROR (ou synchronisez si ViaTrajectoire les fournit).',
      );
    }
    return {
      finessEg: g.finess_eg,
      finessEj: g.finess_ej,
      name: g.name,
      vtActivated: g.vt_activated === 1,
      localActivated: g.local_activated === 1,
      vtSeenAt: g.vt_seen_at,
      lastSync: { flux1: cursor('flux1'), flux5: cursor('flux5'), ror: cursor('ror') },
      counts: {
        notifications: notifications.get(g.finess_eg) ?? 0,
        active: active.get(g.finess_eg) ?? 0,
        aTraiter: aTraiter.get(g.finess_eg) ?? 0,
        units: units.get(g.finess_eg) ?? 0,
        quarantined: quarantined.get(g.finess_eg) ?? 0,
        rejected: rejected.get(g.finess_eg) ?? 0,
      },
      nextSteps,
    };
  });
}

export async function setLocalActivation(
  db: SqlExecutor,
  finessEg: string,
  active: boolean,
  today: string,
): Promise<GeographicEntitySummary> {
  const result = await db.run('UPDATE geographic_entity SET local_activated = ? WHERE finess_eg = ?', [
    active ? 1 : 0,
    finessEg,
  ]);
  if (result.changes === 0) throw new AppError('NOT_FOUND', 'Cet établissement est introuvable.');
  const found = (await listGeographicEntities(db, today)).find((g) => g.finessEg === finessEg);
  if (!found) throw new AppError('NOT_FOUND', 'Cet établissement est introuvable.');
  return found;
}
