/**
 * Fast paths for the invariants every synchronised DocumentReference meets (fhirpath.js costs 3 to 30 µs each on
 * it): each answers only for plain JSON shapes where the FHIRPath result is certain, and returns undefined
 * otherwise so fhirpath.js evaluates the rule. Keyed by the exact expression text: a changed rule is never
 * answered from here. invariant-fast-paths.test.ts proves the same results as fhirpath.js on the official
 * examples and on mutated resources.
 */

import { INPUT_TASK_SYSTEM } from '../sdo-canonicals';
import { codedTwin } from './coded-input-rules';

type FastPath = (node: unknown) => boolean[] | undefined;
type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Neither the element nor its primitive-extension twin (`_name`) is present. */
function absent(node: JsonObject, name: string): boolean {
  return node[name] === undefined && node[`_${name}`] === undefined;
}

/** `name` holds a non-empty string and has no `_name` twin. */
function plainString(node: JsonObject, name: string): boolean {
  return typeof node[name] === 'string' && node[name] !== '' && node[`_${name}`] === undefined;
}

/** Array of plain objects (no null, no nested array), or undefined when the shape is anything else. */
function objectArray(value: unknown): JsonObject[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isObject)) return undefined;
  return value;
}

/** dom-2, dom-3, dom-4, dom-5 navigate from `contained` only: without it each is `{}.empty()`, i.e. true. */
const withoutContained: FastPath = (node) => (isObject(node) && absent(node, 'contained') ? [true] : undefined);

/** `content.attachment` as plain objects, each attachment's `field` a non-empty string or absent. */
function attachments(node: JsonObject, field: string): JsonObject[] | undefined {
  if (node._content !== undefined) return undefined;
  const content = objectArray(node.content);
  if (!content) return undefined;
  const result: JsonObject[] = [];
  for (const c of content) {
    if (c._attachment !== undefined || !isObject(c.attachment)) return undefined;
    if (!absent(c.attachment, field) && !plainString(c.attachment, field)) return undefined;
    result.push(c.attachment);
  }
  return result;
}

/** `type.coding.where(code = X).exists()` when type and its codings are plain; undefined otherwise. */
function typeHasCode(node: JsonObject): ((code: string) => boolean) | undefined {
  if (node._type !== undefined) return undefined;
  if (node.type === undefined) return () => false;
  if (!isObject(node.type) || node.type._coding !== undefined) return undefined;
  if (node.type.coding === undefined) return () => false;
  const codings = objectArray(node.type.coding);
  if (!codings || !codings.every((c) => absent(c, 'code') || plainString(c, 'code'))) return undefined;
  return (code) => codings.some((c) => c.code === code);
}

/** Published regle-StatutUnite (ESMSTask), inputs found by `type.text`. */
const REGLE_STATUT_UNITE =
  "(input.type.where(text='statutUnite').exists()) implies (input.type.where(text='nomUnite').exists() and input.type.where(text='categorieOrganisation').exists() and input.type.where(text='modePriseCharge').exists() and input.type.where(text='dateStatutUnite').exists() and input.type.where(text='idUnite').exists())";
const UNIT_BLOCK = ['nomUnite', 'categorieOrganisation', 'modePriseCharge', 'dateStatutUnite', 'idUnite'];

/**
 * The names the Task's inputs are known by: each `type.text`, or each input-task `type.coding.code`. Undefined
 * when a shape is not plain (primitive extensions, arrays where objects are expected, non-string values).
 */
function inputNames(node: JsonObject, by: 'text' | 'coding'): Set<string> | undefined {
  const names = new Set<string>();
  if (node._input !== undefined) return undefined;
  if (node.input === undefined) return names;
  const inputs = objectArray(node.input);
  if (!inputs) return undefined;
  for (const input of inputs) {
    if (input._type !== undefined) return undefined;
    if (input.type === undefined) continue;
    if (!isObject(input.type)) return undefined;
    const type = input.type;
    if (by === 'text') {
      if (absent(type, 'text')) continue;
      if (!plainString(type, 'text')) return undefined;
      names.add(type.text as string);
      continue;
    }
    if (type._coding !== undefined) return undefined;
    if (type.coding === undefined) continue;
    const codings = objectArray(type.coding);
    if (!codings) return undefined;
    for (const c of codings) {
      for (const field of ['system', 'code']) if (!absent(c, field) && !plainString(c, field)) return undefined;
      if (c.system === INPUT_TASK_SYSTEM && typeof c.code === 'string') names.add(c.code);
    }
  }
  return names;
}

/** `statutUnite` present implies the whole unit block present, inputs named by text or by coding. */
function unitBlockRule(by: 'text' | 'coding'): FastPath {
  return (node) => {
    if (!isObject(node)) return undefined;
    const names = inputNames(node, by);
    if (!names) return undefined;
    return [!names.has('statutUnite') || UNIT_BLOCK.every((name) => names.has(name))];
  };
}

const regleStatutUniteCoded = codedTwin({
  key: 'regle-StatutUnite',
  severity: 'error',
  human: '',
  expression: REGLE_STATUT_UNITE,
});

const FAST_PATHS = new Map<string, FastPath>([
  [`regle-StatutUnite|${REGLE_STATUT_UNITE}`, unitBlockRule('text')],
  [`${regleStatutUniteCoded?.key ?? ''}|${regleStatutUniteCoded?.expression ?? ''}`, unitBlockRule('coding')],
  ['dom-2|contained.contained.empty()', withoutContained],
  [
    "dom-3|contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()",
    withoutContained,
  ],
  ['dom-4|contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()', withoutContained],
  ['dom-5|contained.meta.security.empty()', withoutContained],
  ['dom-6|text.`div`.exists()', (node) => (isObject(node) && absent(node, 'text') ? [false] : undefined)],
  [
    'att-1|data.empty() or contentType.exists()',
    (node) => (isObject(node) && (plainString(node, 'contentType') || absent(node, 'data')) ? [true] : undefined),
  ],
  [
    'regle-Contenu|content.attachment.data.exists()',
    (node) => {
      if (!isObject(node)) return undefined;
      if (absent(node, 'content')) return [false];
      const list = attachments(node, 'data');
      return list ? [list.some((a) => a.data !== undefined)] : undefined;
    },
  ],
  [
    "regle-NomPieceJointe-type|(type.coding.where(code='57830-2').exists() implies (content.attachment.where(title='Document Individu et décision')).exists()) and (type.coding.where(code='51848-0').exists() implies (content.attachment.where(title='Document évaluation')).exists())",
    (node) => {
      if (!isObject(node)) return undefined;
      const hasCode = typeHasCode(node);
      const list = absent(node, 'content') ? [] : attachments(node, 'title');
      if (!hasCode || !list) return undefined;
      const titled = (title: string) => list.some((a) => a.title === title);
      const decision = !hasCode('57830-2') || titled('Document Individu et décision');
      const evaluation = !hasCode('51848-0') || titled('Document évaluation');
      return [decision && evaluation];
    },
  ],
]);

/** The fast path of a constraint (by key and exact expression), if any. */
export function invariantFastPath(key: string, expression: string): FastPath | undefined {
  return FAST_PATHS.get(`${key}|${expression}`);
}

/** Every (key, expression) with a fast path, for the equivalence test. */
export function fastPathRules(): { key: string; expression: string }[] {
  return [...FAST_PATHS.keys()].map((k) => {
    const at = k.indexOf('|');
    return { key: k.slice(0, at), expression: k.slice(at + 1) };
  });
}
