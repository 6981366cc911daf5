/** Fake CDA data: deterministic, obviously fictitious decisions and evaluations (see decision-spec-generator.ts). */
export { generateDecisionBatch, type DecisionBatchOptions, type GeneratedDecision } from './decision-batch-generator';
export { renderDecisionCda, renderEvaluationCda } from './decision-cda-renderer';
export {
  bucketOf,
  generateDecisionSpec,
  orientationCategoriesFor,
  type DecisionRenderOptions,
  type DecisionScenario,
  type DecisionSpec,
  type DecisionSpecOptions,
  type ValidityBucket,
} from './decision-spec-generator';
export { generateEvaluationFor, type EvaluationSpec } from './evaluation-spec-generator';
export { createSeededRandom, deriveSeed, type SeededRandom } from './seeded-random';
