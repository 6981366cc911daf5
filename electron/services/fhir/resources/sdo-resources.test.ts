import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { PROFILE } from '../sdo-canonicals';
import { FULL_REPORT, cdaExample } from '../testing/fhir-fixtures';
import { validateResource } from '../validation/resource-validator';
import { buildEsmsConsent } from './esms-consent';
import { buildDecisionDocumentReference } from './esms-document-reference';
import { buildEsmsTask } from './esms-task';
import { operationOutcome } from './operation-outcome';
import { searchsetBundle } from './searchset-bundle';

const errors = (r: ReturnType<typeof validateResource>) => r.issues.filter((i) => i.severity === 'error');

describe('buildEsmsConsent', () => {
  it('builds a Consent that validates against esms-consent', () => {
    const consent = buildEsmsConsent({
      idNatStruct: '1999999999',
      idNatDecision: 'NAT-TEST-0001',
      collectedOn: '2026-03-01',
    });
    const result = validateResource(consent);
    expect(errors(result)).toEqual([]);
    expect(result.profile).toBe(PROFILE.esmsConsent);
    expect(consent.meta.source).toBe('1999999999');
    expect(consent.provision.data[0]?.reference.identifier).toEqual({ use: 'official', value: 'NAT-TEST-0001' });
  });

  it('is rejected when the collection date is not a FHIR dateTime', () => {
    const consent = buildEsmsConsent({
      idNatStruct: '1999999999',
      idNatDecision: 'NAT-TEST-0001',
      collectedOn: '01/03/2026',
    });
    expect(errors(validateResource(consent)).map((i) => i.path)).toEqual(['Consent.dateTime']);
  });
});

describe('buildDecisionDocumentReference', () => {
  for (const kind of ['decision', 'evaluation'] as const) {
    it(`wraps the official ${kind} CDA and validates`, () => {
      const cda = cdaExample(kind === 'decision' ? 'Decision' : 'Evaluation');
      const doc = buildDecisionDocumentReference({
        id: `doc-${kind}`,
        idDecision: 'DEC-TEST-0001',
        idNatDecision: 'NAT-TEST-0001',
        cdaXml: cda,
        lastUpdated: '2026-03-01T08:00:00Z',
        kind,
      });
      expect(errors(validateResource(doc))).toEqual([]);
      expect(Buffer.from(doc.content[0]?.attachment.data ?? '', 'base64').toString('utf8')).toBe(cda);
    });
  }
});

describe('searchsetBundle', () => {
  it('builds a notification Bundle of Tasks that validates with its entries', () => {
    const tasks = ['t1', 't2'].map((id) => ({
      ...buildEsmsTask(FULL_REPORT, {
        profileVersion: '4.0.7',
        clientIdentifier: id,
        lastUpdated: '2026-03-02T10:00:00Z',
      }),
      id,
    }));
    const bundle = searchsetBundle(tasks, {
      fullUrlBase: 'https://127.0.0.1:8443/fhir/',
      lastUpdated: '2026-03-02T10:00:01Z',
    });
    expect(bundle.entry?.[0]?.fullUrl).toBe('https://127.0.0.1:8443/fhir/Task/t1');
    const result = validateResource(bundle);
    expect(errors(result)).toEqual([]);
    expect(result.profile).toBe(PROFILE.bundleNotification);
  });

  it('builds a decision Bundle and an empty searchset that validate', () => {
    const doc = buildDecisionDocumentReference({
      id: 'd1',
      idDecision: 'DEC-TEST-0001',
      idNatDecision: 'NAT-TEST-0001',
      cdaXml: '<ClinicalDocument/>',
      lastUpdated: '2026-03-01T08:00:00Z',
      kind: 'decision',
    });
    const bundle = searchsetBundle([doc], {
      fullUrlBase: 'https://127.0.0.1:8443/fhir',
      lastUpdated: '2026-03-01T08:00:01Z',
    });
    expect(validateResource(bundle)).toMatchObject({ valid: true, profile: PROFILE.bundleDecisionEvaluation });
    const empty = searchsetBundle([], {
      fullUrlBase: 'https://127.0.0.1:8443/fhir',
      lastUpdated: '2026-03-01T08:00:01Z',
    });
    expect(empty.total).toBe(0);
    expect(validateResource(empty).valid).toBe(true);
  });
});

describe('operationOutcome', () => {
  it('builds a valid R4 OperationOutcome', () => {
    const outcome = operationOutcome('error', 'not-found', 'Décision introuvable.');
    expect(outcome).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Décision introuvable.' }],
    });
    expect(validateResource(outcome).valid).toBe(true);
    expect(validateResource(operationOutcome('error', 'pas-un-code', 'x')).valid).toBe(false);
  });
});
