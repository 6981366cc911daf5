/**
 * Validates a FHIR R4 JSON resource against the SDO profiles (docs/decisions.md §7), the way EVSClient would:
 * base R4 structure (unknown elements, JSON shape, cardinality, primitive formats, choice types), profile
 * cardinality, fixed/pattern values, slicing, required bindings and FHIRPath invariants. Everything is read from
 * the StructureDefinitions compiled in profile-registry.ts; nothing here knows a particular profile.
 */
import type { ValidationIssue, ValidationResult, ValidationSeverity } from '@shared/domain/fhir-validation';
import { DEFAULT_SDO_VERSION, sdoVersion, type SdoVersion } from '@shared/domain/sdo-versions';
import {
  BUILTIN_TERMINOLOGY,
  type CodeListsOfRelease,
  type TerminologyCatalog,
} from '@shared/terminology/terminology-catalog';
import { PROFILE, notificationBundleProfileFor, taskProfileFor } from '../sdo-canonicals';
import {
  isPrimitiveType,
  type CompiledConstraint,
  type CompiledProfile,
  type ElementNode,
  type Slicing,
} from './element-tree';
import { checkJsonLimits } from './json-limits';
import { validationContext, type ProfileSet, type ValidationContext } from './profile-registry';
import { formatRule, VALIDATION_RULE } from './validation-rules';

export type { ValidationIssue, ValidationResult } from '@shared/domain/fhir-validation';

export interface ValidateOptions {
  /** IG release the resource is checked against; defaults to the first of SDO_VERSIONS. */
  readonly profileVersion?: SdoVersion;
  /**
   * Terminology release the codes are checked against; defaults to the one the IG release pins (an environment
   * passes the one ViaTrajectoire is known to expect, when set).
   */
  readonly terminologyRelease?: string;
  /** The releases known (an environment may add its own files); defaults to those built into the product. */
  readonly terminology?: TerminologyCatalog;
  /** Forces the profile (canonical URL) instead of `meta.profile` or the resource type. */
  readonly profileUrl?: string;
}

const BASE_SD = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Elements whose base minimum is reported as a warning instead of an error: the IG's own `_elements` search
 * example carries `text: { status }` without `div`, and every official example must pass (docs/decisions.md §7).
 */
const RELAXED_MINIMUMS = new Set(['Narrative.div']);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** FHIR pattern semantics: the instance holds at least the pattern's values (arrays: each item matched by one). */
function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return false;
    return pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (isObject(pattern)) {
    if (!isObject(value)) return false;
    return Object.keys(pattern).every((k) => matchesPattern(value[k], pattern[k]));
  }
  return value === pattern;
}

/** Human summary of a fixed/pattern value (profile data, never instance data). */
function describeExpected(expected: unknown): string {
  if (typeof expected === 'string' || typeof expected === 'number' || typeof expected === 'boolean') {
    return `« ${String(expected)} »`;
  }
  const codings = isObject(expected) && Array.isArray(expected.coding) ? expected.coding : [];
  const codes = codings
    .filter(isObject)
    .map((c) => `${typeof c.system === 'string' ? c.system : ''}|${typeof c.code === 'string' ? c.code : ''}`);
  return codes.length > 0 ? `le code ${codes.join(', ')}` : 'la valeur imposée';
}

function codingInSet(c: unknown, codings: ReadonlySet<string>): boolean {
  return (
    isObject(c) &&
    typeof c.code === 'string' &&
    codings.has(`${typeof c.system === 'string' ? c.system : ''}|${c.code}`)
  );
}

function capitalise(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}

interface KeyEntry {
  readonly node: ElementNode;
  readonly type: string;
}
interface KeyLookup {
  readonly byKey: ReadonlyMap<string, KeyEntry>;
  /** `value` → `value[x]` node, to explain a choice type the profile does not allow. */
  readonly choicePrefixes: readonly (readonly [string, ElementNode])[];
}
const lookups = new WeakMap<Map<string, ElementNode>, KeyLookup>();

