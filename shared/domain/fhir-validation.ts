/**
 * Result of validating a FHIR resource against an SDO profile (electron/services/fhir/validation).
 * Shared so the renderer can show issues without knowing how they were produced.
 */
export type ValidationSeverity = 'error' | 'warning' | 'information';

export interface ValidationIssue {
  readonly severity: ValidationSeverity;
  /** FHIRPath-like location with indices, e.g. `Task.input[4].valueCodeableConcept`; slices as `Task.input:idNat_Struct`. */
  readonly path: string;
  /** French, for the referent; never contains the value of a personal field. */
  readonly message: string;
  /** FHIR IssueType code (`required`, `structure`, `value`, `code-invalid`, `invariant`, `not-supported`...). */
  readonly code: string;
  /**
   * Named rule the issue reports, stable for logs and quarantine: an invariant key (`regle-StatutUnite`, `dom-6`),
   * a limit (`limite-profondeur`) or a structural rule (`format-id`, `chaine-vide`...). See
   * electron/services/fhir/validation/validation-rules.ts.
   */
  readonly rule: string;
}

export interface ValidationResult {
  /** True when no issue has severity `error`. */
  readonly valid: boolean;
  /** Canonical URL of the profile the resource was validated against. */
  readonly profile: string;
  readonly issues: readonly ValidationIssue[];
}
