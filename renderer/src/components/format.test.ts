import { describe, expect, it } from 'vitest';
import { formatDate } from './format';

describe('formatDate', () => {
  it('writes dates as fr-FR does, day and month on two digits', () => {
    const intl = new Intl.DateTimeFormat('fr-FR', {
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      timeZone: 'UTC',
    });
    for (const iso of ['2024-03-05', '1999-12-31', '2031-01-01', '2024-02-29', '1000-01-01', '9999-12-31']) {
      expect(formatDate(iso)).toBe(intl.format(new Date(`${iso}T00:00:00Z`)));
    }
    expect(formatDate('2024-03-05')).toBe('05/03/2024');
    expect(formatDate('2024-03-05T22:30:00+01:00')).toBe('05/03/2024');
  });

  it('shows a dash for no date and the text itself for one it cannot read', () => {
    expect(formatDate(null)).toBe('—');
    expect(formatDate(undefined)).toBe('—');
    expect(formatDate('')).toBe('—');
    expect(formatDate('pas une date')).toBe('pas une date');
  });
});
