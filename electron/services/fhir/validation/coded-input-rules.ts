/**
 * Deliberate addition to the IG (README.md in this folder): the ESMSTask invariants are published on
 * `input.type.text` (`input.type.where(text='statutUnite')`), while the profile's input slices are told apart by
 * `type.coding` (pattern discriminator on `type`) and `text` is optional. A Task whose inputs are coded without
 * text, its unit block incomplete, would pass the published rule. Each such rule gets a twin on the coding
 * (system and code, the slices' own discriminator), checked beside the published expression, never instead.
 */
import { INPUT_TASK_SYSTEM } from '../sdo-canonicals';
import type { RawConstraint, RawElement, RawStructureDefinition } from './base-definitions';

/** `type.where(text='X')`: an input recognised by its text. */
const BY_TEXT = /\btype\.where\(text='([A-Za-z_]+)'\)/g;

/** Suffix of the twin's key: `regle-StatutUnite` → `regle-StatutUnite-coding`. */
export const CODED_TWIN_SUFFIX = '-coding';

/** The twin of a constraint that finds inputs by `type.text`, or undefined when it does not. */
export function codedTwin(constraint: RawConstraint): RawConstraint | undefined {
  const expression = constraint.expression?.replace(
    BY_TEXT,
    (_, code: string) => `type.coding.where(system='${INPUT_TASK_SYSTEM}' and code='${code}')`,
  );
  if (expression === undefined || expression === constraint.expression) return undefined;
  return {
    ...constraint,
    key: constraint.key + CODED_TWIN_SUFFIX,
    human: `${constraint.human} (entrées reconnues par leur code, type.coding)`,
    expression,
  };
}

/** The StructureDefinition with, beside each constraint on `type.text`, its twin on `type.coding`. */
export function withCodedInputRules(sd: RawStructureDefinition): RawStructureDefinition {
  const elements = (sd.differential?.element ?? []).map((element): RawElement => {
    const twins = (element.constraint ?? []).map(codedTwin).filter((c): c is RawConstraint => c !== undefined);
    return twins.length === 0 ? element : { ...element, constraint: [...(element.constraint ?? []), ...twins] };
  });
  return { ...sd, differential: { element: elements } };
}
