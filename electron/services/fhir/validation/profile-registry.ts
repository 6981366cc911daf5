/**
 * The SDO profiles of each supported IG release, compiled once from the official differentials
 * (../conformance). 4.0.5 (decisions.md §8) is derived generically from the 4.0.7 files: same differential under
 * the former `sdo-*` canonicals, plus the invariant `regle-ModePriseEnCharge` that 4.0.7 dropped (brief §4.4).
 */
import type { SdoProfileVersion } from '@shared/domain/status-report';
import bundleDecisionEvaluation from '../conformance/StructureDefinition-esms-bundle-resultat-recherche-decision-evaluation.json';
import bundleNotification from '../conformance/StructureDefinition-esms-bundle-resultat-recherche-notification-esms.json';
import esmsConsent from '../conformance/StructureDefinition-esms-consent.json';
import esmsDocumentReference from '../conformance/StructureDefinition-esms-document-reference.json';
import esmsTask from '../conformance/StructureDefinition-esms-task.json';
import { PROFILE } from '../sdo-canonicals';
import { withCodedInputRules } from './coded-input-rules';
import { loadBaseDefinitions, type RawElement, type RawStructureDefinition } from './base-definitions';
import { compileProfile, TypeTemplates, type CompiledProfile } from './element-tree';
import { TerminologyResolver } from './terminology';

const REGLE_MODE_PRISE_EN_CHARGE = {
  key: 'regle-ModePriseEnCharge',
  severity: 'error' as const,
  human: 'Le mode de prise en charge doit être 46, 47 ou 48',
  expression:
    "(value.coding.where(code='48').exists()) or (value.coding.where(code='47').exists()) or (value.coding.where(code='46').exists())",
};

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
  readonly version: SdoProfileVersion;
  readonly byUrl: ReadonlyMap<string, CompiledProfile>;
}

export interface ValidationContext {
  readonly templates: TypeTemplates;
  readonly terminology: TerminologyResolver;
  profiles(version: SdoProfileVersion): ProfileSet;
  /** Which release a known SDO canonical belongs to (for a clear message when it is the wrong one). */
  versionsOf(url: string): readonly SdoProfileVersion[];
}

let context: ValidationContext | undefined;

/** The process-wide validation context: base templates, terminology and compiled profiles, built on first use. */
export function validationContext(): ValidationContext {
  if (context) return context;
  const base = loadBaseDefinitions();
  const templates = new TypeTemplates(base);
  const terminology = new TerminologyResolver(base);
  const task = withCodedInputRules(esmsTask as unknown as RawStructureDefinition);
  const sources: Record<SdoProfileVersion, RawStructureDefinition[]> = {
    '4.0.7': [
      task,
      ...[bundleNotification, esmsDocumentReference, esmsConsent, bundleDecisionEvaluation].map(
        (x) => x as unknown as RawStructureDefinition,
      ),
    ],
    '4.0.5': [],
  };
  const renames = new Map([[PROFILE.esmsTask, PROFILE.sdoTask]]);
  sources['4.0.5'] = [
    derive(task, PROFILE.sdoTask, renames, new Map([['Task.input:modePriseCharge', [REGLE_MODE_PRISE_EN_CHARGE]]])),
    derive(bundleNotification as unknown as RawStructureDefinition, PROFILE.sdoBundleNotification, renames),
    ...sources['4.0.7'].filter((sd) => sd.url !== PROFILE.esmsTask && sd.url !== PROFILE.bundleNotification),
  ];
  const compiled = new Map<SdoProfileVersion, ProfileSet>();
  context = {
    templates,
    terminology,
    profiles(version) {
      let set = compiled.get(version);
      if (!set) {
        const byUrl = new Map<string, CompiledProfile>();
        for (const sd of sources[version]) byUrl.set(sd.url, compileProfile(templates, sd));
        set = { version, byUrl };
        compiled.set(version, set);
      }
      return set;
    },
    versionsOf(url) {
      return (Object.keys(sources) as SdoProfileVersion[]).filter((v) => sources[v].some((sd) => sd.url === url));
    },
  };
  return context;
}
