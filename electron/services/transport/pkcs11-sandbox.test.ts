import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SmartCardReference } from '../certs/certificate-registry';
import { prepareCardClientCertificate } from '../certs/pkcs11/card-key';
import { configurePkcs11Engine } from '../certs/pkcs11/pkcs11-engine';
import { SOFTHSM2_MODULE_PATH } from '../certs/pkcs11/pkcs11-module';
import { createSoftHsmTokenFor, softHsmCardReference, softHsmEnvironment } from '../certs/testing/softhsm-test-token';
import { startSandbox, type RunningSandbox } from '../sandbox/sandbox-server';
import { createNodeTransport } from './node-transport';

// SoftHSM and libp11 read these when first loaded: set them for this (forked) test process before anything else.
const hsmDir = mkdtempSync(join(tmpdir(), 'rvt-softhsm-sandbox-'));
Object.assign(process.env, softHsmEnvironment(hsmDir));

const EJ = '010000001';
let sandbox: RunningSandbox;
let reference: SmartCardReference;
let pin: string;

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir: mkdtempSync(join(tmpdir(), 'rvt-sandbox-card-')), initialDecisions: 4 });
  const client = sandbox.pki.clients[EJ]!;
  // The legal entity's key lives on the "card": imported once, not extractable.
  const token = createSoftHsmTokenFor(sandbox.pki, EJ, hsmDir, 'CPS-SANDBOX');
  pin = token.pin;
  reference = softHsmCardReference(token, client.certPem + sandbox.pki.intermediateCertPem);
  configurePkcs11Engine(SOFTHSM2_MODULE_PATH);
});

afterAll(async () => {
  await sandbox?.close();
});

it('authenticates against the embedded sandbox with the key on a SoftHSM2 token: token, then flux 1 per EG', async () => {
  const transport = createNodeTransport({
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    clientCertificate: prepareCardClientCertificate(reference, pin),
    trustAnchorsPem: [sandbox.caBundlePem],
    proxyMode: 'none',
  });
  try {
    const { finessEgs } = await transport.getToken();
    expect(finessEgs.length).toBeGreaterThanOrEqual(2);
    for (const eg of finessEgs) {
      const res = await transport.request({
        method: 'GET',
        path: 'DocumentReference?type=57830-2&_lastUpdated=gt2020-01-01T00:00:00.000%2B00:00&_elements=id',
        finessEg: eg,
      });
      expect(res.status).toBe(200);
      expect((res.body as { resourceType: string }).resourceType).toBe('Bundle');
    }
  } finally {
    transport.close();
  }
});
