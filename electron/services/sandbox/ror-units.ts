/**
 * ROR units (organisations internes) of each EG, as ViaTrajectoire knows them.
 *
 * IMITATION: the SDO IG does not define how an ESMS gets its units (the Task only carries idUnite, nomUnite,
 * categorieOrganisation, temporaliteAccueil, accueilSequentiel, modePriseCharge). The sandbox exposes them as
 * a FHIR R4 search `GET /fhir/HealthcareService?organization.identifier=<FINESS EG>` (HealthcareService =
 * the R4 resource closest to a ROR "organisation interne"); see README.md.
 */
import {
  CATEGORIE_ORGANISATION,
  MODE_PRISE_CHARGE,
  TEMPORALITE_ACCUEIL,
  displayOf,
} from '@shared/terminology/code-lists';
import type { RorUnitRecord } from './sandbox-store';

export const ROR_ID_SYSTEM = 'https://oi.esante.gouv.fr';
export const FINESS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.2';
/** Sandbox-defined extension: the ROR "accueil séquentiel" flag has no R4 element. */
export const ACCUEIL_SEQUENTIEL_EXTENSION =
  'https://referent-vt.invalid/fhir/StructureDefinition/sandbox-accueil-sequentiel';

export type EstablishmentKind = 'esat' | 'ime' | 'fam-mas';

type UnitTemplate = Omit<RorUnitRecord, 'idRor' | 'finessEg'>;

const UNIT_TEMPLATES: Record<EstablishmentKind, UnitTemplate[]> = {
  esat: [
    {
      name: 'Atelier conditionnement',
      categorieOrganisation: '43',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '47',
    },
    {
      name: 'Atelier espaces verts',
      categorieOrganisation: '43',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '47',
    },
    {
      name: 'Section annexe ESAT (temps partiel)',
      categorieOrganisation: '43',
      temporaliteAccueil: '02',
      accueilSequentiel: true,
      modePriseCharge: '47',
    },
  ],
  ime: [
    {
      name: 'Internat IME',
      categorieOrganisation: '48',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '46',
    },
    {
      name: 'Semi-internat IME',
      categorieOrganisation: '48',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '47',
    },
    {
      name: 'Accueil temporaire IME',
      categorieOrganisation: '48',
      temporaliteAccueil: '01',
      accueilSequentiel: true,
      modePriseCharge: '46',
    },
  ],
  'fam-mas': [
    {
      name: 'FAM hébergement',
      categorieOrganisation: '39',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '46',
    },
    {
      name: 'FAM accueil de jour',
      categorieOrganisation: '39',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '47',
    },
    {
      name: 'MAS hébergement',
      categorieOrganisation: '40',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
      modePriseCharge: '46',
    },
    {
      name: 'MAS accueil temporaire',
      categorieOrganisation: '40',
      temporaliteAccueil: '01',
      accueilSequentiel: true,
      modePriseCharge: '46',
    },
  ],
};

/** Plausible units of an EG of that kind; ROR ids are fictive and stable for a given EG. */
export function seedUnits(finessEg: string, kind: EstablishmentKind): RorUnitRecord[] {
  return UNIT_TEMPLATES[kind].map((template, index) => ({
    ...template,
    idRor: `${finessEg}${String(index + 1).padStart(3, '0')}`,
    finessEg,
  }));
}

function coding(
  list: { system: string },
  code: string,
  label: { concepts: readonly { code: string; display: string; system?: string }[] },
) {
  const concept = label.concepts.find((c) => c.code === code);
  return { system: concept?.system ?? list.system, code, ...(concept ? { display: concept.display } : {}) };
}

export function healthcareService(unit: RorUnitRecord, establishmentName: string): Record<string, unknown> {
  return {
    resourceType: 'HealthcareService',
    id: unit.idRor,
    extension: [{ url: ACCUEIL_SEQUENTIEL_EXTENSION, valueBoolean: unit.accueilSequentiel }],
    identifier: [{ system: ROR_ID_SYSTEM, value: unit.idRor }],
    active: true,
    providedBy: { identifier: { system: FINESS_SYSTEM, value: unit.finessEg }, display: establishmentName },
    // JDV_J34 (TRE_R244) catégorie d'organisation.
    category: [{ coding: [coding(CATEGORIE_ORGANISATION, unit.categorieOrganisation, CATEGORIE_ORGANISATION)] }],
    name: unit.name,
    // JDV_J30 temporalité d'accueil and JDV_J264 mode de prise en charge.
    characteristic: [
      { coding: [coding(TEMPORALITE_ACCUEIL, unit.temporaliteAccueil, TEMPORALITE_ACCUEIL)] },
      { coding: [coding(MODE_PRISE_CHARGE, unit.modePriseCharge, MODE_PRISE_CHARGE)] },
    ],
    comment:
      `Unité ROR fictive du bac à sable — ${displayOf(CATEGORIE_ORGANISATION, unit.categorieOrganisation) ?? ''}`.trim(),
  };
}
