/**
 * The invariant fast paths give fhirpath.js's result (fhirpath.js is the reference) wherever they answer: on every
 * official example and on thousands of mutated resources (seeded, so a failure replays).
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { describe, expect, it } from 'vitest';
import { INPUT_TASK_SYSTEM } from '../sdo-canonicals';
import { officialExamples } from '../testing/fhir-fixtures';
import { fastPathRules, invariantFastPath } from './invariant-fast-paths';
import { validationContext } from './profile-registry';

type Json = Record<string, unknown>;
const SILENT = { traceFn: (): void => undefined };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resources (top level and Bundle entries) and the attachments they hold, with the base type to evaluate on. */
function targets(resource: Json): { base: string; node: Json; root: Json }[] {
  const found: { base: string; node: Json; root: Json }[] = [];
  const visit = (r: Json, root: Json) => {
    found.push({ base: typeof r.resourceType === 'string' ? r.resourceType : 'DomainResource', node: r, root });
    for (const c of Array.isArray(r.content) ? r.content : []) {
      if (isObject(c) && isObject(c.attachment)) found.push({ base: 'Attachment', node: c.attachment, root });
    }
    for (const e of Array.isArray(r.entry) ? r.entry : []) {
      if (isObject(e) && isObject(e.resource)) visit(e.resource, e.resource);
    }
  };
  visit(resource, resource);
  return found;
}

const reference = new Map<string, (node: unknown, env: Json) => unknown>();
function referenceResult(base: string, expression: string, node: Json, root: Json): unknown {
  const cacheKey = `${base}|${expression}`;
  let evaluate = reference.get(cacheKey);
  if (!evaluate) {
    evaluate = fhirpath.compile({ base, expression }, r4Model, SILENT) as (node: unknown, env: Json) => unknown;
    reference.set(cacheKey, evaluate);
  }
  try {
    return evaluate(node, { resource: root, rootResource: root });
  } catch {
    return 'throws';
  }
}

/** Compares every fast path with fhirpath.js on the resource; returns how many answers were compared. */
function compareOn(resource: Json, label: string, only: (key: string) => boolean = () => true): number {
  let answered = 0;
  for (const { base, node, root } of targets(resource)) {
    for (const { key, expression } of fastPathRules()) {
      if (!only(key)) continue;
      const fast = invariantFastPath(key, expression)?.(node);
      if (fast === undefined) continue;
      answered++;
      expect(fast, `${key} sur ${label} (${base})`).toEqual(referenceResult(base, expression, node, root));
    }
  }
  return answered;
}

/** Mulberry32: a small seeded generator, so a failing case replays. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'text/xml',
  'QUJD',
  '57830-2',
  '51848-0',
  'Document Individu et décision',
  'Document évaluation',
  0,
  true,
  [],
  [null],
  {},
  { extension: [{ url: 'http://example.org/x', valueString: 'y' }] },
  [{ resourceType: 'Patient', id: 'p1' }],
  { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
  'statutUnite',
  'idUnite',
  'nomUnite',
  INPUT_TASK_SYSTEM,
];
const INPUT_TYPE_FIELDS = ['text', '_text', 'coding', '_coding'];
const INPUT_FIELDS = ['type', '_type'];
const FIELDS = ['contained', '_contained', 'text', '_text', 'content', '_content', 'type', '_type'];
const ATTACHMENT_FIELDS = ['data', '_data', 'contentType', '_contentType', 'title', '_title'];
const CODING_FIELDS = ['code', '_code', 'system'];

function mutate(resource: Json, random: () => number): Json {
  const copy = structuredClone(resource);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const set = (target: Json, field: string) => {
    const value = structuredClone(pick(VALUES));
    if (value === undefined) delete target[field];
    else target[field] = value;
  };
  const rounds = 1 + Math.floor(random() * 4);
  for (let i = 0; i < rounds; i++) {
    const where = random();
    const content = Array.isArray(copy.content) ? copy.content : [];
    const attachment = content.map((c) => (isObject(c) ? c.attachment : undefined)).find(isObject);
    const codings = isObject(copy.type) && Array.isArray(copy.type.coding) ? copy.type.coding.filter(isObject) : [];
    if (where < 0.35 && attachment) set(attachment, pick(ATTACHMENT_FIELDS));
    else if (where < 0.55 && codings.length > 0) set(pick(codings), pick(CODING_FIELDS));
    else if (where < 0.65 && content.length > 0) content.push(structuredClone(pick(content)));
    else set(copy, pick(FIELDS));
  }
  return copy;
}

/** A Task whose inputs are renamed by text or coding, removed, or given odd shapes (regle-StatutUnite and twin). */
function mutateTaskInputs(task: Json, random: () => number): Json {
  const copy = structuredClone(task);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const set = (target: Json, field: string) => {
    const value = structuredClone(pick(VALUES));
    if (value === undefined) delete target[field];
    else target[field] = value;
  };
  const rounds = 1 + Math.floor(random() * 4);
  for (let i = 0; i < rounds; i++) {
    const inputs = Array.isArray(copy.input) ? copy.input.filter(isObject) : [];
    if (inputs.length === 0) break;
    const input = pick(inputs);
    const type = isObject(input.type) ? input.type : undefined;
    const typeCodings = type && Array.isArray(type.coding) ? type.coding.filter(isObject) : [];
    const how = random();
    if (how < 0.3 && type) type.text = typeCodings[0]?.code ?? pick(VALUES);
    else if (how < 0.45 && type) set(type, pick(INPUT_TYPE_FIELDS));
    else if (how < 0.6 && typeCodings.length > 0) set(pick(typeCodings), pick(CODING_FIELDS));
    else if (how < 0.75) set(input, pick(INPUT_FIELDS));
    else if (how < 0.95) (copy.input as unknown[]).splice((copy.input as unknown[]).indexOf(input), 1);
    else set(copy, pick(['input', '_input']));
  }
  return copy;
}

