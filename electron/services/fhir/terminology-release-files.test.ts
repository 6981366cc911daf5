import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODE_PRISE_CHARGE } from '@shared/terminology/code-lists';
import { BUILTIN_TERMINOLOGY } from '@shared/terminology/terminology-catalog';
import { makeTempDir } from '../testing/temp-dir';
import { buildEsmsTask } from './resources/esms-task';
import { TERMINOLOGY_FOLDER, loadTerminologyCatalog } from './terminology-release-files';
import { FULL_REPORT } from './testing/fhir-fixtures';
import { validateResource } from './validation/resource-validator';

const TRE_R213 = 'https://mos.esante.gouv.fr/NOS/TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge';
const OPTS = { profileVersion: '4.0.7' as const, clientIdentifier: 'outbox-0001', lastUpdated: '2026-08-03T10:00:00Z' };

function taskWithMode(mode: string, terminologyRelease?: string) {
  return buildEsmsTask(
    { ...FULL_REPORT, unit: { ...FULL_REPORT.unit!, modePriseCharge: mode } },
    { ...OPTS, ...(terminologyRelease ? { terminologyRelease } : {}) },
  );
}

const modeCoding = (task: ReturnType<typeof buildEsmsTask>) =>
  task.input.find((i) => i.type.text === 'modePriseCharge')?.valueCodeableConcept?.coding?.[0];

const errors = (result: ReturnType<typeof validateResource>) => result.issues.filter((i) => i.severity === 'error');

describe('a Task under the terminology release of the guide (JDV_J264)', () => {
  it('writes and accepts code 49 « Sur les lieux de vie » under SDO 4.0.7, which pins release 1.10.0', () => {
    const task = taskWithMode('49');
    expect(modeCoding(task)).toEqual({ system: TRE_R213, code: '49', display: 'Sur les lieux de vie' });
    expect(errors(validateResource(task))).toEqual([]);
  });

  it('checks against the release ViaTrajectoire expects when it is set: 238 then, no longer 49', () => {
    expect(errors(validateResource(taskWithMode('238')))).not.toEqual([]);
    expect(errors(validateResource(taskWithMode('238', '1.12.0'), { terminologyRelease: '1.12.0' }))).toEqual([]);
    const refused = errors(validateResource(taskWithMode('49'), { terminologyRelease: '1.12.0' }));
    expect(refused.map((i) => i.message).join(' ')).toContain('« 49 »');
  });
});

describe('terminology release files of an environment', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(() => tmp.cleanup());

  const write = (name: string, content: string) => {
    fs.mkdirSync(path.join(tmp.dir, TERMINOLOGY_FOLDER), { recursive: true });
    fs.writeFileSync(path.join(tmp.dir, TERMINOLOGY_FOLDER, name), content);
  };

  it('uses the built-in releases when the folder is absent', () => {
    expect(loadTerminologyCatalog(tmp.dir)).toEqual({ catalog: BUILTIN_TERMINOLOGY, rejected: [] });
  });

  it('adds a release file: its new code is in force and validated, a code it retired keeps its label', () => {
    write(
      '1.13.0.json',
      JSON.stringify({
        release: '1.13.0',
        lists: {
          [MODE_PRISE_CHARGE.id]: {
            version: '20261201120000',
            concepts: [
              { code: '46', display: 'Hébergement (accueil jour et nuit)', system: TRE_R213 },
              { code: '47', display: 'Accueil de jour', system: TRE_R213 },
              { code: '250', display: 'Mode fictif de démonstration', system: TRE_R213 },
            ],
          },
        },
      }),
    );
    write('cassé.json', '{ pas du JSON');
    write('incomplet.json', JSON.stringify({ release: '1.14', lists: {} }));
    const { catalog, rejected } = loadTerminologyCatalog(tmp.dir);
    expect(rejected.map((r) => r.file)).toEqual(['cassé.json', 'incomplet.json']);
    expect(rejected[0]?.reason).toContain('illisible');
    const lists = catalog.at('1.13.0');
    expect(lists.list(MODE_PRISE_CHARGE.id).concepts.map((c) => c.code)).toEqual(['46', '47', '250']);
    expect(lists.label(MODE_PRISE_CHARGE.id, '48')).toBe('Accueil de nuit');
    const options = { terminologyRelease: '1.13.0', terminology: catalog };
    const task = buildEsmsTask(
      { ...FULL_REPORT, unit: { ...FULL_REPORT.unit!, modePriseCharge: '250' } },
      { ...OPTS, ...options },
    );
    expect(modeCoding(task)?.display).toBe('Mode fictif de démonstration');
    expect(errors(validateResource(task, options))).toEqual([]);
    expect(errors(validateResource(taskWithMode('48'), options))).not.toEqual([]);
  });
});
