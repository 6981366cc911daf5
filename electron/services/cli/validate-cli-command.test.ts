import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvironmentStore } from '../environments/environment-store';
import { buildEsmsTask } from '../fhir';
import { FULL_REPORT } from '../fhir/testing/fhir-fixtures';
import { makeTempDir } from '../testing/temp-dir';
import { validateCommand } from './validate-cli-command';

const tmp = makeTempDir('referent-vt-validate-cli-');
afterAll(() => tmp.cleanup());

/** An esms-task whose unit's mode is 238 (JDV_J264 of release 1.12.0 only). */
const taskFile = path.join(tmp.dir, 'task-238.json');
fs.writeFileSync(
  taskFile,
  JSON.stringify(
    buildEsmsTask(
      { ...FULL_REPORT, unit: { ...FULL_REPORT.unit!, modePriseCharge: '238' } },
      {
        profileVersion: '4.0.7',
        terminologyRelease: '1.12.0',
        clientIdentifier: 'x',
        lastUpdated: '2026-08-03T10:00:00Z',
      },
    ),
  ),
);

async function run(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await validateCommand(args, { log: (line) => lines.push(line) });
  return { code, lines };
}

describe('referent-vt validate', () => {
  it('checks against the terminology release the guide pins, or the one given', async () => {
    expect((await run([taskFile])).code).toBe(1);
    expect((await run([taskFile, '--terminologies', '1.12.0'])).code).toBe(0);
    const unknown = await run([taskFile, '--terminologies', '7.0.0']);
    expect(unknown.code).toBe(2);
    expect(unknown.lines.join(' ')).toContain('7.0.0');
  });

  it('takes the releases of the data folder’s current environment with --data', async () => {
    const dataRoot = path.join(tmp.dir, 'app');
    const store = new EnvironmentStore(dataRoot);
    await store.update('sandbox-local', { terminologyRelease: '1.12.0' });
    expect((await run([taskFile, '--data', dataRoot])).code).toBe(0);
    await store.update('sandbox-local', { igVersion: '4.0.5', terminologyRelease: null });
    const sdo = await run([taskFile, '--data', dataRoot]);
    expect(sdo.code).toBe(1);
    expect(sdo.lines.join('\n')).toContain('4.0.5');
  });

  it('lists the supported guide releases in its usage and refuses another one', async () => {
    const result = await run([taskFile, '--profile-version', '4.0.9']);
    expect(result.code).toBe(2);
    expect(result.lines[0]).toContain('4.0.7|4.0.5');
  });
});
