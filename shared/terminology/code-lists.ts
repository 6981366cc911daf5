/**
 * The official code lists (NOS / CNSA) the product needs, loaded from the copies in ./data. French labels come
 * from the lists themselves. Other versions of the NOS lists come with terminology releases (terminology-catalog.ts).
 */
import j250 from './data/JDV_J250-MotifStatutPersonnePriseChargeUnite.json';
import j251 from './data/JDV_J251-MotifStatutPersonnePriseChargeESMS.json';
import j252 from './data/JDV_J252-StatutPersonnePriseChargeESMS.json';
import j253 from './data/JDV_J253-StatutPersonnePriseChargeUnite.json';
import j264 from './data/JDV_J264-ModeEtCentreDePriseEnCharge-MDPH.json';
import j30 from './data/JDV_J30-TemporaliteAccueil-ROR.json';
import j34 from './data/JDV_J34-CategorieOrganisation-ROR.json';
import ass32 from './data/ASS_A32-StatutMotifPersonnePriseCharge.json';
import mdphOids from './data/MDPH-OID.json';

export interface Concept {
  readonly code: string;
  readonly display: string;
  readonly system?: string;
}

/** One version of a code list. The lists below are the copies in ./data; terminology-catalog.ts holds the others. */
export interface CodeList {
  readonly id: string;
  readonly url: string;
  /** FHIR system of the codes (the TRE behind the JDV). */
  readonly system: string;
  /** The list's own version (NOS timestamp such as 20260730120000, or a description when it has none). */
  readonly version: string;
  /** First day this version is in force (YYYY-MM-DD), when known. */
  readonly validFrom?: string;
  /** Day the next known version replaced it, if any. */
  readonly validTo?: string;
  readonly concepts: readonly Concept[];
}

/** A NOS version timestamp (YYYYMMDDhhmmss) gives the day it takes effect. */
export function dayOfNosVersion(version: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})\d{6}$/.exec(version);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

function codeList(source: {
  id: string;
  url: string | null;
  version: string;
  codeSystem?: { url: string };
  concepts: readonly { code: string; display: string; latestDisplay?: string; system?: string }[];
}): CodeList {
  return {
    id: source.id,
    url: source.url ?? '',
    system: source.codeSystem?.url ?? source.concepts[0]?.system ?? '',
    version: source.version,
    ...(dayOfNosVersion(source.version) ? { validFrom: dayOfNosVersion(source.version) } : {}),
    // The ROR list carries the current wording as latestDisplay: show what users see today.
    concepts: source.concepts.map((c) => ({
      code: c.code,
      display: c.latestDisplay ?? c.display,
      ...(c.system ? { system: c.system } : {}),
    })),
  };
}

export const STATUT_ESMS = codeList(j252);
export const STATUT_UNITE = codeList(j253);
export const MOTIF_ESMS = codeList(j251);
export const MOTIF_UNITE = codeList(j250);
export const MODE_PRISE_CHARGE = codeList(j264);
export const TEMPORALITE_ACCUEIL = codeList(j30);
export const CATEGORIE_ORGANISATION = codeList(j34);

/** The lists whose versions terminology releases may change (terminology-catalog.ts). */
export const VERSIONED_CODE_LISTS: readonly CodeList[] = [
  STATUT_ESMS,
  STATUT_UNITE,
  MOTIF_ESMS,
  MOTIF_UNITE,
  MODE_PRISE_CHARGE,
  TEMPORALITE_ACCUEIL,
  CATEGORIE_ORGANISATION,
];

export function displayOf(list: Pick<CodeList, 'concepts'>, code: string | null | undefined): string | undefined {
  if (code == null) return undefined;
  return list.concepts.find((c) => c.code === code)?.display;
}

export function hasCode(list: Pick<CodeList, 'concepts'>, code: string): boolean {
  return list.concepts.some((c) => c.code === code);
}

/** ASS_A32: the motifs allowed for a status. A status absent from the table takes no motif. */
/** No_Type_Decision (partial: the two codes of the IG). */
export const TYPE_DECISION: readonly Concept[] = [
  { code: '1', display: 'Attribution' },
  { code: '5', display: 'Clôture de droit' },
];

