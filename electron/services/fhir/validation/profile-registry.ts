/**
 * The SDO profiles of each supported IG release (shared/domain/sdo-versions.ts), compiled once from the official
 * 4.0.7 differentials (../conformance). A release whose profile of a role has another canonical (4.0.5's `sdo-*`)
 * gets the same differential under that name; its switches add constraints (4.0.5: the invariant
 * `regle-ModePriseEnCharge` that 4.0.7 dropped).
 */
import {
  SDO_VERSIONS,
  SDO_VERSION_IDS,
  sdoVersion,
  type SdoProfileRole,
  type SdoVersion,
  type SdoVersionSpec,
} from '@shared/domain/sdo-versions';
import bundleDecisionEvaluation from '../conformance/StructureDefinition-esms-bundle-resultat-recherche-decision-evaluation.json';
import bundleNotification from '../conformance/StructureDefinition-esms-bundle-resultat-recherche-notification-esms.json';
import esmsConsent from '../conformance/StructureDefinition-esms-consent.json';
import esmsDocumentReference from '../conformance/StructureDefinition-esms-document-reference.json';
import esmsTask from '../conformance/StructureDefinition-esms-task.json';
import { withCodedInputRules } from './coded-input-rules';
import { loadBaseDefinitions, type RawElement, type RawStructureDefinition } from './base-definitions';
import { compileProfile, TypeTemplates, type CompiledProfile } from './element-tree';
import { TerminologyResolver } from './terminology';

/** The guide's regle-ModePriseEnCharge for a list of codes (4.0.5 wrote them from the last to the first). */
function regleModePriseEnCharge(codes: readonly string[]) {
  const last = codes.at(-1);
  return {
    key: 'regle-ModePriseEnCharge',
    severity: 'error' as const,
    human: `Le mode de prise en charge doit être ${codes.slice(0, -1).join(', ')}${codes.length > 1 ? ' ou ' : ''}${last ?? ''}`,
    expression: [...codes]
      .reverse()
      .map((code) => `(value.coding.where(code='${code}').exists())`)
      .join(' or '),
  };
}

/** The official differential of each role (4.0.7 names). */
const DIFFERENTIALS: Record<SdoProfileRole, RawStructureDefinition> = {
  task: esmsTask as unknown as RawStructureDefinition,
  notificationBundle: bundleNotification,
  documentReference: esmsDocumentReference as unknown as RawStructureDefinition,
  consent: esmsConsent,
  decisionEvaluationBundle: bundleDecisionEvaluation,
};

/** The StructureDefinitions of one release: each role's differential under the release's canonical. */
function sourcesOf(
  version: SdoVersionSpec,
  differentials: Record<SdoProfileRole, RawStructureDefinition>,
): RawStructureDefinition[] {
  const roles = Object.keys(differentials) as SdoProfileRole[];
  const renames = new Map(roles.map((role) => [differentials[role].url, version.profiles[role]]));
  const codes = version.switches.modePriseChargeCodes;
  return roles.map((role) => {
    const sd = differentials[role];
    const extra =
      role === 'task' && codes
        ? new Map([['Task.input:modePriseCharge', [regleModePriseEnCharge(codes)]]])
        : new Map<string, RawElement['constraint']>();
    const url = version.profiles[role];
    return url === sd.url && extra.size === 0 ? sd : derive(sd, url, renames, extra);
  });
}

/** Same differential under other canonicals (4.0.5 names), with extra constraints on some element ids. */
function derive(
  sd: RawStructureDefinition,
  url: string,
  renames: ReadonlyMap<string, string>,
  extraConstraints: ReadonlyMap<string, RawElement['constraint']> = new Map(),
): RawStructureDefinition {
  const elements = (sd.differential?.element ?? []).map((element) => {
    const type = element.type?.map((t) => ({
      ...t,
      ...(t.profile ? { profile: t.profile.map((p) => renames.get(p) ?? p) } : {}),
    }));
    const extra = extraConstraints.get(element.id ?? element.path);
    return {
      ...element,
      ...(type ? { type } : {}),
      ...(extra ? { constraint: [...(element.constraint ?? []), ...extra] } : {}),
    };
  });
  return { ...sd, url, differential: { element: elements } };
}

export interface ProfileSet {
  readonly version: SdoVersion;
  readonly byUrl: ReadonlyMap<string, CompiledProfile>;
}

export interface ValidationContext {
  readonly templates: TypeTemplates;
  readonly terminology: TerminologyResolver;
  profiles(version: SdoVersion): ProfileSet;
  /** Which release a known SDO canonical belongs to (for a clear message when it is the wrong one). */
  versionsOf(url: string): readonly SdoVersion[];
}

let context: ValidationContext | undefined;

/** The process-wide validation context: base templates, terminology and compiled profiles, built on first use. */
export function validationContext(): ValidationContext {
  if (context) return context;
  const base = loadBaseDefinitions();
  const templates = new TypeTemplates(base);
  const terminology = new TerminologyResolver(base);
  // The task's differential gains the guide's rules on coded inputs (coded-input-rules.ts), in every release.
  const differentials = { ...DIFFERENTIALS, task: withCodedInputRules(DIFFERENTIALS.task) };
  const sources = new Map<SdoVersion, RawStructureDefinition[]>(
    SDO_VERSIONS.map((v) => [v.id, sourcesOf(v, differentials)]),
  );
  const compiled = new Map<SdoVersion, ProfileSet>();
  context = {
    templates,
    terminology,
    profiles(version) {
      let set = compiled.get(version);
      if (!set) {
        const byUrl = new Map<string, CompiledProfile>();
        // The lookup fails on an unknown release.
        const own = sources.get(version) ?? sourcesOf(sdoVersion(version), differentials);
        for (const sd of own) byUrl.set(sd.url, compileProfile(templates, sd));
        set = { version, byUrl };
        compiled.set(version, set);
      }
      return set;
    },
    versionsOf(url) {
      return SDO_VERSION_IDS.filter((v) => sources.get(v)?.some((sd) => sd.url === url));
    },
  };
  return context;
}
