/**
 * Named rules of the validator's refusals, beside the profiles' own invariant keys (`regle-StatutUnite`, `dom-6`,
 * reported under their key). Stable codes: the sync logs and quarantines by them. README.md in this folder says
 * which of them go beyond a standard FHIR validator, and why.
 */
export const VALIDATION_RULE = {
  /** JSON nested deeper than MAX_JSON_DEPTH: refused before any recursive walk. */
  maxDepth: 'limite-profondeur',
  /** A string longer than MAX_STRING_LENGTH (FHIR: strings SHALL NOT exceed 1 MB). */
  maxStringLength: 'limite-longueur-chaine',
  /** `""` anywhere: FHIR JSON never allows an empty string (absent, or at least one character). */
  emptyString: 'chaine-vide',
  /** A Coding of an IG CodeSystem (content complete) whose code is not in it. */
  codeOutsideCodeSystem: 'code-hors-systeme',
  /** The validator itself failed on this input: refused, never thrown. */
  unexpected: 'erreur-validateur',
  /** Not JSON object / resourceType absent or unknown, unknown element, wrong JSON shape, several choice types. */
  structure: 'structure',
  /** Cardinality of an element or a slice. */
  cardinality: 'cardinalite',
  /** Fixed or pattern value imposed by the profile. */
  fixedValue: 'valeur-imposee',
  /** Code outside the ValueSet of a required binding. */
  requiredBinding: 'jeu-de-valeurs',
  /** Profile unknown, of another IG release, or not for this resource type. */
  profile: 'profil',
} as const;

/** `format-<type>` for a primitive value that does not match its FHIR type (`format-id`, `format-date`...). */
export function formatRule(primitiveType: string): string {
  return `format-${primitiveType}`;
}

/**
 * Deepest nesting of JSON objects and arrays accepted. An SDO Bundle of DocumentReferences is about 8 deep; 64
 * leaves room for extensions while keeping every recursive walk (ours, fhirpath.js's) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/** FHIR R4 (datatypes, string): strings SHALL NOT exceed 1 MB; counted in UTF-16 code units. */
export const MAX_STRING_LENGTH = 1024 * 1024;
