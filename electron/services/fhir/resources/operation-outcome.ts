/** OperationOutcome: the error currency end to end (docs/architecture.md §5). */
import type { ValidationResult } from '@shared/domain/fhir-validation';
import type { IssueSeverity, OperationOutcome } from './fhir-json';

/** A one-issue OperationOutcome; `frenchDiagnostics` must not contain personal data. */
export function operationOutcome(severity: IssueSeverity, code: string, frenchDiagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics: frenchDiagnostics }] };
}

/** The issues of a validation as an R4 OperationOutcome (one `information` issue when there is nothing to say). */
export function toOperationOutcome(result: ValidationResult): OperationOutcome {
  if (result.issues.length === 0) {
    return operationOutcome('information', 'informational', `Ressource conforme au profil ${result.profile}`);
  }
  return {
    resourceType: 'OperationOutcome',
    issue: result.issues.map((i) => ({
      severity: i.severity,
      code: i.code,
      diagnostics: i.message,
      ...(i.path ? { expression: [i.path] } : {}),
    })),
  };
}
