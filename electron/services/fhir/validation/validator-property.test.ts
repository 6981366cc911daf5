/**
 * Property test of the validator on seeded mutations (a failure replays from its number): the official examples
 * and the resources the sandbox serves (generated decisions in ESMSDocumentReference, event Tasks, searchsets)
 * are mutated at random. Whatever the mutation, validateResource returns a result and never throws; when a
 * mutation breaks one of the listed rules, the result is invalid and names that rule.
 */
import { describe, expect, it } from 'vitest';
import type { ValidationResult } from '@shared/domain/fhir-validation';
import { createSeededRandom, generateDecisionBatch, generateEvaluationFor, renderEvaluationCda } from '../../cda/fake';
import { buildEventTask } from '../../sandbox/event-tasks';
import { buildDecisionDocumentReference, searchsetBundle, type FhirResource } from '../resources';
import { INPUT_TASK_SYSTEM } from '../sdo-canonicals';
import { FULL_REPORT, MINIMAL_REPORT, officialExamples } from '../testing/fhir-fixtures';
import { validateResource } from './resource-validator';
import { formatRule, MAX_JSON_DEPTH, MAX_STRING_LENGTH, VALIDATION_RULE } from './validation-rules';

type Json = Record<string, unknown>;
type Random = ReturnType<typeof createSeededRandom>;

/** 300 per kind of mutation. */
const MUTATIONS = 2100;
const SEED = 20261202;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The resources the sandbox serves: generated decisions and an evaluation, event Tasks, a searchset of each. */
function sandboxResources(): Json[] {
  const batch = generateDecisionBatch({ seed: SEED, count: 3, finessEgs: ['990000011'], today: '2026-06-15' });
  const documents = batch.map((item, i) =>
    buildDecisionDocumentReference({
      id: `dec-${i}`,
      kind: 'decision',
      idDecision: item.idDecision,
      idNatDecision: item.idNatDecision,
      lastUpdated: '2026-06-15T08:00:00Z',
      cdaXml: item.cdaXml,
    }),
  );
  const first = batch[0];
  if (first) {
    documents.push(
      buildDecisionDocumentReference({
        id: 'eval-0',
        kind: 'evaluation',
        idDecision: first.idDecision,
        idNatDecision: first.idNatDecision,
        lastUpdated: '2026-06-15T08:00:00Z',
        cdaXml: renderEvaluationCda(generateEvaluationFor(first.spec)),
      }),
    );
  }
  const tasks = [FULL_REPORT, MINIMAL_REPORT].map((report, i) => ({
    ...buildEventTask(report, '4.0.7', '2026-06-15T08:00:00Z'),
    id: `task-${i}`,
  }));
  const options = { fullUrlBase: 'https://127.0.0.1:8443/fhir', lastUpdated: '2026-06-15T08:00:00Z' };
  return [
    ...documents,
    ...tasks,
    searchsetBundle(documents, options),
    searchsetBundle(tasks as unknown as FhirResource[], options),
  ] as unknown as Json[];
}

// ---------------------------------------------------------------------------------------------------------------
// Locations in a JSON tree

interface Slot {
  readonly parent: Json | unknown[];
  readonly key: string | number;
}

/** Every string value (with its parent), objects and resources (objects with a resourceType) of a tree. */
function survey(root: Json): { strings: Slot[]; objects: Json[]; resources: Json[]; tasks: Json[] } {
  const strings: Slot[] = [];
  const objects: Json[] = [];
  const stack: unknown[] = [root];
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    if (Array.isArray(value)) {
      value.forEach((child, i) =>
        typeof child === 'string' ? strings.push({ parent: value, key: i }) : stack.push(child),
      );
    } else if (isObject(value)) {
      objects.push(value);
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === 'string') strings.push({ parent: value, key });
        else stack.push(child);
      }
    }
  }
  const resources = objects.filter((o) => typeof o.resourceType === 'string');
  return { strings, objects, resources, tasks: resources.filter((r) => r.resourceType === 'Task') };
}

