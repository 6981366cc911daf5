/**
 * Resolves the ValueSets of required bindings to code sets: the NOS/ROR lists of one terminology release
 * (shared/terminology/terminology-catalog.ts), the IG's own
 * ValueSet and CodeSystem, and the base R4 ValueSets. A ValueSet that cannot be enumerated (filters, external
 * systems such as BCP-13 MIME types) resolves to `undefined` and its binding is not checked.
 */
import type { CodeListsOfRelease } from '@shared/terminology/terminology-catalog';
import inputTaskCodeSystem from '../conformance/CodeSystem-input-task-sdo-codesystem.json';
import documentTypeValueSet from '../conformance/ValueSet-type-document-reference-esms-valueset.json';
import type { BaseDefinitions } from './base-definitions';

export interface CodeSet {
  /** Short name for messages, e.g. `JDV_J252-StatutPersonnePriseChargeESMS`. */
  readonly name: string;
  /** `system|code` pairs. */
  readonly codings: ReadonlySet<string>;
  /** Codes alone, for elements of type `code`. */
  readonly codes: ReadonlySet<string>;
}

interface ConceptNode {
  code: string;
  concept?: ConceptNode[];
}
interface CodeSystemLike {
  url: string;
  name?: string;
  content?: string;
  concept?: ConceptNode[];
}
interface ValueSetLike {
  url: string;
  name?: string;
  compose?: {
    include?: { system?: string; concept?: { code: string }[]; filter?: unknown[]; valueSet?: string[] }[];
    exclude?: unknown[];
  };
}

function fromPairs(name: string, pairs: readonly (readonly [string, string])[]): CodeSet {
  return {
    name,
    codings: new Set(pairs.map(([system, code]) => `${system}|${code}`)),
    codes: new Set(pairs.map(([, code]) => code)),
  };
}

function flattenConcepts(concepts: readonly ConceptNode[] | undefined, out: string[] = []): string[] {
  for (const c of concepts ?? []) {
    out.push(c.code);
    flattenConcepts(c.concept, out);
  }
  return out;
}

export class TerminologyResolver {
  private readonly cache = new Map<string, CodeSet | undefined>();
  /** NOS lists differ from one terminology release to another: cached per release view. */
  private readonly nosCache = new WeakMap<CodeListsOfRelease, Map<string, CodeSet | undefined>>();
  private readonly nosDependent = new Map<string, boolean>();
  private readonly igCodeSystems = new Map<string, CodeSystemLike>([[inputTaskCodeSystem.url, inputTaskCodeSystem]]);
  private readonly igValueSets = new Map<string, ValueSetLike>([[documentTypeValueSet.url, documentTypeValueSet]]);

  /** Codes of each IG CodeSystem whose content is complete, by system URL. */
  private readonly completeSystems = new Map<string, { name: string; codes: ReadonlySet<string> }>();

  constructor(private readonly base: BaseDefinitions) {
    for (const cs of this.igCodeSystems.values()) {
      if (cs.content === 'complete') {
        this.completeSystems.set(cs.url, { name: cs.name ?? cs.url, codes: new Set(flattenConcepts(cs.concept)) });
      }
    }
  }

  /**
   * The codes of an IG CodeSystem published complete (the input-task one), or undefined for any other system: a
   * Coding of such a system must carry one of its codes whatever the binding, as a standard validator checks it.
   */
  completeCodeSystem(system: string): { readonly name: string; readonly codes: ReadonlySet<string> } | undefined {
    return this.completeSystems.get(system);
  }

  /**
   * Code set of a ValueSet canonical (version suffix `|x.y.z` ignored) as `lists` has it, or undefined when not
   * enumerable.
   */
  resolve(valueSetUrl: string, lists: CodeListsOfRelease): CodeSet | undefined {
    const url = valueSetUrl.split('|')[0] ?? valueSetUrl;
    let nosSets = this.nosCache.get(lists);
    if (!nosSets) {
      nosSets = new Map();
      this.nosCache.set(lists, nosSets);
    }
    let usesNos = this.nosDependent.get(url);
    if (usesNos === undefined) {
      usesNos = this.usesNos(url, lists, new Set());
      this.nosDependent.set(url, usesNos); // the same lists (same URLs) in every release
    }
    const cache = usesNos ? nosSets : this.cache;
    if (cache.has(url)) return cache.get(url);
    const set = this.compute(url, new Set(), lists);
    cache.set(url, set);
    return set;
  }

  /** Whether a ValueSet is, or includes, a NOS list (whose content depends on the release). */
  private usesNos(url: string, lists: CodeListsOfRelease, seen: Set<string>): boolean {
    if (seen.has(url)) return false;
    seen.add(url);
    if (lists.byUrl(url)) return true;
    const vs = this.igValueSets.get(url) ?? (this.base.terminology.get(`ValueSet|${url}`) as ValueSetLike | undefined);
    return (vs?.compose?.include ?? []).some((i) =>
      (i.valueSet ?? []).some((inner) => this.usesNos(inner.split('|')[0] ?? inner, lists, seen)),
    );
  }

  private compute(url: string, seen: Set<string>, lists: CodeListsOfRelease): CodeSet | undefined {
    if (seen.has(url)) return undefined;
    seen.add(url);
    const nos = lists.byUrl(url);
    if (nos) {
      const name = url.split('/').pop() ?? nos.id;
      return fromPairs(
        name,
        nos.concepts.map((c) => [c.system ?? nos.system, c.code] as const),
      );
    }
    const vs = this.igValueSets.get(url) ?? (this.base.terminology.get(`ValueSet|${url}`) as ValueSetLike | undefined);
    if (!vs?.compose?.include || vs.compose.exclude) return undefined;
    const pairs: (readonly [string, string])[] = [];
    for (const include of vs.compose.include) {
      if (include.filter || !include.system) {
        if (!include.valueSet) return undefined;
      }
      for (const inner of include.valueSet ?? []) {
        const innerSet = this.compute(inner.split('|')[0] ?? inner, seen, lists);
        if (!innerSet) return undefined;
        for (const coding of innerSet.codings) {
          const at = coding.lastIndexOf('|');
          pairs.push([coding.slice(0, at), coding.slice(at + 1)]);
        }
      }
      if (!include.system) continue;
      if (include.concept) {
        for (const c of include.concept) pairs.push([include.system, c.code]);
        continue;
      }
      const cs =
        this.igCodeSystems.get(include.system) ??
        (this.base.terminology.get(`CodeSystem|${include.system}`) as CodeSystemLike | undefined);
      const codes = flattenConcepts(cs?.concept);
      if (codes.length === 0) return undefined;
      for (const code of codes) pairs.push([include.system, code]);
    }
    return fromPairs(vs.name ?? url.split('/').pop() ?? url, pairs);
  }
}
