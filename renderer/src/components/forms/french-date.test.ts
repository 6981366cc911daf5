import { describe, expect, it } from 'vitest';
import { dateInputError, frenchToIso, isoToFrench } from './french-date';

describe('French date entry', () => {
  it('reads jj/mm/aaaa as day first, never month first', () => {
    expect(frenchToIso('12/02/2026')).toBe('2026-02-12');
    expect(frenchToIso('2/1/2026')).toBe('2026-01-02');
    expect(frenchToIso(' 02.11.2026 ')).toBe('2026-11-02');
  });

  it('refuses what is not a calendar date', () => {
    expect(frenchToIso('31/02/2026')).toBeNull();
    expect(frenchToIso('29/02/2025')).toBeNull();
    expect(frenchToIso('29/02/2024')).toBe('2024-02-29');
    expect(frenchToIso('13/13/2026')).toBeNull();
    expect(frenchToIso('2026-02-12')).toBeNull();
    expect(frenchToIso('hier')).toBeNull();
  });

  it('shows ISO dates as jj/mm/aaaa', () => {
    expect(isoToFrench('2026-02-12')).toBe('12/02/2026');
    expect(isoToFrench('')).toBe('');
    expect(isoToFrench(null)).toBe('');
  });

  it('explains in French what is wrong, with the bound written jj/mm/aaaa', () => {
    expect(dateInputError('', { required: true })).toBe('Saisissez une date (jj/mm/aaaa).');
    expect(dateInputError('', {})).toBeNull();
    expect(dateInputError('12/31/2026', {})).toMatch(/^Date invalide/);
    expect(dateInputError('03/12/2026', { max: '2026-12-02' })).toBe(
      'La date ne peut pas être postérieure au 02/12/2026.',
    );
    expect(dateInputError('01/12/2026', { max: '2026-12-02' })).toBeNull();
    expect(dateInputError('30/11/2026', { min: '2026-12-01' })).toBe(
      'La date ne peut pas être antérieure au 01/12/2026.',
    );
  });
});
