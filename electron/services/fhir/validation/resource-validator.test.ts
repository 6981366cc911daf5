import { describe, expect, it } from 'vitest';
import { INPUT_TASK_SYSTEM, PROFILE } from '../sdo-canonicals';
import { toOperationOutcome } from '../resources/operation-outcome';
import { officialExample, officialExamples } from '../testing/fhir-fixtures';
import { loadBaseDefinitions } from './base-definitions';
import { isR4Base64Binary, validateResource, type ValidationResult } from './resource-validator';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test fixtures are edited freely

const errors = (r: ValidationResult) => r.issues.filter((i) => i.severity === 'error');
const errorAt = (r: ValidationResult, path: string) => errors(r).find((i) => i.path === path);

function exampleTask(): Json {
  const task = officialExample('Task-exemple-esms-task.json') as Json;
  delete task.text;
  return task;
}

/** The official Task with `type.text` = slice name on every input, as our builder writes it. */
function taskWithTexts(): Json {
  const task = exampleTask();
  for (const input of task.input) input.type.text = input.type.coding[0].code;
  return task;
}

function inputIndex(task: Json, slice: string): number {
  return task.input.findIndex((i: Json) => i.type.coding[0].code === slice);
}

describe('validateResource — official examples', () => {
  for (const { file, resource } of officialExamples()) {
    it(`${file} has no error`, () => {
      const result = validateResource(resource);
      expect(errors(result)).toEqual([]);
      expect(result.valid).toBe(true);
      expect(result.profile).toMatch(/^https:\/\/interop\.esante\.gouv\.fr\/ig\/fhir\/sdo\/StructureDefinition\//);
    });
  }

  it('reports the regle-Contenu warning on the _elements example (no data)', () => {
    const result = validateResource(
      officialExample('Bundle-exemple-bundle-resultat-recherche-decision-evaluation-elements.json'),
    );
    expect(result.issues).toContainEqual(
      expect.objectContaining({ severity: 'warning', path: 'Bundle.entry[0].resource', code: 'invariant' }),
    );
  });

  it('does not modify the resource it validates', () => {
    const task = exampleTask();
    const before = JSON.stringify(task);
    validateResource(task);
    expect(JSON.stringify(task)).toBe(before);
  });
});

describe('validateResource — ESMSTask', () => {
  it('fails when a mandatory input slice is missing', () => {
    const task = exampleTask();
    task.input.splice(inputIndex(task, 'idNat_Decision'), 1);
    const result = validateResource(task);
    expect(result.valid).toBe(false);
    expect(errorAt(result, 'Task.input:idNat_Decision')).toMatchObject({ code: 'required' });
  });

  it('fails when a slice appears twice', () => {
    const task = exampleTask();
    task.input.push(structuredClone(task.input[inputIndex(task, 'nomESMS')]));
    expect(errorAt(validateResource(task), 'Task.input:nomESMS')).toBeDefined();
  });

  it('fails when the ESMS status is not in JDV_J252 (a unit status code)', () => {
    const task = exampleTask();
    const i = inputIndex(task, 'statutESMS');
    task.input[i].valueCodeableConcept.coding[0].code = '186';
    const issue = errorAt(validateResource(task), `Task.input[${i}].valueCodeableConcept`);
    expect(issue).toMatchObject({ code: 'code-invalid' });
    expect(issue?.message).toContain('JDV-J252');
  });

  it('fails when the status code has the wrong system', () => {
    const task = exampleTask();
    const i = inputIndex(task, 'statutESMS');
    task.input[i].valueCodeableConcept.coding[0].system = 'https://example.org/autre-systeme';
    expect(errorAt(validateResource(task), `Task.input[${i}].valueCodeableConcept`)).toBeDefined();
  });

  it('fails regle-StatutUnite when statutUnite comes without the unit block and type.text is present', () => {
    const task = taskWithTexts();
    task.input = task.input.filter((i: Json) => !['idUnite', 'modePriseCharge'].includes(i.type.text));
    const result = validateResource(task);
    expect(result.valid).toBe(false);
    expect(errorAt(result, 'Task')?.message).toContain('regle-StatutUnite');
  });

  it('passes regle-StatutUnite when the full unit block is sent with type.text', () => {
    expect(validateResource(taskWithTexts()).valid).toBe(true);
  });

  it('fails on a Task.status other than completed', () => {
    const task = exampleTask();
    task.status = 'in-progress';
    expect(errorAt(validateResource(task), 'Task.status')).toMatchObject({ code: 'value' });
  });

  it('fails on a Task.status that is not a TaskStatus code (base required binding)', () => {
    const task = exampleTask();
    task.status = 'terminee';
    const found = errors(validateResource(task)).filter((i) => i.path === 'Task.status');
    expect(found.map((i) => i.code).sort()).toEqual(['code-invalid', 'value']);
  });

  it('fails on an unknown element', () => {
    const task = exampleTask();
    task.businessStatut = { text: 'x' };
    expect(errorAt(validateResource(task), 'Task.businessStatut')).toMatchObject({ code: 'structure' });
  });

  it('fails on a bad date and an impossible calendar date', () => {
    const task = exampleTask();
    const i = inputIndex(task, 'dateStatutESMS');
    const j = inputIndex(task, 'dateStatutUnite');
    task.input[i].valueDate = '25/10/2012';
    task.input[j].valueDate = '2021-02-30';
    const result = validateResource(task);
    expect(errorAt(result, `Task.input[${i}].valueDate`)).toMatchObject({ code: 'value' });
    expect(errorAt(result, `Task.input[${j}].valueDate`)).toMatchObject({ code: 'value' });
  });

  it('fails when meta.lastUpdated is missing or not an instant', () => {
    const missing = exampleTask();
    delete missing.meta.lastUpdated;
    expect(errorAt(validateResource(missing), 'Task.meta.lastUpdated')).toMatchObject({ code: 'required' });
    const notInstant = exampleTask();
    notInstant.meta.lastUpdated = '2017-01-01';
    expect(errorAt(validateResource(notInstant), 'Task.meta.lastUpdated')).toMatchObject({ code: 'value' });
  });

  it('fails when a slice carries a value type its profile does not allow', () => {
    const task = exampleTask();
    const i = inputIndex(task, 'nomESMS');
    task.input[i] = { type: task.input[i].type, valueIdentifier: { value: 'x' } };
    const result = validateResource(task);
    expect(errorAt(result, `Task.input[${i}].valueIdentifier`)).toMatchObject({ code: 'structure' });
  });

  it('fails on JSON shape errors: array for a single element, object for a repeating one, boolean as string', () => {
    const task = exampleTask();
    task.intent = ['plan'];
    task.input = task.input[0];
    const result = validateResource(exampleTask());
    expect(result.valid).toBe(true);
    const broken = validateResource(task);
    expect(errorAt(broken, 'Task.intent')).toBeDefined();
    expect(errorAt(broken, 'Task.input')).toBeDefined();
    const boolTask = exampleTask();
    const k = inputIndex(boolTask, 'accueilSequentiel');
    boolTask.input[k].valueBoolean = 'true';
    expect(errorAt(validateResource(boolTask), `Task.input[${k}].valueBoolean`)).toBeDefined();
  });

  it('fails when a required code is not a code (whitespace)', () => {
    const task = exampleTask();
    task.intent = ' plan';
    expect(errorAt(validateResource(task), 'Task.intent')).toBeDefined();
  });

  it('selects the Task profile by resource type when meta.profile is absent', () => {
    const task = exampleTask();
    delete task.meta.profile;
    expect(validateResource(task).profile).toBe(PROFILE.esmsTask);
  });
});

describe('validateResource — profile versions (docs/decisions.md §8)', () => {
  function sdoTask(): Json {
    const task = exampleTask();
    task.meta.profile = [PROFILE.sdoTask];
    return task;
  }

  it('rejects a PUT-era sdo-task under 4.0.7', () => {
    const result = validateResource(sdoTask());
    expect(result.valid).toBe(false);
    expect(errorAt(result, 'Task.meta.profile')?.message).toContain('4.0.5');
  });

  it('accepts sdo-task under 4.0.5 and applies regle-ModePriseEnCharge', () => {
    expect(validateResource(sdoTask(), { profileVersion: '4.0.5' })).toMatchObject({
      valid: true,
      profile: PROFILE.sdoTask,
    });
    const task = sdoTask();
    const i = inputIndex(task, 'modePriseCharge');
    task.input[i].valueCodeableConcept.coding[0] = {
      system: 'https://mos.esante.gouv.fr/NOS/TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge',
      code: '49',
    };
    // 49 is in the JDV_J264 of the terminology release both pin, so 4.0.7 accepts it; the 4.0.5 rule keeps
    // 46/47/48 only.
    const t407 = structuredClone(task);
    t407.meta.profile = [PROFILE.esmsTask];
    expect(validateResource(t407).valid).toBe(true);
    const result = validateResource(task, { profileVersion: '4.0.5' });
    expect(errorAt(result, `Task.input[${i}]`)?.message).toContain('regle-ModePriseEnCharge');
  });

  it('applies the coded twin of regle-StatutUnite under 4.0.5 too', () => {
    const task = sdoTask();
    task.input.splice(inputIndex(task, 'dateStatutUnite'), 1);
    const result = validateResource(task, { profileVersion: '4.0.5' });
    expect(errors(result).map((i) => i.rule)).toEqual(['regle-StatutUnite-coding']);
  });

  it('rejects esms-task under 4.0.5', () => {
    expect(validateResource(exampleTask(), { profileVersion: '4.0.5' }).valid).toBe(false);
  });

  it('honours an explicit profileUrl and rejects one that does not fit the resource type', () => {
    const result = validateResource(exampleTask(), { profileUrl: PROFILE.esmsConsent });
    expect(result.valid).toBe(false);
    expect(result.issues[0]).toMatchObject({ code: 'not-supported' });
  });
});

describe('validateResource — Consent and DocumentReference', () => {
  function consent(): Json {
    const c = officialExample('Consent-exemple-consent.json') as Json;
    delete c.text;
    return c;
  }
  function documentReference(): Json {
    const d = officialExample('DocumentReference-exemple-esms-document-reference.json') as Json;
    delete d.text;
    return d;
  }

  it('fails a Consent without dateTime', () => {
    const c = consent();
    delete c.dateTime;
    expect(errorAt(validateResource(c), 'Consent.dateTime')).toMatchObject({ code: 'required' });
  });

  it('fails a Consent with a literal reference instead of the official identifier', () => {
    const c = consent();
    c.provision.data[0].reference = { reference: 'DocumentReference/x' };
    expect(errorAt(validateResource(c), 'Consent.provision.data[0].reference.identifier')).toBeDefined();
  });

  it('fails a Consent with the wrong scope pattern and without policy (ppc-1)', () => {
    const c = consent();
    c.scope.coding[0].code = 'research';
    delete c.policyRule;
    const result = validateResource(c);
    expect(errorAt(result, 'Consent.scope')).toMatchObject({ code: 'value' });
    expect(errorAt(result, 'Consent')?.message).toContain('ppc-1');
  });

  it('fails a DocumentReference whose title does not match its type (regle-NomPieceJointe-type)', () => {
    const d = documentReference();
    d.content[0].attachment.title = 'Document Individu et décision';
    const result = validateResource(d);
    expect(errorAt(result, 'DocumentReference')?.message).toContain('regle-NomPieceJointe-type');
  });

  it('fails a DocumentReference whose type is outside the IG ValueSet', () => {
    const d = documentReference();
    d.type.coding[0].code = '11488-4';
    expect(errorAt(validateResource(d), 'DocumentReference.type')).toMatchObject({ code: 'code-invalid' });
  });

  it('fails a DocumentReference with one identifier only or two contents', () => {
    const d = documentReference();
    d.identifier = [d.identifier[0]];
    d.content.push(structuredClone(d.content[0]));
    const result = validateResource(d);
    expect(errorAt(result, 'DocumentReference.identifier')).toBeDefined();
    expect(errorAt(result, 'DocumentReference.content')).toBeDefined();
  });

  it('fails a DocumentReference with an idDecision without value', () => {
    const d = documentReference();
    delete d.identifier[0].value;
    expect(errorAt(validateResource(d), 'DocumentReference.identifier[0].value')).toMatchObject({ code: 'required' });
  });
});

describe('validateResource — Bundles', () => {
  it('validates each entry against the entry profile', () => {
    const bundle = officialExample('Bundle-exemple-bundle-resultat-recherche-decision-evaluation.json') as Json;
    bundle.entry[1].resource.content[0].attachment.title = 'Autre titre';
    const result = validateResource(bundle);
    expect(errorAt(result, 'Bundle.entry[1].resource')?.message).toContain('regle-NomPieceJointe-type');
  });

  it('fails a decision Bundle that carries a Task, and a Bundle that is not a searchset', () => {
    const bundle = officialExample('Bundle-exemple-bundle-resultat-recherche-decision-evaluation.json') as Json;
    bundle.type = 'collection';
    bundle.entry[0].resource = exampleTask();
    const result = validateResource(bundle, { profileUrl: PROFILE.bundleDecisionEvaluation });
    expect(errorAt(result, 'Bundle.type')).toBeDefined();
    expect(errorAt(result, 'Bundle.entry[0].resource')).toBeDefined();
  });

  it('picks the notification Bundle profile for a Bundle of Tasks and validates the Tasks', () => {
    const task = exampleTask();
    const broken = exampleTask();
    broken.input.splice(inputIndex(broken, 'nomESMS'), 1);
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { fullUrl: 'https://example.com/base/Task/a', resource: { ...task, id: 'a' } },
        { fullUrl: 'https://example.com/base/Task/b', resource: { ...broken, id: 'b' } },
      ],
    };
    const result = validateResource(bundle);
    expect(result.profile).toBe(PROFILE.bundleNotification);
    expect(errors(result).map((i) => i.path)).toEqual(['Bundle.entry[1].resource.input:nomESMS']);
  });
});

