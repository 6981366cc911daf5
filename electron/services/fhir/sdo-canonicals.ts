/** Canonical URLs of the SDO IG (brief §0, §4) and the systems the builders write. */
import type { SdoProfileVersion } from '@shared/domain/status-report';

const SD = 'https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/';

export const PROFILE = {
  esmsTask: `${SD}esms-task`,
  /** ≤ 4.0.5 name of the Task profile (decisions.md §8). */
  sdoTask: `${SD}sdo-task`,
  esmsConsent: `${SD}esms-consent`,
  esmsDocumentReference: `${SD}esms-document-reference`,
  bundleDecisionEvaluation: `${SD}esms-bundle-resultat-recherche-decision-evaluation`,
  bundleNotification: `${SD}esms-bundle-resultat-recherche-notification-esms`,
  /** ≤ 4.0.5 name of the notification Bundle profile. */
  sdoBundleNotification: `${SD}sdo-bundle-resultat-recherche-notification-esms`,
} as const;

export const INPUT_TASK_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/sdo/CodeSystem/input-task-sdo-codesystem';
export const LOINC = 'http://loinc.org';
export const DOCUMENT_TYPE = {
  decision: { code: '57830-2', display: 'Admission request Document', title: 'Document Individu et décision' },
  evaluation: { code: '51848-0', display: 'Evaluation note', title: 'Document évaluation' },
} as const;

/** System of Task.identifier used for the conditional create of flux 4 (decisions.md §5). */
export const CLIENT_ID_SYSTEM = 'urn:referent-vt:client-id';

export function taskProfileFor(version: SdoProfileVersion): string {
  return version === '4.0.5' ? PROFILE.sdoTask : PROFILE.esmsTask;
}

export function notificationBundleProfileFor(version: SdoProfileVersion): string {
  return version === '4.0.5' ? PROFILE.sdoBundleNotification : PROFILE.bundleNotification;
}
