/**
 * Checks a JSON value's bounds before any recursive walk, iteratively (an explicit stack, so a 5,000-deep
 * `extension` cannot overflow the call stack here): nesting depth, string length, empty strings. Schema-free:
 * FHIR JSON never allows `""` and caps strings at 1 MB wherever they are, known element or not.
 */
import type { ValidationIssue } from '@shared/domain/fhir-validation';
import { MAX_JSON_DEPTH, MAX_STRING_LENGTH, VALIDATION_RULE } from './validation-rules';

interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly key: string | number;
}

/**
 * base64Binary values (`Attachment.data`, the CDA): bounded by the attachment size limit the sync applies before
 * validation (from the base64 length), not by the 1 MB string rule, which FHIR sets for `string`.
 */
const UNBOUNDED_KEYS: ReadonlySet<string> = new Set(['data']);

/** Longest key or label shown in a path: a hostile key must not flood messages or logs. */
const SHOWN_KEY_LENGTH = 64;

function pathOf(frame: Frame | undefined, key: string | number | undefined, root: string): string {
  const parts: string[] = [];
  const push = (k: string | number) =>
    parts.push(
      typeof k === 'number' ? `[${k}]` : `.${k.length > SHOWN_KEY_LENGTH ? `${k.slice(0, SHOWN_KEY_LENGTH)}…` : k}`,
    );
  if (key !== undefined) push(key);
  for (let f = frame; f?.parent; f = f.parent) push(f.key);
  return root + parts.reverse().join('');
}

export interface JsonLimitsResult {
  readonly issues: ValidationIssue[];
  /** False when walking the value recursively would not be safe or useful (too deep, oversized string). */
  readonly walkable: boolean;
}

/** Scans `value` (labelled `root` in paths, e.g. `Task`); never throws on JSON data, cycles included. */
export function checkJsonLimits(value: unknown, root: string): JsonLimitsResult {
  const issues: ValidationIssue[] = [];
  let walkable = true;
  const checkString = (s: string, frame: Frame | undefined, key: string | number | undefined): void => {
    if (s.length === 0) {
      issues.push({
        severity: 'error',
        path: pathOf(frame, key, root),
        code: 'value',
        rule: VALIDATION_RULE.emptyString,
        message: 'Chaîne vide interdite : un élément FHIR est absent ou a une valeur',
      });
    } else if (s.length > MAX_STRING_LENGTH && !(typeof key === 'string' && UNBOUNDED_KEYS.has(key))) {
      walkable = false;
      issues.push({
        severity: 'error',
        path: pathOf(frame, key, root),
        code: 'too-long',
        rule: VALIDATION_RULE.maxStringLength,
        message: `Chaîne trop longue : ${s.length} caractères, la limite FHIR est de ${MAX_STRING_LENGTH} (1 Mio)`,
      });
    }
  };
  if (typeof value === 'string') checkString(value, undefined, undefined);
  if (typeof value !== 'object' || value === null) return { issues, walkable };
  const stack: Frame[] = [{ value, depth: 1, parent: undefined, key: '' }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    if (frame.depth > MAX_JSON_DEPTH) {
      issues.push({
        severity: 'error',
        path: pathOf(frame, undefined, root),
        code: 'too-costly',
        rule: VALIDATION_RULE.maxDepth,
        message: `Imbrication trop profonde : plus de ${MAX_JSON_DEPTH} niveaux d’objets et de tableaux JSON`,
      });
      return { issues, walkable: false };
    }
    const container = frame.value;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const child: unknown = container[i];
        if (typeof child === 'string') checkString(child, frame, i);
        else if (typeof child === 'object' && child !== null)
          stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: i });
      }
    } else {
      const record = container as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child === 'string') checkString(child, frame, key);
        else if (typeof child === 'object' && child !== null)
          stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
      }
    }
  }
  return { issues, walkable };
}
