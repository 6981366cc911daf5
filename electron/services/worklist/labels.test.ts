import { describe, expect, it } from 'vitest';
import { displayFamilyName } from './labels';

describe('displayFamilyName', () => {
  it('shows the used name first and the birth name in brackets when they differ', () => {
    expect(displayFamilyName('FICTIF-NAISSANCE', 'FICTIF-USAGE')).toBe('FICTIF-USAGE (FICTIF-NAISSANCE)');
  });

  it('shows the birth name alone when there is no used name or it is the same', () => {
    expect(displayFamilyName('FICTIF', null)).toBe('FICTIF');
    expect(displayFamilyName('FICTIF', '')).toBe('FICTIF');
    expect(displayFamilyName('FICTIF', 'FICTIF')).toBe('FICTIF');
  });
});
