import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurePkcs11Engine } from '../certs/pkcs11/pkcs11-engine';
import { SOFTHSM2_MODULE_PATH } from '../certs/pkcs11/pkcs11-module';
import { prepareCardClientCertificate } from '../certs/pkcs11/card-key';
import type { SmartCardReference } from '../certs/certificate-registry';
import {
  createSoftHsmTokenFor,
  softHsmCardReference,
  softHsmEnvironment,
  type SoftHsmTestToken,
} from '../certs/testing/softhsm-test-token';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { createNodeTransport } from './node-transport';
import { startTestSdoServer, type TestSdoServer } from './testing/test-sdo-server';

// SoftHSM and libp11 read these when first loaded: set them for this (forked) test process before anything else.
const hsmDir = mkdtempSync(join(tmpdir(), 'rvt-softhsm-'));
Object.assign(process.env, softHsmEnvironment(hsmDir));

const EJ = '010000001';
const SECRET = 'secret-client-de-test';
let pki: TestPki;
let server: TestSdoServer;
let token: SoftHsmTestToken;
let reference: SmartCardReference;

beforeAll(async () => {
  pki = await ensureTestPki(mkdtempSync(join(tmpdir(), 'rvt-pki-')), {
    legalEntities: [{ finessEj: EJ, name: 'ESMS FICTIF TEST' }],
  });
  token = createSoftHsmTokenFor(pki, EJ, hsmDir, 'CPS-TEST');
  // Leaf + intermediate: the server only trusts the root.
  reference = softHsmCardReference(token, pki.clients[EJ]!.certPem + pki.intermediateCertPem);
  configurePkcs11Engine(SOFTHSM2_MODULE_PATH);
  server = await startTestSdoServer({
    keyPem: pki.server.keyPem,
    certChainPem: pki.server.chainPem,
    clientCaPem: pki.rootCertPem,
    clientSecret: SECRET,
  });
});

afterAll(async () => {
  await server?.close();
});

const transportWithPin = (pin: string) =>
  createNodeTransport({
    fhirBaseUrl: `${server.url}/fhir`,
    tokenUrl: `${server.url}/oauth/token`,
    clientId: 'referent-vt',
    clientSecret: SECRET,
    clientCertificate: prepareCardClientCertificate(reference, pin),
    trustAnchorsPem: [pki.rootCertPem],
    proxyMode: 'none',
  });

describe('mTLS with the private key on a SoftHSM2 token (libp11 engine)', () => {
  // The PIN is checked through pkcs11js before libp11 sees it (libp11 would print the URI with the PIN on failure).
  it('refuses a wrong PIN with PKCS11_PIN_INCORRECT before building the TLS context', () => {
    expect(() => prepareCardClientCertificate(reference, '0000')).toThrow(
      expect.objectContaining({ code: 'PKCS11_PIN_INCORRECT' }),
    );
  });

  it('authenticates a token request and a business call with the card key', async () => {
    const transport = transportWithPin(token.pin);
    try {
      const res = await transport.request({
        method: 'GET',
        path: 'DocumentReference?type=57830-2&_lastUpdated=gt2026-11-24T10:00:00.000%2B00:00&_elements=id',
        finessEg: '010000002',
      });
      expect(res.status).toBe(200);
      expect(server.tokenRequests).toHaveLength(1);
      expect(server.businessRequests.at(-1)!.clientFinessEj).toBe(EJ);
    } finally {
      transport.close();
    }
  });
});
