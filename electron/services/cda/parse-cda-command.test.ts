import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDecisionBatch } from './fake';
import { runParseCdaCommand } from './parse-cda-command';

const examples = fileURLToPath(new URL('../fhir/examples/cda/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parse-cda-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(path: string): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runParseCdaCommand(path, { log: (line) => lines.push(line) });
  return { code, output: lines.join('\n') };
}

describe('runParseCdaCommand', () => {
  it('prints the parsed decision of the official example (exit 0)', async () => {
    const { code, output } = await run(join(examples, 'CDA_SI-ESMS_Decision.xml'));
    expect(code).toBe(0);
    const parsed = JSON.parse(output);
    expect(parsed.document.idNatDecision).toBe('01');
    expect(parsed.droitPrestation.typeDroitOuPrestation.code).toBe('13.2');
  });

  it('recognises an evaluation document by its template (exit 0)', async () => {
    const { code, output } = await run(join(examples, 'CDA_SI-ESMS_Evaluation.xml'));
    expect(code).toBe(0);
    expect(JSON.parse(output).observations).toHaveLength(22);
  });

  it('prints exactly what the generator put into a fake document', async () => {
    const [item] = generateDecisionBatch({ seed: 3, count: 1, finessEgs: ['990000011'], today: '2025-06-15' });
    const file = join(dir, 'fake.xml');
    writeFileSync(file, item?.cdaXml ?? '');
    const { code, output } = await run(file);
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual(item?.spec.decision);
  });

  it('exits 1 with a French message for an invalid CDA', async () => {
    const file = join(dir, 'broken.xml');
    writeFileSync(
      file,
      readFileSync(join(examples, 'CDA_SI-ESMS_Decision.xml'), 'utf8').replace(
        /<cnsaSDO:decision>[\s\S]*<\/cnsaSDO:decision>/,
        '',
      ),
    );
    const { code, output } = await run(file);
    expect(code).toBe(1);
    expect(output).toMatch(/^Le document CDA de décision est inutilisable : la section décision est absente/);
  });

  it('exits 1 for a 5 MiB document, naming the limit', async () => {
    const file = join(dir, 'huge.xml');
    const xml = readFileSync(join(examples, 'CDA_SI-ESMS_Decision.xml'), 'utf8');
    writeFileSync(file, xml.replace('</ClinicalDocument>', `<!--${'x'.repeat(5 * 1024 * 1024)}--></ClinicalDocument>`));
    const { code, output } = await run(file);
    expect(code).toBe(1);
    expect(output).toMatch(/au-delà de la limite de 1.048.576 octets\. \(limite-taille-cda\)$/);
  });

  it('exits 2 for a file that cannot be read', async () => {
    const { code, output } = await run(join(dir, 'absent.xml'));
    expect(code).toBe(2);
    expect(output).toMatch(/^Fichier illisible \(ENOENT\)/);
  });
});
