/** Test fixtures: generated fakes, obviously not real people or structures. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StatusReport } from '@shared/domain/status-report';

export const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

export function officialExamples(): { file: string; resource: Record<string, unknown> }[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({
      file,
      resource: JSON.parse(readFileSync(`${EXAMPLES_DIR}${file}`, 'utf8')) as Record<string, unknown>,
    }));
}

export function officialExample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${EXAMPLES_DIR}${name}`, 'utf8')) as Record<string, unknown>;
}

export function cdaExample(kind: 'Decision' | 'Evaluation'): string {
  return readFileSync(`${EXAMPLES_DIR}cda/CDA_SI-ESMS_${kind}.xml`, 'utf8');
}

export const FULL_REPORT: StatusReport = {
  idNatStruct: '1999999999',
  nomESMS: 'ESMS Fictif des Tests',
  idDecision: 'DEC-TEST-0001',
  idNatDecision: 'NAT-TEST-0001',
  statutESMS: '47',
  dateStatutESMS: '2026-03-02',
  unit: {
    idUnite: 'UNITE-TEST-01',
    nomUnite: 'Unité Test Alpha',
    categorieOrganisation: '01',
    modePriseCharge: '47',
    temporaliteAccueil: '02',
    accueilSequentiel: false,
  },
  statutUnite: '186',
  dateStatutUnite: '2026-03-02',
  description: 'Commentaire de test sans donnée personnelle',
};

export const MINIMAL_REPORT: StatusReport = {
  idNatStruct: '1999999999',
  nomESMS: 'ESMS Fictif des Tests',
  idDecision: 'DEC-TEST-0002',
  idNatDecision: 'NAT-TEST-0002',
  statutESMS: '45',
  motifESMS: '116',
  dateStatutESMS: '2026-03-03',
};
