/**
 * Flux 4 / 5: StatusReport ↔ ESMSTask. Inputs carry both `type.coding` (IG CodeSystem, what the slicing
 * discriminates on) and `type.text` = slice name (what regle-StatutUnite tests), as docs/decisions.md §8 says.
 */
import { AppError } from '@shared/errors/app-error';
import { sdoVersion, type SdoVersion } from '@shared/domain/sdo-versions';
import type { StatusReport, UnitIdentity } from '@shared/domain/status-report';
import {
  BUILTIN_TERMINOLOGY,
  type CodeListsOfRelease,
  type TerminologyCatalog,
} from '@shared/terminology/terminology-catalog';
import {
  CATEGORIE_ORGANISATION,
  MODE_PRISE_CHARGE,
  MOTIF_ESMS,
  MOTIF_UNITE,
  STATUT_ESMS,
  STATUT_UNITE,
  TEMPORALITE_ACCUEIL,
  type CodeList,
} from '@shared/terminology/code-lists';
import { CLIENT_ID_SYSTEM, INPUT_TASK_SYSTEM, taskProfileFor } from '../sdo-canonicals';
import type { CodeableConcept, EsmsTask, TaskInput } from './fhir-json';

type InputKind = 'identifier' | 'string' | 'concept' | 'date' | 'boolean';

/** The ESMSTask input slices (guide SDO 4.0.7, profil ESMSTask), in the order they are written. */
const INPUT_SLICES = {
  idNat_Struct: { kind: 'identifier' },
  nomESMS: { kind: 'string' },
  idDecision: { kind: 'identifier' },
  idNat_Decision: { kind: 'identifier' },
  statutESMS: { kind: 'concept', list: STATUT_ESMS },
  motifESMS: { kind: 'concept', list: MOTIF_ESMS },
  dateStatutESMS: { kind: 'date' },
  idUnite: { kind: 'identifier' },
  nomUnite: { kind: 'string' },
  categorieOrganisation: { kind: 'concept', list: CATEGORIE_ORGANISATION },
  temporaliteAccueil: { kind: 'concept', list: TEMPORALITE_ACCUEIL },
  accueilSequentiel: { kind: 'boolean' },
  modePriseCharge: { kind: 'concept', list: MODE_PRISE_CHARGE },
  statutUnite: { kind: 'concept', list: STATUT_UNITE },
  dateStatutUnite: { kind: 'date' },
  motifUnite: { kind: 'concept', list: MOTIF_UNITE },
} as const satisfies Record<string, { kind: InputKind; list?: CodeList }>;

export type InputSliceName = keyof typeof INPUT_SLICES;
type SliceValues = Partial<Record<InputSliceName, string | boolean>>;

function concept(list: CodeList, code: string): CodeableConcept {
  const known = list.concepts.find((c) => c.code === code);
  return {
    coding: [
      {
        system: known?.system ?? list.system,
        code,
        ...(known ? { display: known.display } : {}),
      },
    ],
  };
}

function input(slice: InputSliceName, value: string | boolean, lists: CodeListsOfRelease): TaskInput {
  const type: CodeableConcept = { coding: [{ system: INPUT_TASK_SYSTEM, code: slice, display: slice }], text: slice };
  const spec: { kind: InputKind; list?: CodeList } = INPUT_SLICES[slice];
  switch (spec.kind) {
    case 'identifier':
      return { type, valueIdentifier: { value: String(value) } };
    case 'string':
      return { type, valueString: String(value) };
    case 'date':
      return { type, valueDate: String(value) };
    case 'boolean':
      return { type, valueBoolean: value === true };
    case 'concept':
      // The release's version of the list: a code it holds gets its system and label even if later retired.
      return { type, valueCodeableConcept: concept(lists.list((spec.list ?? STATUT_ESMS).id), String(value)) };
  }
}

export interface BuildEsmsTaskOptions {
  readonly profileVersion: SdoVersion;
  /** Terminology release the codes are written from; defaults to the one the IG release pins. */
  readonly terminologyRelease?: string;
  /** The releases known (an environment may add its own); defaults to those built into the product. */
  readonly terminology?: TerminologyCatalog;
  /** Outbox client id, sent as Task.identifier for the conditional create (docs/decisions.md §5). */
  readonly clientIdentifier: string;
  /** Server-side notion of the event time; meta.lastUpdated is 1..1 in the profile. */
  readonly lastUpdated: string;
}

