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

/** Any resource; only its type and id matter to the Bundle builder. */
export interface FhirResource {
  readonly resourceType: string;
  readonly id?: string;
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