function keyLookup(children: Map<string, ElementNode>): KeyLookup {
  const existing = lookups.get(children);
  if (existing) return existing;
  const byKey = new Map<string, KeyEntry>();
  const choicePrefixes: (readonly [string, ElementNode])[] = [];
  for (const node of children.values()) {
    if (node.name.endsWith('[x]')) {
      const prefix = node.name.slice(0, -3);
      choicePrefixes.push([prefix, node]);
      for (const t of node.types) byKey.set(prefix + capitalise(t.code), { node, type: t.code });
    } else {
      const type = node.types[0]?.code ?? 'BackboneElement';
      byKey.set(node.name, { node, type });
    }
  }
  const lookup = { byKey, choicePrefixes };
  lookups.set(children, lookup);
  return lookup;
}

const PRIMITIVE_MESSAGES: Record<string, string> = {
  date: 'Date invalide : format attendu AAAA, AAAA-MM ou AAAA-MM-JJ',
  dateTime: 'Date-heure invalide : format attendu AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ss avec fuseau (Z ou ±hh:mm)',
  instant: 'Instant invalide : format attendu AAAA-MM-JJThh:mm:ss(.sss) avec fuseau (Z ou ±hh:mm)',
  code: 'Code invalide : valeur vide ou espaces superflus',
  uri: 'URI invalide : les espaces sont interdits',
  boolean: 'Booléen attendu (true ou false)',
  id: 'Identifiant technique invalide : 1 à 64 caractères parmi A-Z, a-z, 0-9, « - » et « . »',
  string: 'Chaîne vide interdite',
};

const BASE64_WITHOUT_SPACES = /^[0-9a-zA-Z+/=]+$/;

/**
 * The verdict of the R4 base64Binary regex `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`, in linear time: groups of 4
 * characters with whitespace only between groups, so each whitespace-separated run is a multiple of 4 long. The
 * regex's nested quantifiers backtrack exponentially on whitespace (`'QUJD  '` × 18 + `'Q'` took 53 s) and cost
 * ~30 µs on a 6 kB CDA without any.
 */
export function isR4Base64Binary(value: string): boolean {
  if (BASE64_WITHOUT_SPACES.test(value)) return value.length % 4 === 0;
  let runs = 0;
  for (const run of value.split(/\s+/)) {
    if (run === '') continue;
    if (run.length % 4 !== 0 || !BASE64_WITHOUT_SPACES.test(run)) return false;
    runs++;
  }
  return runs > 0;
}

/** The regexes accept 2021-02-31: check the calendar too. */
function isRealCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return true;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** The named rule of an issue that does not name a more precise one. */
const RULE_BY_ISSUE_CODE: Readonly<Record<string, string>> = {
  structure: VALIDATION_RULE.structure,
  required: VALIDATION_RULE.cardinality,
  value: VALIDATION_RULE.fixedValue,
  'code-invalid': VALIDATION_RULE.requiredBinding,
  'not-supported': VALIDATION_RULE.profile,
};

/** Longest unknown key shown in a path or message: a hostile key must not flood messages or logs. */
const SHOWN_KEY_LENGTH = 64;

function shownKey(key: string): string {
  return key.length > SHOWN_KEY_LENGTH ? `${key.slice(0, SHOWN_KEY_LENGTH)}…` : key;
}

interface WalkContext {
  readonly issues: ValidationIssue[];
  readonly profiles: ProfileSet;
  readonly codeLists: CodeListsOfRelease;
  /** Resource holding the element being checked (%resource). */
  readonly resource: JsonObject;
  readonly rootResource: JsonObject;
}

class Walker {
  constructor(private readonly ctx: ValidationContext) {}

  private issue(
    walk: WalkContext,
    severity: ValidationSeverity,
    path: string,
    code: string,
    message: string,
    rule = RULE_BY_ISSUE_CODE[code] ?? code,
  ): void {
    walk.issues.push({ severity, path, code, message, rule });
  }

