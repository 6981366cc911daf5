import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { createFileSecretStore } from '../secrets/file-secret-store';
import { createKeyFileCipher } from '../secrets/secret-cipher';
import { expiryWarning } from './certificate-metadata';
import { CertificateRegistry } from './certificate-registry';
import { readPkcs12 } from './pkcs12-file';
import { TrustAnchorStore } from './trust-anchor-store';

const EJ = '010000001';
let pki: TestPki;
let now: number;

beforeAll(async () => {
  pki = await ensureTestPki(mkdtempSync(join(tmpdir(), 'rvt-pki-')), {
    legalEntities: [{ finessEj: EJ, name: 'ESMS FICTIF TEST Santé' }],
  });
  now = Date.now();
});

function openRegistry(dir: string): CertificateRegistry {
  const secretStore = createFileSecretStore({
    filePath: join(dir, 'secrets.json'),
    cipher: createKeyFileCipher(join(dir, 'master.key')),
  });
  return new CertificateRegistry({ dir: join(dir, 'certificates'), secretStore, now: () => now });
}

const p12Bytes = (path: string): Buffer => readFileSync(path);

describe('PKCS#12 import', () => {
  it('imports a valid .p12 and extracts its metadata', async () => {
    const registry = openRegistry(mkdtempSync(join(tmpdir(), 'rvt-reg-')));
    const client = pki.clients[EJ]!;
    const summary = await registry.importPkcs12({
      bytes: p12Bytes(client.p12Path),
      password: client.password,
      rememberPassword: false,
      trustAnchorsPem: [pki.rootCertPem],
    });
    expect(summary).toMatchObject({
      source: 'file',
      finessEj: EJ,
      subjectCommonName: 'ESMS FICTIF TEST Santé - logiciel',
      subjectOrganization: 'ESMS FICTIF TEST Santé',
      issuerCommonName: 'TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS',
      passwordRemembered: false,
      expiry: { level: 'valid' },
    });
    expect(summary.keyUsage).toContain('digitalSignature');
    expect(summary.extendedKeyUsage).toEqual(['clientAuth']);
    expect(summary.subject).toContain('organizationIdentifier=FINFR-010000001');
    expect(summary.sha256Fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(summary).not.toHaveProperty('p12');
    expect(registry.list()).toHaveLength(1);
  });

  it.each([
    ['wrong password', () => ({ path: pki.clients[EJ]!.p12Path, password: 'pas-le-bon' }), 'CERT_WRONG_PASSWORD'],
    ['expired', () => ({ path: pki.bad.expired.p12Path, password: pki.bad.expired.password }), 'CERT_EXPIRED'],
    [
      'not yet valid',
      () => ({ path: pki.bad.notYetValid.p12Path, password: pki.bad.notYetValid.password }),
      'CERT_NOT_YET_VALID',
    ],
    ['other CA', () => ({ path: pki.bad.otherCa.p12Path, password: pki.bad.otherCa.password }), 'CERT_UNKNOWN_CA'],
    [
      'wrong key usage',
      () => ({ path: pki.bad.wrongKeyUsage.p12Path, password: pki.bad.wrongKeyUsage.password }),
      'CERT_WRONG_KEY_USAGE',
    ],
  ])('refuses a .p12 with %s', async (_name, input, code) => {
    const registry = openRegistry(mkdtempSync(join(tmpdir(), 'rvt-reg-')));
    const { path, password } = input();
    await expect(
      registry.importPkcs12({
        bytes: p12Bytes(path),
        password,
        rememberPassword: true,
        trustAnchorsPem: [pki.rootCertPem],
      }),
    ).rejects.toMatchObject({ code, message: expect.any(String) });
    expect(registry.list()).toEqual([]);
  });

  it('refuses a client certificate when the environment trusts no CA, and a file that is not a PKCS#12', async () => {
    const registry = openRegistry(mkdtempSync(join(tmpdir(), 'rvt-reg-')));
    const client = pki.clients[EJ]!;
    await expect(
      registry.importPkcs12({
        bytes: p12Bytes(client.p12Path),
        password: client.password,
        rememberPassword: false,
        trustAnchorsPem: [],
      }),
    ).rejects.toMatchObject({ code: 'CERT_UNKNOWN_CA' });
    await expect(
      registry.importPkcs12({
        bytes: Buffer.from('pas un p12'),
        password: 'x',
        rememberPassword: false,
        trustAnchorsPem: [pki.rootCertPem],
      }),
    ).rejects.toMatchObject({ code: 'CERT_UNREADABLE' });
  });

  it('accepts the intermediate alone as the trust anchor', async () => {
    const registry = openRegistry(mkdtempSync(join(tmpdir(), 'rvt-reg-')));
    const client = pki.clients[EJ]!;
    const summary = await registry.importPkcs12({
      bytes: p12Bytes(client.p12Path),
      password: client.password,
      rememberPassword: false,
      trustAnchorsPem: [pki.intermediateCertPem],
    });
    expect(summary.finessEj).toBe(EJ);
  });
});

describe('certificate registry on disk', () => {
  it('survives a restart and keeps no clear secret on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvt-reg-'));
    const client = pki.clients[EJ]!;
    const imported = await openRegistry(dir).importPkcs12({
      bytes: p12Bytes(client.p12Path),
      password: client.password,
      rememberPassword: true,
      trustAnchorsPem: [pki.caBundlePem],
      label: 'Certificat logiciel',
    });

    const reopened = openRegistry(dir);
    expect(reopened.list()).toEqual([imported]);
    expect(reopened.revision()).toBe(1);
    const credentials = await reopened.loadFileCredentials(imported.id);
    expect(credentials.password).toBe(client.password);
    expect(readPkcs12(credentials.p12, credentials.password).leaf.metadata.sha256Fingerprint).toBe(
      imported.sha256Fingerprint,
    );

    const keyPem = pki.clientKeyPkcs8Pem(EJ);
    const keyBody = keyPem.split('\n').slice(1, 3).join(''); // two base64 lines of the key
    const originalP12 = readFileSync(client.p12Path);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const bytes = readFileSync(join(f.parentPath, f.name));
      expect(bytes.includes(Buffer.from(client.password))).toBe(false);
      expect(bytes.toString('latin1')).not.toContain(keyBody);
      expect(bytes.includes(originalP12.subarray(0, 64))).toBe(false);
      expect(bytes.includes(credentials.p12.subarray(credentials.p12.length - 64))).toBe(false);
    }
  });

  it('asks for the password when it is not remembered, checks a typed one, and deletes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvt-reg-'));
    const registry = openRegistry(dir);
    const client = pki.clients[EJ]!;
    const { id } = await registry.importPkcs12({
      bytes: p12Bytes(client.p12Path),
      password: client.password,
      rememberPassword: false,
      trustAnchorsPem: [pki.rootCertPem],
    });
    await expect(registry.loadFileCredentials(id)).rejects.toMatchObject({ code: 'CERT_PASSWORD_REQUIRED' });
    await expect(registry.loadFileCredentials(id, 'faux')).rejects.toMatchObject({ code: 'CERT_WRONG_PASSWORD' });
    expect((await registry.loadFileCredentials(id, client.password)).password).toBe(client.password);
    expect((await registry.setRememberedPassword(id, client.password)).passwordRemembered).toBe(true);
    expect((await registry.loadFileCredentials(id)).password).toBe(client.password);

    await registry.delete(id);
    expect(registry.list()).toEqual([]);
    expect(() => registry.get(id)).toThrow(expect.objectContaining({ code: 'CERT_NOT_FOUND' }));
    expect(readdirSync(join(dir, 'certificates')).filter((f) => f.endsWith('.enc'))).toEqual([]);
  });

  it('serialises concurrent imports without losing one', async () => {
    const registry = openRegistry(mkdtempSync(join(tmpdir(), 'rvt-reg-')));
    const client = pki.clients[EJ]!;
    const input = { password: client.password, rememberPassword: false, trustAnchorsPem: [pki.rootCertPem] };
    await Promise.all([
      registry.importPkcs12({ ...input, bytes: p12Bytes(client.p12Path), label: 'A' }),
      registry.importPkcs12({ ...input, bytes: p12Bytes(client.p12Path), label: 'B' }),
    ]);
    // Same certificate twice: one entry (the last label), revision 2.
    expect(registry.list().map((c) => c.label)).toEqual(['B']);
    expect(registry.revision()).toBe(2);
  });
});

