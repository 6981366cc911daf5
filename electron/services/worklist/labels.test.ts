import { describe, expect, it } from 'vitest';
import type { StatusReport } from '@shared/domain/status-report';
import { describeReport, describeUnitClosing, displayFamilyName } from './labels';

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

describe('describeReport', () => {
  const report: StatusReport = {
    idNatStruct: '1010000019',
    nomESMS: 'ESAT FICTIF',
    idDecision: 'DEC-1',
    idNatDecision: 'NAT-1',
    statutESMS: '48',
    dateStatutESMS: '2026-06-28',
    unit: {
      idUnite: 'ROR-UNIT-1',
      nomUnite: 'Atelier blanchisserie',
      categorieOrganisation: '43',
      modePriseCharge: '46',
    },
    statutUnite: '188',
    motifUnite: '89',
    dateStatutUnite: '2026-06-28',
  };

  it('says the statuses and motifs by their label, the codes apart for the détail technique', () => {
    const words = describeReport(report, 0);
    expect(words.text).toBe(
      "Envoi 1 (28/06/2026) : Statut ESMS « Usager sorti » ; Unité « Atelier blanchisserie » : « Fin de prise en charge », motif « L'usager ne souhaite plus être pris en charge par l'ESMS »",
    );
    expect(words.technical).toBe('Envoi 1 : statut ESMS 48 ; unité ROR-UNIT-1 : statut 188, motif 89');
  });

  it('describes a closing by its labels, its codes in the technical part', () => {
    const closing = describeUnitClosing('180', '100');
    expect(closing.text).toBe(
      "« Retiré de la liste d'attente ou accompagnement annulé », motif « Volonté de l'usager »",
    );
    expect(closing.technical).toBe('statut d’unité 180, motif 100');
  });
});
