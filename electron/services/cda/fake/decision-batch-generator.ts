/**
 * A batch of fake decisions for the sandbox, tests and benchmarks: new persons with attributions, and follow-up
 * decisions (renewal, revision, closure) that reference an earlier decision of the same batch. Each item is
 * generated from its own derived seed, so the batch is deterministic for (seed, count, finessEgs, today, mdphOid).
 */
import { renderDecisionCda } from './decision-cda-renderer';
import { generateDecisionSpec, type DecisionScenario, type DecisionSpec } from './decision-spec-generator';
import { createSeededRandom, deriveSeed } from './seeded-random';

export interface DecisionBatchOptions {
  readonly seed: number;
  readonly count: number;
  /** FINESS EG (9 characters) the decisions target; each decision targets one to three of them. */
  readonly finessEgs: readonly string[];
  /** ISO date the validity buckets (expired / ending within 3 months / valid) are computed from. */
  readonly today: string;
  /** Issue every decision from this MDPH OID; otherwise each person gets a seeded MDPH. */
  readonly mdphOid?: string;
  /** Orientation categories each EG accepts (see DecisionSpecOptions.categoriesByEg). */
  readonly categoriesByEg?: Readonly<Record<string, readonly string[]>>;
}

export interface GeneratedDecision {
  readonly spec: DecisionSpec;
  readonly idNatDecision: string;
  readonly idDecision: string;
  readonly targetedEgs: readonly string[];
  readonly cdaXml: string;
}

/** Share of the items that follow up an earlier decision of the batch. */
const FOLLOW_UP_RATE = 0.25;
/** Share of the new persons whose first decision is already a renewal/revision of an unknown ("A définir") one. */
const UNKNOWN_LINK_RATE = 0.08;

export function generateDecisionBatch(options: DecisionBatchOptions): GeneratedDecision[] {
  const rnd = createSeededRandom(options.seed);
  const linkable: DecisionSpec[] = [];
  const items: GeneratedDecision[] = [];
  let persons = 0;
  for (let index = 1; index <= options.count; index++) {
    let previous: DecisionSpec | undefined;
    let scenario: DecisionScenario | undefined;
    if (linkable.length > 0 && rnd.chance(FOLLOW_UP_RATE)) {
      // A followed-up decision is superseded: it is not followed up twice.
      previous = linkable.splice(rnd.int(0, linkable.length - 1), 1)[0];
    } else {
      persons++;
      scenario = rnd.chance(UNKNOWN_LINK_RATE)
        ? rnd.pick<DecisionScenario>(['renouvellement', 'revision'])
        : 'attribution';
    }
    const spec = generateDecisionSpec(deriveSeed(options.seed, index), {
      finessEgs: options.finessEgs,
      today: options.today,
      index,
      batchSeed: options.seed,
      personIndex: persons,
      ...(options.mdphOid ? { mdphOid: options.mdphOid } : {}),
      ...(options.categoriesByEg ? { categoriesByEg: options.categoriesByEg } : {}),
      ...(previous ? { previous } : {}),
      ...(scenario ? { scenario } : {}),
    });
    if (spec.scenario !== 'cloture') linkable.push(spec);
    items.push({
      spec,
      idNatDecision: spec.decision.document.idNatDecision,
      idDecision: spec.decision.decision.idDecision,
      targetedEgs: spec.targetedEgs,
      cdaXml: renderDecisionCda(spec),
    });
  }
  return items;
}
