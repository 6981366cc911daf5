/**
 * The releases of the ANS "Suivi des décisions d'orientation" guide (SDO) the product speaks, in one table: for
 * each, the canonical URLs of its profiles, the terminology release (ans.fr.terminologies) it pins and the
 * behaviour that differs. Types, zod enums and every version-dependent choice derive from this table; adding a
 * release is adding a row here (see docs/versions.md).
 */

const SD = 'https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/';

/** Canonical URLs of the SDO profiles, all releases together. */
export const SDO_PROFILE = {
  esmsTask: `${SD}esms-task`,
  /** ≤ 4.0.5 name of the Task profile. */
  sdoTask: `${SD}sdo-task`,
  esmsConsent: `${SD}esms-consent`,
  esmsDocumentReference: `${SD}esms-document-reference`,
  bundleDecisionEvaluation: `${SD}esms-bundle-resultat-recherche-decision-evaluation`,
  bundleNotification: `${SD}esms-bundle-resultat-recherche-notification-esms`,
  /** ≤ 4.0.5 name of the notification Bundle profile. */
  sdoBundleNotification: `${SD}sdo-bundle-resultat-recherche-notification-esms`,
} as const;

/** The profiles a release defines, by role. */
export interface SdoProfiles {
  readonly task: string;
  readonly notificationBundle: string;
  readonly documentReference: string;
  readonly consent: string;
  readonly decisionEvaluationBundle: string;
}

export type SdoProfileRole = keyof SdoProfiles;

export interface SdoVersionSpec {
  readonly id: string;
  /** What Paramètres shows. */
  readonly label: string;
  readonly profiles: SdoProfiles;
  /** Release of ans.fr.terminologies the guide depends on: the code lists a resource is checked against. */
  readonly terminologyRelease: string;
  readonly switches: {
    /**
     * The guide's invariant regle-ModePriseEnCharge on Task.input:modePriseCharge: only these JDV_J264 codes
     * (up to 4.0.5). Absent: every code of the pinned release's JDV_J264.
     */
    readonly modePriseChargeCodes?: readonly string[];
  };
}

const ESMS_PROFILES = {
  task: SDO_PROFILE.esmsTask,
  notificationBundle: SDO_PROFILE.bundleNotification,
  documentReference: SDO_PROFILE.esmsDocumentReference,
  consent: SDO_PROFILE.esmsConsent,
  decisionEvaluationBundle: SDO_PROFILE.bundleDecisionEvaluation,
} as const satisfies SdoProfiles;

/** The supported releases, the default first. */
export const SDO_VERSIONS = [
  {
    id: '4.0.7',
    label: '4.0.7 (esms-task, par défaut)',
    profiles: ESMS_PROFILES,
    terminologyRelease: '1.10.0',
    switches: {},
  },
  {
    id: '4.0.5',
    label: '4.0.5 (sdo-task)',
    profiles: { ...ESMS_PROFILES, task: SDO_PROFILE.sdoTask, notificationBundle: SDO_PROFILE.sdoBundleNotification },
    // The guide's own dependency of that time is not among the releases the product carries: the oldest one is
    // used, and the invariant below narrows JDV_J264 to what 4.0.5 accepted anyway.
    terminologyRelease: '1.10.0',
    switches: { modePriseChargeCodes: ['46', '47', '48'] },
  },
] as const satisfies readonly SdoVersionSpec[];

export type SdoVersion = (typeof SDO_VERSIONS)[number]['id'];

/** The release ids, for zod enums (`z.enum(SDO_VERSION_IDS)`). */
export const SDO_VERSION_IDS = SDO_VERSIONS.map((v) => v.id) as [SdoVersion, ...SdoVersion[]];

export const DEFAULT_SDO_VERSION: SdoVersion = SDO_VERSIONS[0].id;

export function isSdoVersion(id: string): id is SdoVersion {
  return SDO_VERSIONS.some((v) => v.id === id);
}

/** The row of a release; an unknown release is a programming or data error, never silently another release. */
export function sdoVersion(id: string): SdoVersionSpec & { readonly id: SdoVersion } {
  const found = SDO_VERSIONS.find((v) => v.id === id);
  if (!found) {
    throw new Error(`Version de l’IG SDO non prise en charge : ${id} (connues : ${SDO_VERSION_IDS.join(', ')})`);
  }
  return found;
}

/** A terminology release id, x.y.z as the ANS package numbers them. */
export const TERMINOLOGY_RELEASE_PATTERN = /^\d+\.\d+\.\d+$/;

/**
 * What an environment exchanges with: the guide's release and the terminology release its resources are
 * checked against — the one the guide pins unless ViaTrajectoire is known to expect a later one.
 */
export interface SdoSettings {
  readonly profileVersion: SdoVersion;
  readonly terminologyRelease: string;
}

export function sdoSettings(profileVersion: SdoVersion, expectedTerminologyRelease?: string): SdoSettings {
  return {
    profileVersion,
    terminologyRelease: expectedTerminologyRelease ?? sdoVersion(profileVersion).terminologyRelease,
  };
}

export const DEFAULT_SDO_SETTINGS: SdoSettings = sdoSettings(DEFAULT_SDO_VERSION);