  /** Picks the profile: forced, else the first declared one known in this release, else the default of the type. */
  selectProfile(resource: JsonObject, walk: WalkContext, path: string, forced?: string): CompiledProfile | undefined {
    const type = resource.resourceType as string;
    const set = walk.profiles;
    if (forced) {
      const profile = set.byUrl.get(forced);
      if (profile && profile.type === type) return profile;
      this.reportUnknownProfile(walk, path, forced, profile ? `ne s’applique pas à une ressource ${type}` : undefined);
      return undefined;
    }
    const declared = isObject(resource.meta) && Array.isArray(resource.meta.profile) ? resource.meta.profile : [];
    for (const url of declared) {
      if (typeof url !== 'string') continue;
      const profile = set.byUrl.get(url);
      if (profile && profile.type === type) return profile;
    }
    for (const url of declared) {
      if (typeof url === 'string') this.reportUnknownProfile(walk, `${path}.meta.profile`, url);
    }
    const fallback = this.defaultProfileUrl(resource, set.version);
    return fallback ? set.byUrl.get(fallback) : undefined;
  }

  private reportUnknownProfile(walk: WalkContext, path: string, url: string, reason?: string): void {
    if (url.startsWith(BASE_SD)) return;
    const versions = this.ctx.versionsOf(url);
    if (reason) {
      this.issue(walk, 'error', path, 'not-supported', `Le profil ${url} ${reason}`);
    } else if (versions.length > 0) {
      this.issue(
        walk,
        'error',
        path,
        'not-supported',
        `Le profil ${url} appartient à la version ${versions.join(', ')} de l’IG SDO, pas à la version ${walk.profiles.version} configurée`,
      );
    } else {
      this.issue(walk, 'warning', path, 'not-supported', `Profil inconnu ${url} : la ressource est contrôlée sans lui`);
    }
  }

