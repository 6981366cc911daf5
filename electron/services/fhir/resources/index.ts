/** Builders and readers of the SDO resources. */
export { buildEsmsTask, readStatusReport, type BuildEsmsTaskOptions, type InputSliceName } from './esms-task';
export { buildEsmsConsent, type ConsentInput } from './esms-consent';
export { buildDecisionDocumentReference, type DecisionDocumentInput } from './esms-document-reference';
export { searchsetBundle, type SearchsetOptions } from './searchset-bundle';
export { operationOutcome, toOperationOutcome } from './operation-outcome';
export type * from './fhir-json';
