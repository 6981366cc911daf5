/**
 * Compiled element trees. A base type (resource or datatype) becomes a tree built from its R4 snapshot; a profile
 * is that tree with its differential applied generically (cardinality, types, fixed/pattern, required binding,
 * constraints, slicing). Subtrees are shared with the base templates until a profile changes them (copy on write),
 * so compiling a profile costs only the paths it constrains.
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type {
  BaseDefinitions,
  RawConstraint,
  RawElement,
  RawStructureDefinition,
  RawTypeRef,
} from './base-definitions';
import { BEST_PRACTICE_EXTENSION, FHIR_TYPE_EXTENSION, NATIVE_CONSTRAINTS } from './base-r4-conventions';
import { invariantFastPath } from './invariant-fast-paths';

export interface TypeRef {
  readonly code: string;
  readonly profiles: readonly string[];
}

export interface CompiledConstraint {
  readonly key: string;
  readonly severity: 'error' | 'warning' | 'information';
  readonly human: string;
  readonly expression: string;
  /** Undefined when fhirpath.js cannot compile the expression (e.g. htmlChecks()): the rule is then not checked. */
  readonly evaluate: ((node: unknown, env: Record<string, unknown>) => unknown[]) | undefined;
}

export interface Slicing {
  readonly discriminators: readonly { readonly type: string; readonly path: string }[];
  readonly rules: 'open' | 'closed' | 'openAtEnd';
}

export interface ElementNode {
  /** Element id in the definition it comes from, e.g. `Task.input:idNat_Struct.type`. */
  id: string;
  /** Path used as FHIRPath base when evaluating constraints, e.g. `Task.input`. */
  path: string;
  /** JSON name in the parent (`input`, `value[x]`). */
  name: string;
  min: number;
  max: number;
  /** JSON shape: true when the base element repeats (array in JSON), whatever the profile's max. */
  isArray: boolean;
  types: TypeRef[];
  contentReference: string | undefined;
  fixed: unknown;
  pattern: unknown;
  requiredValueSet: string | undefined;
  constraints: CompiledConstraint[];
  slicing: Slicing | undefined;
  slices: ElementNode[];
  sliceName: string | undefined;
  children: Map<string, ElementNode> | undefined;
  ownsChildren: boolean;
}

/** A compiled profile (or a bare base type when no profile applies). */
export interface CompiledProfile {
  readonly url: string;
  readonly type: string;
  readonly root: ElementNode;
}

/**
 * fhirpath.js's htmlChecks() rejects `xml:lang`, which every official IG narrative uses and the HL7 validator
 * accepts: the narrative rules (txt-1, txt-2) are replaced by a minimal native check of the div.
 */
const UNSUPPORTED_FUNCTIONS = /\bhtml[Cc]hecks\(/;
/** dom-3 calls trace(): keep fhirpath.js from printing to the console. */
const SILENT = { traceFn: (): void => undefined };

export function isPrimitiveType(code: string): boolean {
  return code.length > 0 && code[0] === code[0]?.toLowerCase();
}

const compiledExpressions = new Map<string, CompiledConstraint['evaluate']>();

function compileConstraint(raw: RawConstraint, base: string): CompiledConstraint | undefined {
  if (NATIVE_CONSTRAINTS.has(raw.key) || !raw.expression || UNSUPPORTED_FUNCTIONS.test(raw.expression))
    return undefined;
  const cacheKey = `${base}|${raw.expression}`;
  let evaluate = compiledExpressions.get(cacheKey);
  if (!compiledExpressions.has(cacheKey)) {
    evaluate = withFastPath(raw.key, raw.expression, compileExpression(base, raw.expression));
    compiledExpressions.set(cacheKey, evaluate);
  }
  const bestPractice =
    raw.extension?.some((x) => x.url === BEST_PRACTICE_EXTENSION && x.valueBoolean === true) ?? false;
  return {
    key: raw.key,
    severity: bestPractice ? 'information' : raw.severity,
    human: raw.human,
    expression: raw.expression,
    evaluate,
  };
}

/**
 * Position of the single top-level `implies` of an expression, or -1. `implies` has the lowest precedence in
 * FHIRPath, so the text on each side is a complete operand.
 */
function topLevelImplies(expression: string): number {
  let depth = 0;
  let quote: string | undefined;
  let found = -1;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && expression.startsWith(' implies ', i)) {
      if (found >= 0) return -1;
      found = i;
    }
  }
  return found;
}

