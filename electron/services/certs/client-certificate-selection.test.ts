import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { selectClientCertificate } from './client-certificate-selection';

let pki: TestPki;
beforeAll(async () => {
  pki = await ensureTestPki(mkdtempSync(join(tmpdir(), 'rvt-pki-')), {
    legalEntities: [{ finessEj: '010000001', name: 'ESMS FICTIF TEST' }],
  });
});

describe('client certificate selection for Chromium', () => {
  it('selects the registry certificate for the environment origin only', () => {
    const chosen = pki.clients['010000001']!.certPem;
    const offered = [{ data: pki.bad.otherCa.certPem }, { data: chosen }];
    const base = {
      allowedOrigins: ['https://vt.example.test/fhir', 'https://auth.example.test/oauth/token'],
      expectedSha256Fingerprint: new X509Certificate(chosen).fingerprint256,
      offered,
      now: Date.now(),
    };
    expect(selectClientCertificate({ ...base, requestUrl: 'https://vt.example.test/fhir/Task' })).toEqual({
      decision: 'select',
      index: 1,
    });
    expect(selectClientCertificate({ ...base, requestUrl: 'https://auth.example.test:443/oauth/token' }).decision).toBe(
      'select',
    );
    expect(selectClientCertificate({ ...base, requestUrl: 'https://ailleurs.example.test/' })).toEqual({
      decision: 'decline',
      reason: 'foreign-origin',
    });
    expect(selectClientCertificate({ ...base, requestUrl: 'https://vt.example.test:8443/fhir' }).decision).toBe(
      'decline',
    );
    expect(
      selectClientCertificate({ ...base, offered: [offered[0]!], requestUrl: 'https://vt.example.test/fhir' }),
    ).toEqual({ decision: 'decline', reason: 'not-offered' });
    expect(
      selectClientCertificate({
        ...base,
        expectedSha256Fingerprint: undefined,
        requestUrl: 'https://vt.example.test/fhir',
      }),
    ).toEqual({ decision: 'decline', reason: 'no-certificate-chosen' });
  });

  it('declines an expired certificate', () => {
    const expired = pki.bad.expired.certPem;
    expect(
      selectClientCertificate({
        requestUrl: 'https://vt.example.test/fhir',
        allowedOrigins: ['https://vt.example.test/fhir'],
        expectedSha256Fingerprint: new X509Certificate(expired).fingerprint256,
        offered: [{ data: expired }],
        now: Date.now(),
      }),
    ).toEqual({ decision: 'decline', reason: 'outside-validity' });
  });
});