describe('expiry warning and trust anchors', () => {
  it('warns 30 days before the end of validity', () => {
    const cert = { notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-12-31T00:00:00.000Z' };
    expect(expiryWarning(cert, Date.parse('2026-11-30T00:00:00Z'))).toEqual({ level: 'valid', daysLeft: 31 });
    expect(expiryWarning(cert, Date.parse('2026-12-01T00:00:00Z'))).toEqual({ level: 'expires-soon', daysLeft: 30 });
    expect(expiryWarning(cert, Date.parse('2027-01-02T00:00:00Z')).level).toBe('expired');
    expect(expiryWarning(cert, Date.parse('2025-12-31T00:00:00Z')).level).toBe('not-yet-valid');
  });

  it('imports CA certificates from a PEM bundle and refuses a leaf', () => {
    const store = new TrustAnchorStore(join(mkdtempSync(join(tmpdir(), 'rvt-ta-')), 'trust-anchors'));
    expect(store.importPem(pki.caBundlePem)).toHaveLength(2);
    expect(store.list().every((a) => a.isCa)).toBe(true);
    expect(store.pems()).toHaveLength(2);
    expect(() => store.importPem(pki.server.certPem)).toThrow(
      expect.objectContaining({ code: 'TRUST_ANCHOR_INVALID' }),
    );
    store.remove(store.list()[0]!.sha256Fingerprint);
    expect(store.pems()).toHaveLength(1);
  });
});
