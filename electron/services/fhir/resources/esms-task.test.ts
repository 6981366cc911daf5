import { describe, expect, it } from 'vitest';
import { isAppError } from '@shared/errors/app-error';
import { CLIENT_ID_SYSTEM, INPUT_TASK_SYSTEM, PROFILE } from '../sdo-canonicals';
import { FULL_REPORT, MINIMAL_REPORT, officialExample } from '../testing/fhir-fixtures';
import { validateResource } from '../validation/resource-validator';
import { buildEsmsTask, readStatusReport } from './esms-task';

const OPTS = {
  profileVersion: '4.0.7' as const,
  clientIdentifier: 'outbox-0001',
  lastUpdated: '2026-03-02T10:15:00.000+01:00',
};

describe('buildEsmsTask', () => {
  it('builds a Task that validates against esms-task, with coding and text on every input', () => {
    const task = buildEsmsTask(FULL_REPORT, OPTS);
    const result = validateResource(task);
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.profile).toBe(PROFILE.esmsTask);
    expect(task).toMatchObject({
      status: 'completed',
      intent: 'plan',
      meta: { lastUpdated: OPTS.lastUpdated, profile: [PROFILE.esmsTask] },
      identifier: [{ system: CLIENT_ID_SYSTEM, value: 'outbox-0001' }],
      description: FULL_REPORT.description,
    });
    for (const input of task.input) {
      expect(input.type.coding?.[0]?.system).toBe(INPUT_TASK_SYSTEM);
      expect(input.type.text).toBe(input.type.coding?.[0]?.code);
    }
    const statut = task.input.find((i) => i.type.text === 'statutESMS');
    expect(statut?.valueCodeableConcept?.coding?.[0]).toEqual({
      system:
        'https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/FHIR/TRE-R357-StatutPersonnePriseCharge',
      code: '47',
      display: 'Usager entré',
    });
  });

  it('builds a minimal Task (no unit) that validates', () => {
    const task = buildEsmsTask(MINIMAL_REPORT, OPTS);
    expect(task.input.map((i) => i.type.text)).toEqual([
      'idNat_Struct',
      'nomESMS',
      'idDecision',
      'idNat_Decision',
      'statutESMS',
      'motifESMS',
      'dateStatutESMS',
    ]);
    expect(validateResource(task).valid).toBe(true);
  });

  it('writes sdo-task for 4.0.5 and it validates under 4.0.5 only', () => {
    const task = buildEsmsTask(FULL_REPORT, { ...OPTS, profileVersion: '4.0.5' });
    expect(task.meta.profile).toEqual([PROFILE.sdoTask]);
    expect(validateResource(task, { profileVersion: '4.0.5' }).valid).toBe(true);
    expect(validateResource(task, { profileVersion: '4.0.7' }).valid).toBe(false);
  });

  it('lets the validator catch a unit status sent without its unit block', () => {
    const { unit: _unit, ...withoutUnit } = FULL_REPORT;
    const result = validateResource(buildEsmsTask(withoutUnit, OPTS));
    expect(result.valid).toBe(false);
    expect(result.issues.find((i) => i.severity === 'error')?.message).toContain('regle-StatutUnite');
  });

  it('lets the validator catch a status code outside its list', () => {
    const result = validateResource(buildEsmsTask({ ...MINIMAL_REPORT, statutESMS: '999' }, OPTS));
    expect(result.issues.find((i) => i.severity === 'error')?.code).toBe('code-invalid');
  });
});

describe('readStatusReport', () => {
  it('round-trips StatusReport → Task → StatusReport', () => {
    expect(readStatusReport(buildEsmsTask(FULL_REPORT, OPTS))).toEqual(FULL_REPORT);
    expect(readStatusReport(buildEsmsTask(MINIMAL_REPORT, OPTS))).toEqual(MINIMAL_REPORT);
  });

  it('reads the official example (coding-only inputs)', () => {
    expect(readStatusReport(officialExample('Task-exemple-esms-task.json'))).toEqual({
      idNatStruct: 'value idNat_Struct',
      nomESMS: 'value nomESMS',
      idDecision: 'IdDecision',
      idNatDecision: 'IdNat_Decision',
      statutESMS: '48',
      dateStatutESMS: '2012-10-25',
      unit: {
        idUnite: 'idUnite',
        nomUnite: 'test NomUnite',
        categorieOrganisation: '01',
        modePriseCharge: '47',
        temporaliteAccueil: '01',
        accueilSequentiel: true,
      },
      statutUnite: '188',
      dateStatutUnite: '2021-10-25',
      motifUnite: '89',
    });
  });

  it('reads text-only inputs (older text-based servers)', () => {
    const task = buildEsmsTask(MINIMAL_REPORT, OPTS);
    for (const input of task.input) delete input.type.coding;
    expect(readStatusReport(task)).toEqual(MINIMAL_REPORT);
  });

  it('throws RESOURCE_INVALID when a mandatory input is missing', () => {
    const task = buildEsmsTask(MINIMAL_REPORT, OPTS);
    task.input = task.input.filter((i) => i.type.text !== 'idNat_Decision');
    let caught: unknown;
    try {
      readStatusReport(task);
    } catch (e) {
      caught = e;
    }
    expect(isAppError(caught) && caught.code).toBe('RESOURCE_INVALID');
  });
});