/** Builds the ESMSTask (or 4.0.5 SDOTask) of one status event (flux 4, POST). */
export function buildEsmsTask(report: StatusReport, opts: BuildEsmsTaskOptions): EsmsTask {
  const values: SliceValues = {
    idNat_Struct: report.idNatStruct,
    nomESMS: report.nomESMS,
    idDecision: report.idDecision,
    idNat_Decision: report.idNatDecision,
    statutESMS: report.statutESMS,
    motifESMS: report.motifESMS,
    dateStatutESMS: report.dateStatutESMS,
    idUnite: report.unit?.idUnite,
    nomUnite: report.unit?.nomUnite,
    categorieOrganisation: report.unit?.categorieOrganisation,
    temporaliteAccueil: report.unit?.temporaliteAccueil,
    accueilSequentiel: report.unit?.accueilSequentiel,
    modePriseCharge: report.unit?.modePriseCharge,
    statutUnite: report.statutUnite,
    dateStatutUnite: report.dateStatutUnite,
    motifUnite: report.motifUnite,
  };
  const lists = (opts.terminology ?? BUILTIN_TERMINOLOGY).at(
    opts.terminologyRelease ?? sdoVersion(opts.profileVersion).terminologyRelease,
  );
  const inputs: TaskInput[] = [];
  for (const slice of Object.keys(INPUT_SLICES) as InputSliceName[]) {
    const value = values[slice];
    if (value !== undefined && value !== '') inputs.push(input(slice, value, lists));
  }
  return {
    resourceType: 'Task',
    meta: { lastUpdated: opts.lastUpdated, profile: [taskProfileFor(opts.profileVersion)] },
    identifier: [{ system: CLIENT_ID_SYSTEM, value: opts.clientIdentifier }],
    status: 'completed',
    intent: 'plan',
    ...(report.description ? { description: report.description } : {}),
    input: inputs,
  };
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slice of an input: the IG coding first, else `type.text` (older text-based servers). */
function sliceOf(type: unknown): InputSliceName | undefined {
  if (!isObject(type)) return undefined;
  const codings = Array.isArray(type.coding) ? type.coding.filter(isObject) : [];
  const byCoding = codings.find((c) => c.system === INPUT_TASK_SYSTEM && typeof c.code === 'string')?.code;
  const name = typeof byCoding === 'string' ? byCoding : typeof type.text === 'string' ? type.text : undefined;
  return name !== undefined && name in INPUT_SLICES ? (name as InputSliceName) : undefined;
}

function valueOf(slice: InputSliceName, item: JsonObject): string | boolean | undefined {
  const spec: { kind: InputKind; list?: CodeList } = INPUT_SLICES[slice];
  switch (spec.kind) {
    case 'identifier':
      return isObject(item.valueIdentifier) && typeof item.valueIdentifier.value === 'string'
        ? item.valueIdentifier.value
        : undefined;
    case 'string':
      return typeof item.valueString === 'string' ? item.valueString : undefined;
    case 'date':
      return typeof item.valueDate === 'string' ? item.valueDate : undefined;
    case 'boolean':
      return typeof item.valueBoolean === 'boolean' ? item.valueBoolean : undefined;
    case 'concept': {
      const cc = item.valueCodeableConcept;
      const codings = isObject(cc) && Array.isArray(cc.coding) ? cc.coding.filter(isObject) : [];
      const systems = new Set([spec.list?.system, ...(spec.list?.concepts.map((c) => c.system) ?? [])]);
      const preferred = codings.find((c) => systems.has(c.system as string | undefined)) ?? codings[0];
      return typeof preferred?.code === 'string' ? preferred.code : undefined;
    }
  }
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Reads a StatusReport back from an ESMSTask (flux 5 or our own). Tolerates inputs identified by coding only or
 * by text only. The unit block is kept only when its four mandatory parts are present (UnitIdentity).
 * @throws AppError RESOURCE_INVALID when one of the four always-sent inputs is missing.
 */
export function readStatusReport(task: unknown): StatusReport {
  const values: SliceValues = {};
  const inputs = isObject(task) && Array.isArray(task.input) ? task.input.filter(isObject) : [];
  for (const item of inputs) {
    const slice = sliceOf(item.type);
    if (!slice || values[slice] !== undefined) continue;
    const value = valueOf(slice, item);
    if (value !== undefined) values[slice] = value;
  }
  const idNatStruct = str(values.idNat_Struct);
  const nomESMS = str(values.nomESMS);
  const idDecision = str(values.idDecision);
  const idNatDecision = str(values.idNat_Decision);
  if (idNatStruct === undefined || nomESMS === undefined || idDecision === undefined || idNatDecision === undefined) {
    throw new AppError(
      'RESOURCE_INVALID',
      'Le statut reçu est incomplet : structure, nom de l’ESMS ou identifiants de la décision manquants.',
    );
  }
  const idUnite = str(values.idUnite);
  const nomUnite = str(values.nomUnite);
  const categorieOrganisation = str(values.categorieOrganisation);
  const modePriseCharge = str(values.modePriseCharge);
  const temporaliteAccueil = str(values.temporaliteAccueil);
  const accueilSequentiel = typeof values.accueilSequentiel === 'boolean' ? values.accueilSequentiel : undefined;
  const unit: UnitIdentity | undefined =
    idUnite !== undefined &&
    nomUnite !== undefined &&
    categorieOrganisation !== undefined &&
    modePriseCharge !== undefined
      ? {
          idUnite,
          nomUnite,
          categorieOrganisation,
          modePriseCharge,
          ...(temporaliteAccueil !== undefined ? { temporaliteAccueil } : {}),
          ...(accueilSequentiel !== undefined ? { accueilSequentiel } : {}),
        }
      : undefined;
  const optional = {
    statutESMS: str(values.statutESMS),
    motifESMS: str(values.motifESMS),
    dateStatutESMS: str(values.dateStatutESMS),
    unit,
    statutUnite: str(values.statutUnite),
    motifUnite: str(values.motifUnite),
    dateStatutUnite: str(values.dateStatutUnite),
    description: isObject(task) && typeof task.description === 'string' ? task.description : undefined,
  };
  const report: Record<string, unknown> = { idNatStruct, nomESMS, idDecision, idNatDecision };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) report[key] = value;
  return report as unknown as StatusReport;
}
