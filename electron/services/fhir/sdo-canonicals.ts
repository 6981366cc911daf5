/** Canonical URLs of the SDO IG (docs/versions.md) and the systems the builders write. */
import { SDO_PROFILE, sdoVersion, type SdoVersion } from '@shared/domain/sdo-versions';

/** The profile canonicals of every supported release (the table is in shared/domain/sdo-versions.ts). */
export const PROFILE = SDO_PROFILE;

export const INPUT_TASK_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/sdo/CodeSystem/input-task-sdo-codesystem';
export const LOINC = 'http://loinc.org';
export const DOCUMENT_TYPE = {
  decision: { code: '57830-2', display: 'Admission request Document', title: 'Document Individu et décision' },
  evaluation: { code: '51848-0', display: 'Evaluation note', title: 'Document évaluation' },
} as const;

/** System of Task.identifier used for the conditional create of flux 4 (docs/decisions.md §5). */
export const CLIENT_ID_SYSTEM = 'urn:referent-vt:client-id';

export function taskProfileFor(version: SdoVersion): string {
  return sdoVersion(version).profiles.task;
}

export function notificationBundleProfileFor(version: SdoVersion): string {
  return sdoVersion(version).profiles.notificationBundle;
}
