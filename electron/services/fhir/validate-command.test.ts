import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, officialExample } from './testing/fhir-fixtures';
import { runValidateCommand } from './validate-command';

const dir = mkdtempSync(join(tmpdir(), 'referent-vt-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(file: string, options = {}) {
  const lines: string[] = [];
  const code = await runValidateCommand(file, { log: (l) => lines.push(l) }, options);
  return { code, lines };
}

describe('runValidateCommand', () => {
  it('returns 0 for an official example', async () => {
    const { code, lines } = await run(join(EXAMPLES_DIR, 'Consent-exemple-consent.json'));
    expect(code).toBe(0);
    expect(lines.at(-1)).toContain('Ressource valide');
  });

  it('returns 1 and prints "severity path message (rule)" for each issue', async () => {
    const task = officialExample('Task-exemple-esms-task.json') as { status?: string };
    task.status = 'ready';
    const file = join(dir, 'task.json');
    writeFileSync(file, JSON.stringify(task));
    const { code, lines } = await run(file);
    expect(code).toBe(1);
    expect(lines).toContain('error Task.status Valeur incorrecte : le profil impose « completed » (valeur-imposee)');
    expect(lines.at(-1)).toMatch(/^Ressource non valide : 1 erreur /);
  });

  it('returns 2 for a missing file or invalid JSON, with a French message', async () => {
    const missing = await run(join(dir, 'absent.json'));
    expect(missing.code).toBe(2);
    expect(missing.lines[0]).toContain('Fichier illisible');
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "resourceType": "Task", ');
    const broken = await run(file);
    expect(broken.code).toBe(2);
    expect(broken.lines[0]).toContain('pas un JSON valide');
  });

  it('validates against the configured release', async () => {
    const task = officialExample('Task-exemple-esms-task.json');
    const file = join(dir, 'task-407.json');
    writeFileSync(file, JSON.stringify(task));
    expect((await run(file, { profileVersion: '4.0.5' })).code).toBe(1);
  });
});
