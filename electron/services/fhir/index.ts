/** Public API of the FHIR service: SDO validation, resource builders/readers, CLI command. */
export { validateResource, warmUpValidator, type ValidateOptions } from './validation/resource-validator';
export { toOperationOutcome, operationOutcome } from './resources/operation-outcome';
export { buildEsmsTask, readStatusReport, type BuildEsmsTaskOptions } from './resources/esms-task';
export { buildEsmsConsent, type ConsentInput } from './resources/esms-consent';
export { buildDecisionDocumentReference, type DecisionDocumentInput } from './resources/esms-document-reference';
export { searchsetBundle, type SearchsetOptions } from './resources/searchset-bundle';
export { runValidateCommand } from './validate-command';
export * from './sdo-canonicals';
export {
  DEFAULT_SDO_CONTEXT,
  TERMINOLOGY_FOLDER,
  loadTerminologyCatalog,
  sdoContextOf,
  type SdoContext,
} from './terminology-release-files';
export type * from './resources/fhir-json';
export type { ValidationIssue, ValidationResult } from '@shared/domain/fhir-validation';