const MOTIFS_BY_STATUT: ReadonlyMap<string, readonly Concept[]> = new Map(
  ass32.associations.map((a) => [a.statut, a.motifs.map((m) => ({ code: m.code, display: m.display }))]),
);

export function motifsForStatut(statut: string): readonly Concept[] {
  return MOTIFS_BY_STATUT.get(statut) ?? [];
}

export interface Mdph {
  readonly code: string;
  readonly label: string;
  readonly oid: string;
}

export const MDPH_LIST: readonly Mdph[] = mdphOids.concepts.map((c) => ({
  code: c.code,
  label: c.display,
  oid: c.oid,
}));

/**
 * No_Type_droit_prestation (CNSA, OID 1.2.250.1.213.3.3.204): orientation categories, labels from the IG annex
 * "Précisions de l'orientation" (the CNSA workbook itself is not available).
 */
export const CATEGORIE_ORIENTATION: readonly Concept[] = [
  { code: '7.1', display: 'Institut médico-éducatif (IME)' },
  { code: '7.2', display: "Institut d'éducation motrice (IEM)" },
  { code: '7.3', display: 'Établissement pour déficients auditifs' },
  { code: '7.4', display: 'Établissement pour déficients visuels' },
  { code: '7.5', display: 'Établissement pour enfants polyhandicapés' },
  { code: '7.6', display: 'Institut thérapeutique, éducatif et pédagogique (ITEP)' },
  { code: '7.7', display: 'Dispositif ITEP' },
  { code: '7.8', display: "Service d'éducation spéciale et de soins à domicile (SESSAD)" },
  { code: '7.9', display: "Service d'accompagnement familial et d'éducation précoce (SAFEP)" },
  { code: '7.10', display: "Service de soutien à l'éducation familiale et à la scolarisation (SSEFS)" },
  { code: '7.11', display: "Service d'aide à l'acquisition de l'autonomie et à la scolarisation (SAAAS)" },
  { code: '7.12', display: 'Service de soins et d’aide à domicile (SSAD)' },
  { code: '7.13', display: "Institut d'éducation sensorielle (IES)" },
  { code: '7.99', display: 'Autre ESMS pour enfants' },
  { code: '8.3', display: 'SEGPA / EREA' },
  { code: '8.6', display: "Unité d'enseignement" },
  { code: '11.1', display: 'Établissement et service de réadaptation professionnelle (ESRP)' },
  { code: '11.2', display: 'Établissement et service de préorientation (ESPO)' },
  { code: '11.3', display: "Unité d'évaluation, de réentraînement et d'orientation socioprofessionnelle (UEROS)" },
  { code: '11.4', display: 'Marché du travail' },
  { code: '11.5', display: "Établissement et service d'aide par le travail (ESAT)" },
  { code: '11.6', display: 'Emploi accompagné' },
  { code: '13.1', display: "Établissement d'accueil non médicalisé" },
  { code: '13.2', display: "Établissement d'accueil médicalisé en tout ou partie (FAM / EAM)" },
  { code: '13.3', display: "Maison d'accueil spécialisée (MAS)" },
  { code: '13.4', display: "Service d'accompagnement à la vie sociale (SAVS)" },
  { code: '13.5', display: "Service d'accompagnement médico-social pour adultes handicapés (SAMSAH)" },
  { code: '13.99', display: 'Autre ESMS pour adultes' },
  { code: '14.0', display: 'Pôle de compétences et de prestations externalisées (PCPE)' },
];

export function orientationLabel(code: string | null | undefined): string {
  if (!code) return 'Catégorie non précisée';
  return CATEGORIE_ORIENTATION.find((c) => c.code === code)?.display ?? `Catégorie ${code}`;
}

/** No_Nature_droit: the IG names only the rule "2 or 3 carry linked decisions"; labels are our reading. */
export const NATURE_DROIT: readonly Concept[] = [
  { code: '1', display: 'Nouveau droit' },
  { code: '2', display: 'Renouvellement' },
  { code: '3', display: 'Révision' },
];
