import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateRegistry } from '../certs/certificate-registry';
import { TrustAnchorStore } from '../certs/trust-anchor-store';
import { startSandbox, type RunningSandbox } from '../sandbox/sandbox-server';
import { createMemorySecretStore } from '../secrets/file-secret-store';
import { checkConnection } from './connection-check';
import { createNodeTransport } from './node-transport';

const EJ = '010000001';
let sandbox: RunningSandbox;
let registry: CertificateRegistry;
let anchors: TrustAnchorStore;
let certificateId: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvt-check-'));
  sandbox = await startSandbox({ dataDir: join(dir, 'sandbox'), initialDecisions: 3 });
  // The referent's side: trust anchors imported from the sandbox's CA bundle, the EJ's .p12 imported in the registry.
  anchors = new TrustAnchorStore(join(dir, 'env', 'trust-anchors'));
  anchors.importPem(sandbox.caBundlePem);
  registry = new CertificateRegistry({
    dir: join(dir, 'env', 'certificates'),
    secretStore: createMemorySecretStore(),
    now: Date.now,
  });
  const client = sandbox.pki.clients[EJ]!;
  certificateId = (
    await registry.importPkcs12({
      bytes: readFileSync(client.p12Path),
      password: client.password,
      rememberPassword: true,
      trustAnchorsPem: anchors.pems(),
    })
  ).id;
});

afterAll(async () => {
  await sandbox?.close();
});

function deps(overrides: { clientSecret?: string; now?: () => number } = {}) {
  return {
    now: overrides.now ?? Date.now,
    environmentId: 'sandbox-local' as const,
    loadCertificate: () => registry.get(certificateId),
    createTransport: async () => {
      const credentials = await registry.loadFileCredentials(certificateId);
      return createNodeTransport({
        fhirBaseUrl: sandbox.fhirBaseUrl,
        tokenUrl: sandbox.tokenUrl,
        clientId: sandbox.clientId,
        clientSecret: overrides.clientSecret ?? sandbox.clientSecret,
        clientCertificate: { kind: 'p12', ...credentials },
        trustAnchorsPem: anchors.pems(),
        proxyMode: 'none',
      });
    },
  };
}

describe('connection check against the embedded sandbox', () => {
  it('runs certificate → TLS → token → one search per activated EG', async () => {
    const report = await checkConnection(deps());
    expect(report.steps.map((s) => [s.kind, s.status])).toEqual([
      ['certificate', 'ok'],
      ['tls', 'ok'],
      ['token', 'ok'],
      ['search', 'ok'],
      ['search', 'ok'],
      ['search', 'ok'],
    ]);
    expect(report.ok).toBe(true);
    expect(report.finessEgs).toEqual(['010000019', '010000027', '010000035']);
    expect(report.steps.filter((s) => s.kind === 'search').map((s) => s.finessEg)).toEqual(report.finessEgs);
    for (const step of report.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('stops at a refused token and skips the searches', async () => {
    const report = await checkConnection(deps({ clientSecret: 'pas-le-bon-secret' }));
    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => [s.kind, s.status])).toEqual([
      ['certificate', 'ok'],
      ['tls', 'ok'],
      ['token', 'error'],
      ['search', 'skipped'],
    ]);
    expect(report.steps[2]!.error).toMatchObject({ code: 'TOKEN_REFUSED', message: expect.stringMatching(/jeton/) });
  });

  it('leaves out an EG deactivated in ViaTrajectoire (no longer in the token)', async () => {
    sandbox.operations.setActive('010000027', false);
    try {
      const report = await checkConnection(deps());
      expect(report.ok).toBe(true);
      expect(report.steps.filter((s) => s.kind === 'search').map((s) => s.finessEg)).toEqual([
        '010000019',
        '010000035',
      ]);
    } finally {
      sandbox.operations.setActive('010000027', true);
    }
  });

  it('maps the sandbox refusing an EG deactivated after the token was issued to EG_NOT_ACTIVATED', async () => {
    const transport = await deps().createTransport();
    try {
      const path = 'DocumentReference?type=57830-2&_lastUpdated=gt2026-01-01T00:00:00.000%2B00:00&_elements=id';
      expect((await transport.request({ method: 'GET', path, finessEg: '010000027' })).status).toBe(200);
      sandbox.operations.setActive('010000027', false);
      await expect(transport.request({ method: 'GET', path, finessEg: '010000027' })).rejects.toMatchObject({
        code: 'EG_NOT_ACTIVATED',
        httpStatus: 403,
      });
    } finally {
      sandbox.operations.setActive('010000027', true);
      transport.close();
    }
  });

  it('fails the certificate step of an expired certificate with CERT_EXPIRED', async () => {
    const inFiveYears = Date.now() + 5 * 366 * 86_400_000;
    const report = await checkConnection(deps({ now: () => inFiveYears }));
    expect(report.steps[0]).toMatchObject({ kind: 'certificate', status: 'error', error: { code: 'CERT_EXPIRED' } });
    expect(report.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
  });
});
