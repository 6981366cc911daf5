import { describe, expect, it } from 'vitest';
import { evaluationItemLabel } from './evaluation-labels';

describe('evaluation item labels', () => {
  it('gives the French words of the evaluation form, not the CDA key', () => {
    expect(evaluationItemLabel('CompositionFoyer')).toBe('Composition du foyer');
    expect(evaluationItemLabel('DeficiencePrincipale')).toBe('Déficience principale');
  });

  it('splits an unknown key into words rather than showing it glued', () => {
    expect(evaluationItemLabel('NouvelElementEvalue')).toBe('Nouvel element evalue');
  });
});