/**
 * Compiles a constraint. `A implies B` is split so B is evaluated only when A is true: fhirpath.js evaluates both
 * sides, and `false implies B` / `{} implies B` can never yield `false` (the only result reported as a violation).
 * On an ESMSTask this divides the cost of regle-StatutUnite by five.
 */
function compileExpression(base: string, expression: string): CompiledConstraint['evaluate'] {
  try {
    const whole = fhirpath.compile({ base, expression }, r4Model, SILENT);
    const at = topLevelImplies(expression);
    if (at < 0) return (node, env) => whole(node, env) as unknown[];
    const left = fhirpath.compile({ base, expression: expression.slice(0, at) }, r4Model, SILENT);
    return (node, env) => {
      const antecedent = left(node, env) as unknown[];
      if (antecedent.length === 0 || (antecedent.length === 1 && antecedent[0] === false)) return [];
      return whole(node, env) as unknown[];
    };
  } catch {
    return undefined;
  }
}

/** fhirpath.js behind the rule's fast path (invariant-fast-paths.ts), when it has one. */
function withFastPath(
  key: string,
  expression: string,
  evaluate: CompiledConstraint['evaluate'],
): CompiledConstraint['evaluate'] {
  const fast = invariantFastPath(key, expression);
  if (!fast || !evaluate) return evaluate;
  return (node, env) => fast(node) ?? evaluate(node, env);
}

function parseMax(max: string | undefined, fallback: number): number {
  if (max === undefined) return fallback;
  return max === '*' ? Infinity : Number(max);
}

function findPrefixed(element: RawElement, prefix: 'fixed' | 'pattern'): unknown {
  for (const key of Object.keys(element)) {
    if (key.startsWith(prefix) && key.length > prefix.length)
      return (element as unknown as Record<string, unknown>)[key];
  }
  return undefined;
}

function nodeFromSnapshot(element: RawElement, constraintBase: string): ElementNode {
  const name = element.path.slice(element.path.lastIndexOf('.') + 1);
  const baseMax = element.base?.max ?? element.max ?? '1';
  return {
    id: element.id ?? element.path,
    path: constraintBase,
    name,
    min: element.min ?? 0,
    max: parseMax(element.max, 1),
    isArray: baseMax !== '1' && baseMax !== '0',
    types: (element.type ?? []).map(toTypeRef),
    contentReference: element.contentReference,
    fixed: findPrefixed(element, 'fixed'),
    pattern: findPrefixed(element, 'pattern'),
    requiredValueSet: element.binding?.strength === 'required' ? element.binding.valueSet : undefined,
    constraints: (element.constraint ?? [])
      .map((c) => compileConstraint(c, constraintBase))
      .filter((c): c is CompiledConstraint => c !== undefined),
    slicing: undefined,
    slices: [],
    sliceName: undefined,
    children: undefined,
    ownsChildren: false,
  };
}

/**
 * R4 snapshots type `Resource.id` or `Extension.url` as `http://hl7.org/fhirpath/System.String` with the real FHIR
 * type (`id`, `uri`) in an extension: use the FHIR type so its format is checked.
 */
function toTypeRef(raw: RawTypeRef): TypeRef {
  let code = raw.code;
  if (code.startsWith('http://hl7.org/fhirpath/System.')) {
    const fhirType = raw.extension?.find((x) => x.url === FHIR_TYPE_EXTENSION)?.valueUrl;
    code = fhirType ?? 'string';
  }
  return { code, profiles: raw.profile ?? [] };
}

function cloneNode(node: ElementNode): ElementNode {
  return { ...node, slices: [...node.slices], constraints: [...node.constraints], ownsChildren: false };
}

/** Base templates of every R4 type, built lazily from the snapshots. */
export class TypeTemplates {
  private readonly templates = new Map<string, ElementNode>();
  /** Path index of each resource template, for contentReference (`#Consent.provision`). */
  private readonly pathIndex = new Map<string, ElementNode>();

  constructor(private readonly base: BaseDefinitions) {}

  has(type: string): boolean {
    return this.base.byType.has(type);
  }

  /** True for every R4 resource type, including those whose definition is not carried (see root()). */
  isResourceType(type: string): boolean {
    return this.base.resourceTypes.has(type);
  }

  primitiveRegex(type: string): RegExp | undefined {
    return this.base.primitiveRegex.get(type);
  }

  /** Root node of a base type; undefined for an unknown type. */
  root(type: string): ElementNode | undefined {
    const existing = this.templates.get(type);
    if (existing) return existing;
    const sd = this.base.byType.get(type);
    if (!sd?.snapshot) return undefined;
    const root = this.build(sd);
    this.templates.set(type, root);
    return root;
  }

