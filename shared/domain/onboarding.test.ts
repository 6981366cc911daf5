import { describe, expect, it } from 'vitest';
import { parseBusinessDate, parseRepriseCsv } from './onboarding';

describe('reprise CSV', () => {
  it('reads lines with or without header, ; or , separators, French dates, quoted cells', () => {
    const withHeader = parseRepriseCsv(
      '\uFEFFidentifiant;situation;unite;date;motif;accord\nD-1;attente;ROR-1;2024-11-04;;01/10/2024\n\nD-2;Pris en charge;"Atelier ""A""";15/09/2023;;\n',
    );
    expect(withHeader.errors).toEqual([]);
    expect(withHeader.entries).toEqual([
      { line: 2, identifiant: 'D-1', situation: 'attente', unite: 'ROR-1', date: '2024-11-04', accord: '2024-10-01' },
      { line: 4, identifiant: 'D-2', situation: 'pris-en-charge', unite: 'Atelier "A"', date: '2023-09-15' },
    ]);
    const reordered = parseRepriseCsv('situation,date,identifiant,unite,motif\nsorti,2024-06-30,D-3,ROR-2,89');
    expect(reordered.entries[0]).toMatchObject({ identifiant: 'D-3', situation: 'sorti', motif: '89' });
    expect(parseRepriseCsv('D-4;admis;ROR-1;2024-01-02').entries[0]?.situation).toBe('admis');
  });

  it('reports each bad line with its number and keeps the good ones', () => {
    const r = parseRepriseCsv(
      'D-1;attente;ROR-1;2024-02-30\nD-2;inconnue;ROR-1;2024-01-01\nD-3;sorti;ROR-1;2024-01-01\nD-4;attente;ROR-1;2024-01-01',
    );
    expect(r.errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(r.errors[0]?.message).toContain('date');
    expect(r.errors[2]?.message).toContain('motif de sortie');
    expect(r.entries.map((e) => e.line)).toEqual([4]);
  });

  it('checks calendar dates', () => {
    expect(parseBusinessDate('29/02/2024')).toBe('2024-02-29');
    expect(parseBusinessDate('29/02/2023')).toBeNull();
    expect(parseBusinessDate('2024-13-01')).toBeNull();
  });
});