  private defaultProfileUrl(resource: JsonObject, version: SdoVersion): string | undefined {
    switch (resource.resourceType) {
      case 'Task':
        return taskProfileFor(version);
      case 'DocumentReference':
        return PROFILE.esmsDocumentReference;
      case 'Consent':
        return PROFILE.esmsConsent;
      case 'Bundle': {
        const entries = Array.isArray(resource.entry) ? resource.entry : [];
        const types = new Set(
          entries.map((e) => (isObject(e) && isObject(e.resource) ? e.resource.resourceType : undefined)),
        );
        if (types.size !== 1) return undefined;
        if (types.has('DocumentReference')) return PROFILE.bundleDecisionEvaluation;
        if (types.has('Task')) return notificationBundleProfileFor(version);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Validates one resource (top level or nested); returns the profile URL used. */
  resource(value: unknown, path: string, walk: WalkContext, forcedProfile?: string): string {
    if (!isObject(value)) {
      this.issue(walk, 'error', path, 'structure', 'Une ressource FHIR (objet JSON) est attendue');
      return '';
    }
    const type = value.resourceType;
    if (typeof type !== 'string' || !this.ctx.templates.isResourceType(type)) {
      this.issue(walk, 'error', path, 'structure', 'resourceType absent ou inconnu en FHIR R4');
      return '';
    }
    const label = path || type;
    const inner: WalkContext = { ...walk, resource: value, rootResource: walk.rootResource };
    const profile = this.selectProfile(value, inner, label, forcedProfile);
    const root = profile?.root ?? this.ctx.templates.root(type);
    if (!root) {
      // The product carries only the definitions the SDO flows need (base-r4/, docs/decisions.md §7).
      this.issue(
        walk,
        'warning',
        label,
        'not-supported',
        `Ressource ${type} non contrôlée : hors du périmètre des profils SDO connus du validateur`,
      );
      return '';
    }
    this.complex(root, value, label, inner, type, true);
    this.constraints(root.constraints, value, label, inner);
    return profile?.url ?? `${BASE_SD}${type}`;
  }

  private complex(
    node: ElementNode,
    obj: JsonObject,
    path: string,
    walk: WalkContext,
    type: string,
    isResourceRoot = false,
  ): void {
    const children = this.ctx.templates.childrenOf(node, type);
    if (!children) return;
    const { byKey, choicePrefixes } = keyLookup(children);
    const present = new Map<ElementNode, { key: string; type: string; value: unknown }[]>();
    let keyCount = 0;
    for (const key of Object.keys(obj)) {
      keyCount++;
      if (key === 'resourceType' && isResourceRoot) continue;
      const value = obj[key];
      if (key.startsWith('_')) {
        // Extensions of a primitive (`_birthDate`): accepted when the primitive exists, not checked deeper.
        const primitive = byKey.get(key.slice(1));
        if (primitive && isPrimitiveType(primitive.type) && (isObject(value) || Array.isArray(value))) continue;
      }
      const entry = byKey.get(key);
      if (!entry) {
        const choice = choicePrefixes.find(([prefix]) => key.startsWith(prefix) && key.length > prefix.length);
        if (choice) {
          const allowed = choice[1].types.map((t) => t.code).join(', ');
          this.issue(
            walk,
            'error',
            `${path}.${shownKey(key)}`,
            'structure',
            `Type non autorisé ici pour ${choice[0]}[x] (attendu : ${allowed})`,
          );
        } else {
          this.issue(
            walk,
            'error',
            `${path}.${shownKey(key)}`,
            'structure',
            `Élément inconnu « ${shownKey(key)} » : il n’existe pas à cet endroit en FHIR R4`,
          );
        }
        continue;
      }
      const list = present.get(entry.node);
      const occurrence = { key, type: entry.type, value };
      if (list) list.push(occurrence);
      else present.set(entry.node, [occurrence]);
    }
    if (keyCount === 0 || (isResourceRoot && keyCount === 1)) {
      this.issue(
        walk,
        'error',
        path,
        'structure',
        'Élément vide : un élément FHIR doit avoir une valeur ou des enfants',
      );
      return;
    }
    for (const child of children.values()) {
      const occurrences = present.get(child);
      const first = occurrences?.[0];
      if (!occurrences || !first) {
        this.values(child, [], `${path}.${child.name}`, walk, child.types[0]?.code ?? 'BackboneElement');
        continue;
      }
      if (occurrences.length > 1) {
        this.issue(
          walk,
          'error',
          `${path}.${child.name}`,
          'structure',
          `Un seul type de valeur est permis pour ${child.name}`,
        );
      }
      const childPath = `${path}.${first.key}`;
      let items: unknown[];
      if (Array.isArray(first.value)) {
        if (!child.isArray) {
          this.issue(walk, 'error', childPath, 'structure', 'Valeur unique attendue, pas un tableau');
        } else if (first.value.length === 0) {
          this.issue(walk, 'error', childPath, 'structure', 'Tableau vide interdit : omettre l’élément');
        }
        items = first.value;
      } else {
        if (child.isArray)
          this.issue(walk, 'error', childPath, 'structure', 'Un tableau JSON est attendu pour cet élément répétable');
        items = [first.value];
      }
      this.values(child, items, childPath, walk, first.type);
    }
  }

  /** Cardinality, slicing, then each item. `path` is the element path without index. */
  private values(node: ElementNode, items: readonly unknown[], path: string, walk: WalkContext, type: string): void {
    if (items.length < node.min) {
      const relaxed = RELAXED_MINIMUMS.has(node.id);
      this.issue(
        walk,
        relaxed ? 'warning' : 'error',
        path,
        'required',
        `Élément obligatoire absent : ${node.name} (minimum ${node.min}, trouvé ${items.length})`,
      );
    }
    if (items.length > node.max) {
      this.issue(
        walk,
        'error',
        path,
        'structure',
        `Trop d’occurrences de ${node.name} (maximum ${node.max}, trouvé ${items.length})`,
      );
    }
    if (node.slicing && node.slices.length > 0) {
      this.sliced(node, items, path, walk, type);
      return;
    }
    for (let i = 0; i < items.length; i++) this.item(node, items[i], node.isArray ? `${path}[${i}]` : path, walk, type);
  }

  private sliced(node: ElementNode, items: readonly unknown[], path: string, walk: WalkContext, type: string): void {
    const slicing = node.slicing;
    if (!slicing) return;
    const counts = new Map<ElementNode, number>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const itemPath = node.isArray ? `${path}[${i}]` : path;
      let slice: ElementNode | undefined;
      for (const candidate of node.slices) {
        if (this.matchesSlice(candidate, item, slicing.discriminators)) {
          slice = candidate;
          break;
        }
      }
      if (slice) {
        counts.set(slice, (counts.get(slice) ?? 0) + 1);
        this.item(slice, item, itemPath, walk, type);
        continue;
      }
      if (slicing.rules === 'closed') {
        this.issue(
          walk,
          'error',
          itemPath,
          'structure',
          `Cet élément ne correspond à aucune tranche autorisée de ${node.name} (découpage fermé)`,
        );
      }
      this.item(node, item, itemPath, walk, type);
    }
    for (const slice of node.slices) {
      const count = counts.get(slice) ?? 0;
      const slicePath = `${path}:${slice.sliceName ?? ''}`;
      if (count < slice.min) {
        this.issue(
          walk,
          'error',
          slicePath,
          'required',
          `${node.name} « ${slice.sliceName ?? ''} » obligatoire absent (minimum ${slice.min})`,
        );
      }
      if (count > slice.max) {
        this.issue(
          walk,
          'error',
          slicePath,
          'structure',
          `${node.name} « ${slice.sliceName ?? ''} » présent ${count} fois (maximum ${slice.max})`,
        );
      }
    }
  }

  private matchesSlice(slice: ElementNode, item: unknown, discriminators: Slicing['discriminators']): boolean {
    let expectations = this.sliceExpectations.get(slice);
    if (!expectations) {
      expectations = discriminators.map((d) => {
        // exists/type/profile discriminators are not supported: such a slice never matches (see report)
        if (d.type !== 'value' && d.type !== 'pattern') return undefined;
        const target = this.nodeAt(slice, d.path);
        if (target?.fixed !== undefined) return { path: d.path, expected: target.fixed, exact: true };
        if (target?.pattern !== undefined) return { path: d.path, expected: target.pattern, exact: false };
        return undefined;
      });
      this.sliceExpectations.set(slice, expectations);
    }
    if (expectations.length === 0) return false;
    for (const e of expectations) {
      if (!e) return false;
      let matched = false;
      for (const v of this.valuesAt(item, e.path)) {
        if (e.exact ? deepEqual(v, e.expected) : matchesPattern(v, e.expected)) {
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
    return true;
  }

  private readonly sliceExpectations = new WeakMap<
    ElementNode,
    ({ path: string; expected: unknown; exact: boolean } | undefined)[]
  >();

  private nodeAt(node: ElementNode, path: string): ElementNode | undefined {
    let current: ElementNode | undefined = node;
    for (const segment of path.split('.')) {
      if (segment === '$this' || !current) continue;
      current = this.ctx.templates.childrenOf(current)?.get(segment);
    }
    return current;
  }

  private valuesAt(item: unknown, path: string): unknown[] {
    let current: unknown[] = [item];
    for (const segment of path.split('.')) {
      if (segment === '$this') continue;
      const next: unknown[] = [];
      for (const value of current) {
        if (!isObject(value)) continue;
        const child = value[segment];
        if (Array.isArray(child)) next.push(...(child as unknown[]));
        else if (child !== undefined) next.push(child);
      }
      current = next;
    }
    return current;
  }

  private item(node: ElementNode, item: unknown, path: string, walk: WalkContext, type: string): void {
    if (item === null || item === undefined) {
      this.issue(walk, 'error', path, 'structure', 'Valeur null interdite');
      return;
    }
    if (isPrimitiveType(type)) {
      this.primitive(type, item, path, walk);
    } else if (type === 'Resource' || this.ctx.templates.isResourceType(type)) {
      this.nestedResource(node, item, path, walk);
      return;
    } else if (!isObject(item)) {
      this.issue(walk, 'error', path, 'structure', `Objet JSON attendu (type ${type})`);
      return;
    } else {
      this.complex(node, item, path, walk, type);
      const typeRoot = this.ctx.templates.root(type);
      if (typeRoot && typeRoot !== node) this.constraints(typeRoot.constraints, item, path, walk);
    }
    if (node.fixed !== undefined && !deepEqual(item, node.fixed)) {
      this.issue(walk, 'error', path, 'value', `Valeur incorrecte : le profil impose ${describeExpected(node.fixed)}`);
    }
    if (node.pattern !== undefined && !matchesPattern(item, node.pattern)) {
      this.issue(
        walk,
        'error',
        path,
        'value',
        `Valeur incorrecte : le profil impose ${describeExpected(node.pattern)}`,
      );
    }
    if (node.requiredValueSet) this.binding(node.requiredValueSet, type, item, path, walk);
    if (type === 'Coding') this.codeSystemMember(item as JsonObject, path, walk);
    this.constraints(node.constraints, item, path, walk);
  }

  private nestedResource(node: ElementNode, item: unknown, path: string, walk: WalkContext): void {
    const resourceType = isObject(item) ? item.resourceType : undefined;
    const allowed = node.types.filter((t) => t.code !== 'Resource');
    if (allowed.length > 0 && !allowed.some((t) => t.code === resourceType)) {
      this.issue(
        walk,
        'error',
        path,
        'structure',
        `Ressource de type ${allowed.map((t) => t.code).join(' ou ')} attendue`,
      );
      return;
    }
    const forced = allowed.find((t) => t.code === resourceType)?.profiles[0];
    this.resource(item, path, walk, forced);
  }

  private primitive(type: string, value: unknown, path: string, walk: WalkContext): void {
    const message = PRIMITIVE_MESSAGES[type] ?? `Valeur invalide pour le type FHIR ${type}`;
    switch (type) {
      case 'boolean':
        if (typeof value !== 'boolean') this.issue(walk, 'error', path, 'value', message, formatRule(type));
        return;
      case 'integer':
      case 'positiveInt':
      case 'unsignedInt': {
        const min = type === 'positiveInt' ? 1 : type === 'unsignedInt' ? 0 : -2147483648;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2147483647) {
          this.issue(walk, 'error', path, 'value', message, formatRule(type));
        }
        return;
      }
      case 'xhtml':
        if (typeof value !== 'string' || !/^\s*<div[\s>][\s\S]*<\/div>\s*$/.test(value)) {
          this.issue(
            walk,
            'error',
            path,
            'value',
            'Narratif invalide : un élément XHTML <div> est attendu',
            formatRule(type),
          );
        }
        return;
      case 'decimal':
        if (typeof value !== 'number' || !Number.isFinite(value))
          this.issue(walk, 'error', path, 'value', message, formatRule(type));
        return;
      default: {
        if (typeof value !== 'string') {
          this.issue(walk, 'error', path, 'value', `Chaîne JSON attendue (type ${type})`, formatRule(type));
          return;
        }
        // Reported once, by checkJsonLimits, under its own rule.
        if (value === '') return;
        if (type === 'base64Binary') {
          if (!isR4Base64Binary(value)) this.issue(walk, 'error', path, 'value', message, formatRule(type));
          return;
        }
        const regex = this.ctx.templates.primitiveRegex(type);
        const calendarChecked = type === 'date' || type === 'dateTime' || type === 'instant';
        if ((regex && !regex.test(value)) || (calendarChecked && !isRealCalendarDate(value))) {
          this.issue(walk, 'error', path, 'value', message, formatRule(type));
        }
      }
    }
  }

  private codeSystemMember(coding: JsonObject, path: string, walk: WalkContext): void {
    if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return;
    const codeSystem = this.ctx.terminology.completeCodeSystem(coding.system);
    if (!codeSystem || codeSystem.codes.has(coding.code)) return;
    this.issue(
      walk,
      'error',
      `${path}.code`,
      'code-invalid',
      `Le code « ${shownKey(coding.code)} » n’existe pas dans le système ${codeSystem.name}`,
      VALIDATION_RULE.codeOutsideCodeSystem,
    );
  }

  private binding(valueSetUrl: string, type: string, item: unknown, path: string, walk: WalkContext): void {
    const set = this.ctx.terminology.resolve(valueSetUrl, walk.codeLists);
    if (!set) return;
    let ok: boolean;
    let shown = '';
    if (type === 'code' && typeof item === 'string') {
      ok = set.codes.has(item);
      shown = item;
    } else if (type === 'Coding') {
      ok = codingInSet(item, set.codings);
      shown = isObject(item) && typeof item.code === 'string' ? item.code : '';
    } else if (type === 'CodeableConcept' && isObject(item)) {
      const codings = Array.isArray(item.coding) ? item.coding : [];
      ok = false;
      for (const c of codings) if (codingInSet(c, set.codings)) ok = true;
      if (!ok) {
        shown = codings
          .filter(isObject)
          .map((c) => (typeof c.code === 'string' ? c.code : ''))
          .join(', ');
      }
    } else {
      return;
    }
    if (!ok) {
      const what = shown ? `Le code « ${shown} »` : 'Aucun code';
      this.issue(
        walk,
        'error',
        path,
        'code-invalid',
        `${what} n’appartient pas au jeu de valeurs ${set.name} (système ou code inconnu)`,
      );
    }
  }

  private constraints(
    constraints: readonly CompiledConstraint[],
    item: unknown,
    path: string,
    walk: WalkContext,
  ): void {
    for (const c of constraints) {
      if (!c.evaluate) continue;
      let result: unknown[];
      try {
        result = c.evaluate(item, { resource: walk.resource, rootResource: walk.rootResource });
      } catch {
        continue; // a base rule fhirpath.js cannot evaluate on this data: not checked (see report)
      }
      if (result.length === 1 && result[0] === false) {
        this.issue(walk, c.severity, path, 'invariant', `Règle ${c.key} non respectée : ${c.human}`, c.key);
      }
    }
  }
}

let walker: Walker | undefined;

/**
 * Validates a FHIR R4 JSON resource against its SDO profile: `profileUrl` if given, else `meta.profile`, else the
 * profile of its type (Bundle: by the type of its entries). Bundle entries are validated against their profile.
 * Never throws: bounds (json-limits.ts) are checked first, and every refusal is an issue with a named rule.
 */
export function validateResource(resource: unknown, options: ValidateOptions = {}): ValidationResult {
  // An unknown guide or terminology release is a configuration error, not a refusal of the resource: it throws.
  const version = sdoVersion(options.profileVersion ?? DEFAULT_SDO_VERSION);
  const codeLists = (options.terminology ?? BUILTIN_TERMINOLOGY).at(
    options.terminologyRelease ?? version.terminologyRelease,
  );
  const issues: ValidationIssue[] = [];
  let profile = '';
  try {
    const root = isObject(resource) ? resource : {};
    const limits = checkJsonLimits(resource, typeof root.resourceType === 'string' ? shownKey(root.resourceType) : '');
    issues.push(...limits.issues);
    if (limits.walkable) {
      const ctx = validationContext();
      walker ??= new Walker(ctx);
      const walk: WalkContext = {
        issues,
        profiles: ctx.profiles(version.id),
        codeLists,
        resource: root,
        rootResource: root,
      };
      profile = walker.resource(resource, '', walk, options.profileUrl);
    }
  } catch {
    // No input may throw out of the validator: what could not be checked is refused under a named rule.
    issues.push({
      severity: 'error',
      path: '',
      code: 'exception',
      rule: VALIDATION_RULE.unexpected,
      message: 'Contrôle impossible : le validateur a échoué sur cette ressource, elle est refusée',
    });
  }
  return { valid: !issues.some((i) => i.severity === 'error'), profile, issues };
}

/** Compiles the profiles ahead of time (e.g. at start-up) so the first validation is as fast as the others. */
export function warmUpValidator(profileVersion: SdoVersion = DEFAULT_SDO_VERSION): void {
  validationContext().profiles(profileVersion);
}