function setAt(slot: Slot, value: unknown): void {
  (slot.parent as Record<string | number, unknown>)[slot.key] = value;
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations: each returns the rules the mutated resource must be refused under (empty: only "never throws")

type Mutation = (resource: Json, random: Random) => readonly string[] | undefined;

function pick<T>(random: Random, list: readonly T[]): T {
  if (list.length === 0) throw new Error('liste vide : mutation mal choisie');
  return list[random.int(0, list.length - 1)] as T;
}

const BAD_IDS = ['../../etc/passwd', 'a'.repeat(65), 'abc\u202Edef', 'a b', 'décision', 'x/y', '#1'];

/** One shared string over the limit: 2,400 mutations must not allocate a MiB each. */
const TOO_LONG = 'x'.repeat(MAX_STRING_LENGTH + 1);

/** A valid statutUnite input, as the sandbox writes it (type.coding and type.text). */
const STATUT_UNITE_INPUT = (() => {
  const task = buildEventTask(FULL_REPORT, '4.0.7', '2026-06-15T08:00:00Z');
  const input = (task.input as unknown[]).find((i) => inputCode(i) === 'statutUnite');
  if (!isObject(input)) throw new Error('statutUnite absent du Task du bac à sable');
  return input;
})();

const UNIT_BLOCK = ['nomUnite', 'categorieOrganisation', 'modePriseCharge', 'dateStatutUnite', 'idUnite'];

/** Mutations that need a Task in the resource. */
const ON_TASKS = new Set(['unitBlockIncomplete', 'inputCodeOutsideCodeSystem']);

function inputCode(input: unknown): string | undefined {
  if (!isObject(input) || !isObject(input.type) || !Array.isArray(input.type.coding)) return undefined;
  const coding: unknown = input.type.coding.find((c) => isObject(c) && c.system === INPUT_TASK_SYSTEM);
  return isObject(coding) && typeof coding.code === 'string' ? coding.code : undefined;
}

const mutations: Record<string, Mutation> = {
  badResourceId(resource, random) {
    pick(random, survey(resource).resources).id = pick(random, BAD_IDS);
    return [formatRule('id')];
  },
  emptyString(resource, random) {
    setAt(pick(random, survey(resource).strings), '');
    return [VALIDATION_RULE.emptyString];
  },
  stringOverOneMebibyte(resource, random) {
    const slots = survey(resource).strings.filter((s) => s.key !== 'data');
    setAt(pick(random, slots), TOO_LONG);
    return [VALIDATION_RULE.maxStringLength];
  },
  deepNesting(resource, random) {
    const depth = random.chance(0.1) ? 5000 : random.int(MAX_JSON_DEPTH, 600);
    let nested: unknown = { url: 'https://example.org/x', valueString: 'y' };
    for (let i = 0; i < depth; i++) {
      nested = random.chance(0.5) ? { url: 'https://example.org/x', extension: [nested] } : [nested];
    }
    pick(random, survey(resource).objects).extension = [nested];
    return [VALIDATION_RULE.maxDepth];
  },
  unitBlockIncomplete(resource, random) {
    const task = pick(random, survey(resource).tasks);
    if (!task || !Array.isArray(task.input)) return undefined;
    const keepTexts = random.chance(0.5);
    if (!keepTexts) for (const input of task.input) if (isObject(input) && isObject(input.type)) delete input.type.text;
    if (!task.input.some((i) => inputCode(i) === 'statutUnite')) {
      const statut = structuredClone(STATUT_UNITE_INPUT);
      if (!keepTexts && isObject(statut.type)) delete statut.type.text;
      task.input.push(statut);
    }
    const missing = pick(random, UNIT_BLOCK);
    const inputs: unknown[] = task.input.filter((i) => inputCode(i) !== missing);
    task.input = inputs;
    return keepTexts && inputs.some((i) => isObject(i) && isObject(i.type) && i.type.text === 'statutUnite')
      ? ['regle-StatutUnite-coding', 'regle-StatutUnite']
      : ['regle-StatutUnite-coding'];
  },
  inputCodeOutsideCodeSystem(resource, random) {
    const task = pick(random, survey(resource).tasks);
    if (!task || !Array.isArray(task.input)) return undefined;
    const input: unknown = pick(random, task.input);
    if (!isObject(input) || !isObject(input.type) || !Array.isArray(input.type.coding)) return undefined;
    const coding: unknown = input.type.coding[0];
    if (!isObject(coding)) return undefined;
    coding.system = INPUT_TASK_SYSTEM;
    coding.code = pick(random, ['statutInconnu', 'idnat_struct', 'StatutUnite', 'idUnite ', 'x']);
    return [VALIDATION_RULE.codeOutsideCodeSystem];
  },
  /** Anything else: a value of another JSON type, a deleted or duplicated element, a null. Only "never throws". */
  anything(resource, random) {
    const { objects } = survey(resource);
    for (let round = random.int(1, 4); round > 0; round--) {
      const target = pick(random, objects);
      const keys = Object.keys(target);
      const key = keys.length > 0 ? pick(random, keys) : 'x';
      const how = random.next();
      if (how < 0.3) delete target[key];
      else if (how < 0.5 && Array.isArray(target[key]))
        (target[key] as unknown[]).push(structuredClone(pick(random, target[key] as unknown[])));
      else
        target[key] = pick(random, [
          null,
          0,
          -1,
          1.5,
          true,
          [],
          [null],
          {},
          'x',
          ' ',
          [[]],
          { a: {} },
          2 ** 53,
          '\u0000',
        ]);
    }
    return undefined;
  },
};

function check(result: ValidationResult, label: string): void {
  expect(typeof result.valid, label).toBe('boolean');
  expect(result.valid, label).toBe(!result.issues.some((i) => i.severity === 'error'));
  for (const issue of result.issues) {
    expect(issue.rule, label).toMatch(/^[\w-]+$/);
    expect(issue.message.length, label).toBeLessThan(1000);
  }
}

describe('validateResource — seeded mutations of official and sandbox resources', () => {
  const bases = [...officialExamples().map((e) => e.resource), ...sandboxResources()];
  const taskBases = bases.filter((b) => survey(b).tasks.length > 0);

  it('starts from resources that all pass (so each refusal below comes from its mutation)', () => {
    expect(bases.length).toBeGreaterThanOrEqual(12);
    for (const base of bases) {
      const errors = validateResource(base).issues.filter((i) => i.severity === 'error');
      expect(errors, String(base.id)).toEqual([]);
    }
  });

  it(`never throws and refuses each broken rule by name (${MUTATIONS} mutations, seed ${SEED})`, () => {
    const random = createSeededRandom(SEED);
    const names = Object.keys(mutations);
    const refusedByRule = new Map<string, number>();
    let expectedRefusals = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const name = names[i % names.length] as string;
      const resource = structuredClone(pick(random, ON_TASKS.has(name) ? taskBases : bases));
      const expected = mutations[name]?.(resource, random);
      const label = `mutation ${i} (${name}) de ${String(resource.resourceType).slice(0, 40)}/${String(resource.id).slice(0, 70)}`;
      let result: ValidationResult | undefined;
      expect(() => (result = validateResource(resource)), label).not.toThrow();
      if (!result) continue;
      check(result, label);
      if (!expected) continue;
      expectedRefusals++;
      expect(result.valid, label).toBe(false);
      const rules = new Set(result.issues.filter((issue) => issue.severity === 'error').map((issue) => issue.rule));
      for (const rule of expected) {
        expect(rules, `${label} : règle ${rule} attendue`).toContain(rule);
        refusedByRule.set(rule, (refusedByRule.get(rule) ?? 0) + 1);
      }
    }
    // Every listed rule was broken, and refused, many times.
    for (const rule of [
      'format-id',
      VALIDATION_RULE.emptyString,
      VALIDATION_RULE.maxStringLength,
      VALIDATION_RULE.maxDepth,
      'regle-StatutUnite-coding',
      'regle-StatutUnite',
      VALIDATION_RULE.codeOutsideCodeSystem,
    ]) {
      expect(refusedByRule.get(rule) ?? 0, rule).toBeGreaterThan(20);
    }
    expect(expectedRefusals).toBeGreaterThan(1500);
  });
});