  private build(sd: RawStructureDefinition): ElementNode {
    const elements = sd.snapshot?.element ?? [];
    const first = elements[0];
    if (!first) throw new Error(`Snapshot vide pour ${sd.type}`);
    const root = nodeFromSnapshot(first, first.path);
    root.min = 1;
    root.max = 1;
    root.children = new Map();
    root.ownsChildren = true;
    const byPath = new Map<string, ElementNode>([[first.path, root]]);
    for (const element of elements.slice(1)) {
      if (element.sliceName) continue; // base R4 snapshots carry no slices we rely on
      const parentPath = element.path.slice(0, element.path.lastIndexOf('.'));
      const parent = byPath.get(parentPath);
      if (!parent) continue;
      const node = nodeFromSnapshot(element, element.path);
      // R4 defines Resource.id as `id` but its snapshots carry the fhir-type `string`: without this, any id passes.
      if (sd.kind === 'resource' && element.path === `${sd.type}.id`) node.types = [{ code: 'id', profiles: [] }];
      if (!parent.children) {
        parent.children = new Map();
        parent.ownsChildren = true;
      }
      parent.children.set(node.name, node);
      byPath.set(element.path, node);
      if (sd.kind === 'resource') this.pathIndex.set(element.path, node);
    }
    return root;
  }

  /** Children of a node for a given concrete type (needed for choice elements). */
  childrenOf(node: ElementNode, concreteType?: string): Map<string, ElementNode> | undefined {
    if (node.children) return node.children;
    if (node.contentReference) {
      const target = this.pathIndex.get(node.contentReference.replace(/^#/, ''));
      return target ? this.childrenOf(target) : undefined;
    }
    const type = concreteType ?? (node.types.length === 1 ? node.types[0]?.code : undefined);
    if (!type || isPrimitiveType(type)) return undefined;
    return this.root(type)?.children;
  }

  /** Makes the node own a private copy of its children so a profile can change them. */
  ownChildren(node: ElementNode): Map<string, ElementNode> {
    if (node.ownsChildren && node.children) return node.children;
    const source = this.childrenOf(node);
    if (!source) throw new Error(`Impossible de descendre dans ${node.id}`);
    const copy = new Map<string, ElementNode>();
    for (const [key, child] of source) copy.set(key, cloneNode(child));
    node.children = copy;
    node.ownsChildren = true;
    return copy;
  }
}

/** Applies a differential over the base template of its type (generic snapshot generation, restricted to our needs). */
export function compileProfile(templates: TypeTemplates, sd: RawStructureDefinition): CompiledProfile {
  const baseRoot = templates.root(sd.type);
  if (!baseRoot) throw new Error(`Type de base inconnu : ${sd.type}`);
  const root = cloneNode(baseRoot);
  root.children = baseRoot.children;
  for (const element of sd.differential?.element ?? []) {
    const id = element.id ?? element.path;
    const segments = id.split('.');
    let current = root;
    for (const segment of segments.slice(1)) {
      const [name = segment, sliceName] = segment.split(':');
      const child = templates.ownChildren(current).get(name);
      if (!child) throw new Error(`Élément ${id} absent du type de base ${sd.type}`);
      if (sliceName === undefined) {
        current = child;
        continue;
      }
      let slice = child.slices.find((s) => s.sliceName === sliceName);
      if (!slice) {
        slice = cloneNode(child);
        slice.slices = [];
        slice.slicing = undefined;
        slice.sliceName = sliceName;
        slice.id = `${child.id}:${sliceName}`;
        child.slices.push(slice);
      }
      current = slice;
    }
    applyDifferential(current, element);
  }
  return { url: sd.url, type: sd.type, root };
}

function applyDifferential(node: ElementNode, element: RawElement): void {
  if (element.min !== undefined) node.min = element.min;
  if (element.max !== undefined) node.max = parseMax(element.max, node.max);
  if (element.type) {
    node.types = element.type.map(toTypeRef);
  }
  const fixed = findPrefixed(element, 'fixed');
  if (fixed !== undefined) node.fixed = fixed;
  const pattern = findPrefixed(element, 'pattern');
  if (pattern !== undefined) node.pattern = pattern;
  if (element.binding?.strength === 'required' && element.binding.valueSet) {
    node.requiredValueSet = element.binding.valueSet;
  }
  for (const raw of element.constraint ?? []) {
    const compiled = compileConstraint(raw, node.path);
    if (compiled) node.constraints.push(compiled);
  }
  if (element.slicing) {
    node.slicing = {
      discriminators: element.slicing.discriminator ?? [],
      rules: element.slicing.rules,
    };
  }
}