describe('validateResource — bounded inputs and named rules (never an exception)', () => {
  const ruleAt = (r: ValidationResult, path: string) => errors(r).find((i) => i.path === path)?.rule;

  it('refuses a Resource.id that is not a FHIR id (path, 65 characters, bidi override), accepts 64', () => {
    for (const id of ['../../etc/passwd', 'a'.repeat(65), 'abc\u202Edef', 'a b']) {
      const result = validateResource({ ...exampleTask(), id });
      expect(result.valid, id).toBe(false);
      expect(ruleAt(result, 'Task.id'), id).toBe('format-id');
    }
    expect(validateResource({ ...exampleTask(), id: `A-z.0${'9'.repeat(59)}` }).valid).toBe(true);
  });

  it('refuses a bad id on a resource inside a Bundle', () => {
    const bundle = officialExample('Bundle-exemple-bundle-resultat-recherche-decision-evaluation.json') as Json;
    bundle.entry[1].resource.id = '../x';
    expect(ruleAt(validateResource(bundle), 'Bundle.entry[1].resource.id')).toBe('format-id');
  });

  it('refuses empty strings wherever they are (system, meta.profile, an extension value)', () => {
    const task = exampleTask();
    task.input[0].type.coding[0].system = '';
    task.meta.profile = [''];
    task.extension = [{ url: 'https://example.org/x', valueString: '' }];
    const result = validateResource(task);
    expect(ruleAt(result, 'Task.input[0].type.coding[0].system')).toBe('chaine-vide');
    expect(ruleAt(result, 'Task.meta.profile[0]')).toBe('chaine-vide');
    expect(ruleAt(result, 'Task.extension[0].valueString')).toBe('chaine-vide');
    expect(errors(result).filter((i) => i.path === 'Task.meta.profile[0]')).toHaveLength(1);
  });

  it('refuses a string over 1 MiB, not the base64 of an attachment', () => {
    const task = exampleTask();
    task.description = 'x'.repeat(1024 * 1024 + 1);
    expect(ruleAt(validateResource(task), 'Task.description')).toBe('limite-longueur-chaine');
    task.description = 'x'.repeat(1024 * 1024);
    expect(validateResource(task).valid).toBe(true);
    const doc = officialExample('DocumentReference-exemple-esms-document-reference.json') as Json;
    doc.content[0].attachment.data = 'QUJD'.repeat(300_000);
    expect(validateResource(doc).valid).toBe(true);
  });

  it('refuses a 5,000-deep extension with a named rule instead of overflowing the stack', () => {
    let deep: Json = { url: 'https://example.org/x', valueString: 'y' };
    for (let i = 0; i < 5000; i++) deep = { url: 'https://example.org/x', extension: [deep] };
    const doc = officialExample('DocumentReference-exemple-esms-document-reference.json') as Json;
    doc.extension = [deep];
    const result = validateResource(doc);
    expect(result.valid).toBe(false);
    expect(errors(result)).toEqual([expect.objectContaining({ rule: 'limite-profondeur', code: 'too-costly' })]);
    expect(validateResource(exampleTask()).valid).toBe(true);
  });

  it('refuses a cyclic object and one whose property throws, without throwing', () => {
    const cyclic = exampleTask();
    cyclic.contained = [cyclic];
    expect(errors(validateResource(cyclic)).map((i) => i.rule)).toContain('limite-profondeur');
    const hostile = exampleTask();
    Object.defineProperty(hostile, 'status', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const result = validateResource(hostile);
    expect(result.valid).toBe(false);
    expect(errors(result).map((i) => i.rule)).toContain('erreur-validateur');
  });

  it('applies regle-StatutUnite to inputs coded without type.text (its coded twin)', () => {
    const task = exampleTask();
    task.input.splice(inputIndex(task, 'idUnite'), 1);
    const result = validateResource(task);
    expect(result.valid).toBe(false);
    expect(errors(result)).toEqual([expect.objectContaining({ path: 'Task', rule: 'regle-StatutUnite-coding' })]);
    const withoutStatus = exampleTask();
    withoutStatus.input.splice(inputIndex(withoutStatus, 'idUnite'), 1);
    withoutStatus.input.splice(inputIndex(withoutStatus, 'statutUnite'), 1);
    expect(validateResource(withoutStatus).valid).toBe(true);
  });

  it('still applies the published regle-StatutUnite on type.text, beside the twin', () => {
    const task = taskWithTexts();
    task.input[inputIndex(task, 'idUnite')].type.coding[0].code = 'typeDroitPrestation';
    const rules = errors(validateResource(task)).map((i) => i.rule);
    expect(rules).toEqual(['regle-StatutUnite-coding']);
    const texts = taskWithTexts();
    texts.input[inputIndex(texts, 'idUnite')].type.text = 'autre';
    expect(errors(validateResource(texts)).map((i) => i.rule)).toEqual(['regle-StatutUnite']);
  });

  it('refuses a code outside the input-task CodeSystem, accepts one in it without a slice', () => {
    const task = exampleTask();
    task.input.push({ type: { coding: [{ system: INPUT_TASK_SYSTEM, code: 'statutInconnu' }] }, valueString: 'x' });
    const result = validateResource(task);
    const at = `Task.input[${task.input.length - 1}].type.coding[0].code`;
    expect(errorAt(result, at)).toMatchObject({ rule: 'code-hors-systeme', code: 'code-invalid' });
    task.input[task.input.length - 1].type.coding[0].code = 'typeDroitPrestation';
    expect(validateResource(task).valid).toBe(true);
  });

  it('checks base64 with whitespace in linear time (the R4 regex backtracks exponentially on it)', () => {
    const doc = officialExample('DocumentReference-exemple-esms-document-reference.json') as Json;
    doc.content[0].attachment.data = `${'QUJD  '.repeat(40)}Q`;
    expect(ruleAt(validateResource(doc), 'DocumentReference.content[0].attachment.data')).toBe('format-base64Binary');
    doc.content[0].attachment.data = `${'QUJDQUJD\r\n'.repeat(40)}QQ==`;
    expect(validateResource(doc).valid).toBe(true);
  });

  it('gives the R4 base64Binary regex’s verdict on every short string of base64 characters and whitespace', () => {
    const r4 = loadBaseDefinitions().primitiveRegex.get('base64Binary');
    expect(r4).toBeDefined();
    const alphabet = ['Q', '=', ' ', '\n', '-'];
    let compared = 0;
    for (let length = 1; length <= 6; length++) {
      for (let n = 0; n < alphabet.length ** length; n++) {
        let value = '';
        for (let k = 0, rest = n; k < length; k++, rest = Math.floor(rest / alphabet.length)) {
          value += alphabet[rest % alphabet.length];
        }
        expect(isR4Base64Binary(value), JSON.stringify(value)).toBe(r4?.test(value));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(19_000);
  });

  it('names a rule on every issue', () => {
    const task = exampleTask();
    task.status = 'terminee';
    task.businessStatut = 'x';
    task.input.splice(inputIndex(task, 'nomESMS'), 1);
    const result = validateResource(task);
    expect(result.issues.length).toBeGreaterThan(2);
    for (const issue of result.issues) expect(issue.rule).toMatch(/^[a-z][\w-]+$/i);
  });
});

describe('toOperationOutcome', () => {
  it('maps issues to OperationOutcome issues with expression', () => {
    const task = exampleTask();
    delete task.status;
    const outcome = toOperationOutcome(validateResource(task));
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'required', expression: ['Task.status'] }),
    );
    const ok = toOperationOutcome({ valid: true, profile: PROFILE.esmsTask, issues: [] });
    expect(ok.issue).toEqual([expect.objectContaining({ severity: 'information', code: 'informational' })]);
  });
});

describe('validation speed (reported, not asserted)', () => {
  it('validates the official Task repeatedly', () => {
    const task = exampleTask();
    validateResource(task);
    const n = 2000;
    const start = performance.now();
    for (let i = 0; i < n; i++) validateResource(task);
    const perSecond = Math.round(n / ((performance.now() - start) / 1000));
    console.log(`ESMSTask (16 inputs, unit block): ${perSecond} validations/s`);
    expect(validateResource(task).valid).toBe(true);
  });
});
