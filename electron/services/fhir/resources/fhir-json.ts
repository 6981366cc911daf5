/** Minimal JSON shapes of the FHIR resources the builders write (the validator checks the full rules). */
export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}
export interface Identifier {
  use?: string;
  system?: string;
  value?: string;
}
export interface Meta {
  lastUpdated?: string;
  source?: string;
  profile?: string[];
}

export interface TaskInput {
  type: CodeableConcept;
  valueIdentifier?: Identifier;
  valueString?: string;
  valueCodeableConcept?: CodeableConcept;
  valueDate?: string;
  valueBoolean?: boolean;
}

export interface EsmsTask {
  resourceType: 'Task';
  id?: string;
  meta: Meta;
  identifier?: Identifier[];
  status: 'completed';
  intent: 'plan';
  description?: string;
  input: TaskInput[];
}

export interface EsmsConsent {
  resourceType: 'Consent';
  id?: string;
  meta: Meta;
  status: 'active';
  scope: CodeableConcept;
  category: CodeableConcept[];
  dateTime: string;
  policyRule: CodeableConcept;
  provision: { data: { meaning: 'related'; reference: { identifier: Identifier } }[] };
}

export interface EsmsDocumentReference {
  resourceType: 'DocumentReference';
  id: string;
  meta: Meta;
  identifier: Identifier[];
  status: 'current';
  type: CodeableConcept;
  content: { attachment: { contentType: string; language: string; data: string; title: string } }[];
}

export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

export interface SearchsetBundle {
  resourceType: 'Bundle';
  meta: Meta;
  type: 'searchset';
  total: number;
  link?: { relation: string; url: string }[];
  entry?: { fullUrl: string; resource: FhirResource; search: { mode: 'match' } }[];
}

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: { severity: IssueSeverity; code: string; diagnostics?: string; expression?: string[] }[];
}
