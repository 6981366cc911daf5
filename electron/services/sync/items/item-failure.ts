/**
 * What can go wrong with one item ViaTrajectoire sends, in two classes (issue 10):
 * - transient (network, timeout, 5xx, 429, unreadable or truncated body, an OperationOutcome answered to a read,
 *   a local write that failed): the item is kept "à relire" and read again by the following runs;
 * - permanent (profile violation, unusable CDA, too large, wrong resource type or identity): quarantine.
 * Every failure names its rule (a stable code, also written to the technical log) and explains it in French.
 */
import { isAppError } from '@shared/errors/app-error';
import type { ValidationResult } from '@shared/domain/fhir-validation';
import { isRetryable } from '../net/retry-policy';
import { onlyHarmlessDefects } from './harmless-defects';

export type FailureClass = 'transient' | 'permanent';

export interface ItemFailure {
  readonly failure: FailureClass;
  /** Stable rule code (`att-1`, `taille-piece-jointe`, `reponse-operationoutcome`…): no personal data. */
  readonly rule: string;
  /** French, for the referent; ids only. */
  readonly reason: string;
  /** The server's OperationOutcome diagnostics or the transport's technical detail. */
  readonly diagnostics?: string;
  /** The resource as received, kept for "Importer quand même" and for support. */
  readonly raw?: string;
  /** The only defects cannot change the decision's meaning: "Importer quand même" is offered. */
  readonly importable?: boolean;
}

export const transient = (rule: string, reason: string, diagnostics?: string): ItemFailure => ({
  failure: 'transient',
  rule,
  reason,
  ...(diagnostics ? { diagnostics: diagnostics.slice(0, 1000) } : {}),
});

export const permanent = (rule: string, reason: string, extra: Partial<ItemFailure> = {}): ItemFailure => ({
  failure: 'permanent',
  rule,
  reason,
  ...extra,
});

/** A failed read (the transport's error after its retries): transient when worth another try later. */
export function readFailure(error: unknown, what: string): ItemFailure {
  const code = isAppError(error) ? error.code : undefined;
  const detail = isAppError(error) ? error.detail : undefined;
  const status = (error as { httpStatus?: number }).httpStatus;
  if (code === 'RESPONSE_TOO_LARGE') {
    return permanent('taille-reponse', `${what} : réponse trop volumineuse (${detail ?? 'limite dépassée'}).`);
  }
  if (code === 'MALFORMED_RESPONSE') {
    return transient(
      'reponse-illisible',
      `${what} : réponse illisible ou tronquée, relue à la prochaine synchronisation.`,
      detail,
    );
  }
  if (code === 'HTTP_RATE_LIMITED')
    return transient('http-429', `${what} : ViaTrajectoire limite les requêtes (429).`, detail);
  if (code === 'HTTP_SERVER_ERROR') {
    return transient(
      `http-${status ?? '5xx'}`,
      `${what} : ViaTrajectoire en erreur ou indisponible (${status ?? '5xx'}).`,
      detail,
    );
  }
  if (isRetryable(error) || code === 'NET_TIMEOUT') {
    return transient(
      'reseau',
      `${what} : échec réseau (${code ?? 'inconnu'}), relu à la prochaine synchronisation.`,
      detail,
    );
  }
  if (code === 'HTTP_CLIENT_ERROR' || code === 'EG_NOT_ACTIVATED') {
    // 404/403 on an id the same server has just listed: kept aside with the server's wording; "Relire maintenant"
    // tries again (a deliberate choice: the issue lists no 4xx among transient failures).
    return permanent(`http-${status ?? '4xx'}`, `${what} : lecture refusée par ViaTrajectoire (${status ?? '4xx'}).`, {
      ...(detail ? { diagnostics: detail.slice(0, 1000) } : {}),
    });
  }
  if (isAppError(error)) return transient('erreur-lecture', `${what} : ${error.message}`, detail);
  return transient('exception-lecture', `${what} : erreur inattendue pendant la lecture (${errorName(error)}).`);
}

/** The body of a read, before anything else is done with it: present, JSON, not an OperationOutcome, right type and id. */
export function checkReadBody(body: unknown, resourceType: string, id: string): ItemFailure | undefined {
  const what = `${resourceType}/${id}`;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return transient('reponse-illisible', `${what} : réponse vide ou non JSON, relue à la prochaine synchronisation.`);
  }
  const type = (body as { resourceType?: unknown }).resourceType;
  if (type === 'OperationOutcome') {
    return transient(
      'reponse-operationoutcome',
      `${what} : ViaTrajectoire a répondu par un message d’erreur (OperationOutcome) au lieu de la ressource ; relue à la prochaine synchronisation.`,
      operationOutcomeDiagnostics(body),
    );
  }
  if (type !== resourceType) {
    return permanent(
      'type-ressource',
      `${what} : la réponse est de type « ${typeof type === 'string' ? type.slice(0, 40) : 'absent'} », attendu ${resourceType}.`,
    );
  }
  const gotId = (body as { id?: unknown }).id;
  if (gotId !== id) {
    return permanent(
      'identite-ressource',
      `${what} : la ressource reçue porte un autre identifiant que celui demandé.`,
    );
  }
  return undefined;
}

export function operationOutcomeDiagnostics(body: unknown): string {
  const issues = (body as { issue?: unknown }).issue;
  const parts = (Array.isArray(issues) ? issues : [])
    .map((i: { diagnostics?: unknown; details?: { text?: unknown }; code?: unknown }) =>
      [i?.code, i?.diagnostics ?? i?.details?.text].filter((x) => typeof x === 'string').join(' : '),
    )
    .filter((x) => x.length > 0);
  return (parts.join(' – ') || 'OperationOutcome sans diagnostic').slice(0, 1000);
}

/** Rule code of a validation issue, as the validator names it (`att-1`, `limite-profondeur`, `format-id`…). */
export function ruleOfIssue(issue: { rule: string }): string {
  return issue.rule;
}

/** A validation that failed, as a permanent failure (importable when every error is a harmless defect). */
export function validationFailure(result: ValidationResult, what: string): ItemFailure {
  const errors = result.issues.filter((i) => i.severity === 'error');
  const first = errors[0];
  const rules = [...new Set(errors.map(ruleOfIssue))];
  return permanent(
    rules[0] ?? 'profil',
    `${what} non conforme (${rules.join(', ')}) : ${first?.path ?? ''} ${first?.message ?? ''}`.trim().slice(0, 500),
    { importable: onlyHarmlessDefects(rules) },
  );
}

/** Runs a check that must never throw (validator, CDA parser): a throw becomes a permanent failure with its rule. */
export function guarded<T>(rule: string, what: string, fn: () => T): T | ItemFailure {
  try {
    return fn();
  } catch (error) {
    return permanent(rule, `${what} : contrôle impossible (${errorName(error)}).`);
  }
}

export function isItemFailure(value: unknown): value is ItemFailure {
  return typeof value === 'object' && value !== null && 'failure' in value && 'rule' in value;
}

/** The error's class name and message, shortened (a parser's message names no person). */
function errorName(error: unknown): string {
  if (error instanceof Error) return `${error.name} : ${error.message}`.slice(0, 200);
  return 'exception';
}

/** JSON of a resource to keep aside, or undefined when it cannot be written (too deep for JSON.stringify). */
export function rawOf(resource: unknown): string | undefined {
  try {
    return JSON.stringify(resource);
  } catch {
    return undefined;
  }
}
