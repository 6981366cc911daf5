import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestPki, type TestPki } from '../../pki/test-pki';
import { mapPkcs11Error, Pkcs11Module, SOFTHSM2_MODULE_PATH, verifySha256RsaSignature } from './pkcs11-module';
import { buildPkcs11KeyUri, redactPkcs11Uri } from './pkcs11-uri';
import { createSoftHsmTokenFor, softHsmEnvironment, type SoftHsmTestToken } from '../testing/softhsm-test-token';

// SoftHSM reads its config when the module is loaded: set it for this (forked) test process first.
const hsmDir = mkdtempSync(join(tmpdir(), 'rvt-softhsm-'));
Object.assign(process.env, softHsmEnvironment(hsmDir));

const EJ = '010000001';
let pki: TestPki;
let token: SoftHsmTestToken;
let module: Pkcs11Module;

beforeAll(async () => {
  pki = await ensureTestPki(mkdtempSync(join(tmpdir(), 'rvt-pki-')), {
    legalEntities: [{ finessEj: EJ, name: 'ESMS FICTIF TEST' }],
  });
  token = createSoftHsmTokenFor(pki, EJ, hsmDir, 'CPS-TEST');
  module = Pkcs11Module.open(SOFTHSM2_MODULE_PATH);
});

afterAll(() => module?.close());

describe('PKCS#11 with a SoftHSM2 token', () => {
  it('lists the initialised token only', () => {
    const tokens = module.listTokens();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ tokenLabel: 'CPS-TEST', loginRequired: true, pinLocked: false });
  });

  it('reads the certificate and its metadata without a PIN', () => {
    const certs = module.readCertificates({ tokenLabel: 'CPS-TEST' });
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({
      finessEj: EJ,
      tokenLabel: 'CPS-TEST',
      objectIdHex: '01',
      extendedKeyUsage: ['clientAuth'],
    });
    expect(certs[0]!.certPem).toContain('BEGIN CERTIFICATE');
  });

  it('logs in and signs RSA PKCS#1 v1.5 SHA-256 with the card key', () => {
    const session = module.login({ tokenLabel: 'CPS-TEST' }, token.pin);
    try {
      const data = Buffer.from('données de test');
      const signature = session.signSha256RsaPkcs1('01', data);
      expect(signature.length).toBe(256);
      expect(verifySha256RsaSignature(pki.clients[EJ]!.certPem, data, signature)).toBe(true);
      expect(verifySha256RsaSignature(pki.clients[EJ]!.certPem, Buffer.from('autre'), signature)).toBe(false);
      expect(() => session.signSha256RsaPkcs1('02', data)).toThrow(
        expect.objectContaining({ code: 'PKCS11_KEY_NOT_FOUND' }),
      );
    } finally {
      session.logout();
    }
  });

  it('maps a wrong PIN and an absent token to their codes', () => {
    expect(() => module.login({ tokenLabel: 'CPS-TEST' }, '0000')).toThrow(
      expect.objectContaining({ code: 'PKCS11_PIN_INCORRECT', message: 'Code PIN incorrect.' }),
    );
    expect(() => module.login({ tokenLabel: 'AUTRE-CARTE' }, '1234')).toThrow(
      expect.objectContaining({ code: 'PKCS11_NO_TOKEN' }),
    );
    // After a failed attempt the right PIN still works (SoftHSM has no retry counter).
    module.login({ tokenLabel: 'CPS-TEST' }, token.pin).logout();
  });

  it('maps locked PIN and removed card results, and refuses a missing module', () => {
    // SoftHSM never locks a PIN nor loses its token: the mapping is checked on the library's own error type.
    expect(mapPkcs11Error(new pkcs11js.Pkcs11Error('CKR_PIN_LOCKED:164', 0xa4, 'C_Login'), 'x').code).toBe(
      'PKCS11_PIN_LOCKED',
    );
    expect(mapPkcs11Error(new pkcs11js.Pkcs11Error('CKR_DEVICE_REMOVED:50', 0x32, 'C_Sign'), 'x').code).toBe(
      'PKCS11_CARD_REMOVED',
    );
    expect(() => Pkcs11Module.open('/nonexistent/libcps3_pkcs11_lux.so')).toThrow(
      expect.objectContaining({ code: 'PKCS11_MODULE_ERROR' }),
    );
  });

  it('builds a libp11 key URI and redacts its PIN', () => {
    const uri = buildPkcs11KeyUri({ tokenLabel: 'CPS TEST;1', objectIdHex: '01a2', pin: '12;34' });
    expect(uri).toBe('pkcs11:token=CPS%20TEST%3B1;id=%01%a2;type=private;pin-value=12%3B34');
    expect(redactPkcs11Uri(uri)).not.toContain('12%3B34');
  });
});