/** fhirpath.js takes ~10 ms per evaluation of these two on a Task: compared on their own, fewer cases. */
const isTaskInputRule = (key: string) => key.startsWith('regle-StatutUnite');

/** A decision DocumentReference as ViaTrajectoire sends it (no narrative, no contained). */
function decisionDocumentReference(): Json {
  return {
    resourceType: 'DocumentReference',
    id: 'dec-1',
    meta: { profile: ['https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/esms-document-reference'] },
    identifier: [{ use: 'official', value: 'VT-000001-00000RS' }],
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '57830-2', display: 'Admission request Document' }] },
    content: [
      {
        attachment: {
          contentType: 'text/xml',
          language: 'fr',
          data: Buffer.from('<ClinicalDocument/>').toString('base64'),
          title: 'Document Individu et décision',
        },
      },
    ],
  };
}

describe('invariant fast paths', () => {
  it('have a rule each in the definitions in use (regle-StatutUnite and twin, dom-2 to dom-6, att-1, regle-Contenu, regle-NomPieceJointe-type)', () => {
    const ctx = validationContext();
    const roots = [...ctx.profiles('4.0.7').byUrl.values()].map((p) => p.root);
    const attachment = ctx.templates.root('Attachment');
    const inUse = new Set(
      [...roots, ...(attachment ? [attachment] : [])].flatMap((n) =>
        n.constraints.map((c) => `${c.key}|${c.expression}`),
      ),
    );
    for (const { key, expression } of fastPathRules()) expect(inUse, key).toContain(`${key}|${expression}`);
    expect(fastPathRules().map((r) => r.key)).toEqual([
      'regle-StatutUnite',
      'regle-StatutUnite-coding',
      'dom-2',
      'dom-3',
      'dom-4',
      'dom-5',
      'dom-6',
      'att-1',
      'regle-Contenu',
      'regle-NomPieceJointe-type',
    ]);
  });

  it('give fhirpath.js’s result on every official example', () => {
    let answered = 0;
    for (const { file, resource } of officialExamples()) answered += compareOn(resource, file);
    expect(answered).toBeGreaterThan(10);
  });

  it('give fhirpath.js’s result on mutated resources, or leave the rule to it', () => {
    const random = seeded(20260407);
    const bases = [decisionDocumentReference(), ...officialExamples().map((e) => e.resource)];
    let answered = 0;
    let cases = 0;
    for (let i = 0; i < 3000; i++) {
      const resource = mutate(bases[i % bases.length] as Json, random);
      answered += compareOn(
        resource,
        `mutation ${i} : ${JSON.stringify(resource).slice(0, 400)}`,
        (key) => !isTaskInputRule(key),
      );
      cases++;
    }
    expect(cases).toBe(3000);
    // Most mutations keep plain shapes: the fast paths answer far more often than they defer.
    expect(answered).toBeGreaterThan(6000);
  });

  it('give fhirpath.js’s result on Tasks whose inputs are named by text, by coding, or oddly shaped', () => {
    const random = seeded(20261202);
    const task = officialExamples().find((e) => e.resource.resourceType === 'Task')?.resource as Json;
    const withTexts = structuredClone(task);
    for (const input of (withTexts.input as Json[]) ?? []) {
      const type = input.type as Json;
      type.text = ((type.coding as Json[])[0] as Json).code;
    }
    const verdicts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const resource = mutateTaskInputs(i % 2 === 0 ? task : withTexts, random);
      for (const { key, expression } of fastPathRules().filter((r) => isTaskInputRule(r.key))) {
        const fast = invariantFastPath(key, expression)?.(resource);
        if (fast === undefined) continue;
        const label = `${key} sur la tâche ${i} : ${JSON.stringify(resource.input).slice(0, 400)}`;
        expect(fast, label).toEqual(referenceResult('Task', expression, resource, resource));
        verdicts.set(`${key}=${String(fast[0])}`, (verdicts.get(`${key}=${String(fast[0])}`) ?? 0) + 1);
      }
    }
    // Each rule answered both ways, many times: kept and broken unit blocks, named by text and by coding.
    for (const key of ['regle-StatutUnite', 'regle-StatutUnite-coding']) {
      expect(verdicts.get(`${key}=true`), key).toBeGreaterThan(10);
      expect(verdicts.get(`${key}=false`), key).toBeGreaterThan(10);
    }
  });
});
