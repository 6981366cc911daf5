import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import forge from 'node-forge';
import { ensureTestPki, serialFromRandomBytes, type PkiFile, type TestPki } from './test-pki';

const ENTITIES = [
  { finessEj: '010000001', name: 'ASSOCIATION TEST Hélène' },
  { finessEj: '020000002', name: 'FONDATION FICTIVE' },
];
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

let dir: string;
let pki: TestPki;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'test-pki-'));
  pki = await ensureTestPki(dir, { legalEntities: ENTITIES });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function leafOf(file: PkiFile): X509Certificate {
  return new X509Certificate(file.certPem);
}

describe('ensureTestPki', () => {
  it('builds a root → intermediate → leaf chain that node:crypto verifies', () => {
    const root = new X509Certificate(pki.rootCertPem);
    const inter = new X509Certificate(pki.intermediateCertPem);
    expect(root.subject).toContain('CN=TEST AC RACINE IGC-SANTE ELEMENTAIRE');
    expect(root.verify(root.publicKey)).toBe(true);
    expect(inter.subject).toContain('CN=TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS');
    expect(inter.checkIssued(root)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
    expect(inter.ca).toBe(true);
    for (const entity of ENTITIES) {
      const leaf = leafOf(pki.clients[entity.finessEj] as PkiFile);
      expect(leaf.checkIssued(inter)).toBe(true);
      expect(leaf.verify(inter.publicKey)).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(leaf.keyUsage).toContain(CLIENT_AUTH_OID);
    }
    const server = new X509Certificate(pki.server.certPem);
    expect(server.verify(inter.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(pki.caBundlePem).toBe(pki.rootCertPem + pki.intermediateCertPem);
  });

  it('writes the subject of an IGC-Santé organisation certificate, UTF-8 intact', () => {
    const subject = leafOf(pki.clients['010000001'] as PkiFile).subject;
    expect(subject).toContain('CN=ASSOCIATION TEST Hélène - logiciel');
    expect(subject).toContain('organizationIdentifier=FINFR-010000001');
    expect(subject).toContain('OU=010000001');
    expect(subject).toContain('O=ASSOCIATION TEST Hélène');
    expect(subject).toContain('C=FR');
  });

  it('exports a .p12 that Node opens with its password, and a PKCS#8 key matching the certificate', () => {
    const client = pki.clients['020000002'] as PkiFile;
    const pfx = readFileSync(client.p12Path);
    expect(() => createSecureContext({ pfx, passphrase: client.password })).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: 'wrong' })).toThrow();
    const keyPem = pki.clientKeyPkcs8Pem('020000002');
    expect(keyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(leafOf(client).checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  });

  it('keeps private files readable by the owner only', () => {
    for (const path of [
      pki.clients['010000001']?.p12Path as string,
      join(dir, 'pki.json'),
      join(dir, 'root.key.pem'),
    ]) {
      expect(statSync(path).mode & 0o077).toBe(0);
    }
  });

  it('makes each bad certificate bad in its own way', () => {
    const now = Date.now();
    const inter = new X509Certificate(pki.intermediateCertPem);
    const root = new X509Certificate(pki.rootCertPem);
    const good = leafOf(pki.clients['010000001'] as PkiFile);

    const expired = leafOf(pki.bad.expired);
    expect(new Date(expired.validTo).getTime()).toBeLessThan(now);
    expect(expired.verify(inter.publicKey)).toBe(true);

    const notYet = leafOf(pki.bad.notYetValid);
    expect(new Date(notYet.validFrom).getTime()).toBeGreaterThan(now);
    expect(notYet.verify(inter.publicKey)).toBe(true);

    const other = leafOf(pki.bad.otherCa);
    expect(other.subject).toBe(good.subject);
    expect(other.verify(inter.publicKey)).toBe(false);
    expect(other.verify(root.publicKey)).toBe(false);

    const wrongUsage = leafOf(pki.bad.wrongKeyUsage);
    expect(wrongUsage.verify(inter.publicKey)).toBe(true);
    expect(wrongUsage.keyUsage).not.toContain(CLIENT_AUTH_OID);
  });

  it('reuses the PKI on a later call and regenerates leaves that have expired', async () => {
    const again = await ensureTestPki(dir, { legalEntities: ENTITIES });
    expect(again.rootCertPem).toBe(pki.rootCertPem);
    expect(again.clients['010000001']).toEqual(pki.clients['010000001']);

    // Four years later the 3-year client certificates have expired; the 10-year CA has not.
    const later = new Date(Date.now() + 4 * 365 * 86_400_000);
    const renewed = await ensureTestPki(dir, { legalEntities: ENTITIES, now: later });
    expect(renewed.rootCertPem).toBe(pki.rootCertPem);
    const renewedLeaf = leafOf(renewed.clients['010000001'] as PkiFile);
    expect(renewedLeaf.serialNumber).not.toBe(leafOf(pki.clients['010000001'] as PkiFile).serialNumber);
    expect(new Date(renewedLeaf.validTo).getTime()).toBeGreaterThan(later.getTime());
    pki = await ensureTestPki(dir, { legalEntities: ENTITIES });
  });
});

describe('serial numbers', () => {
  // forge writes the serial's bytes as given; OpenSSL (hence Node and TLS) refuses an INTEGER with a useless zero.
  const key = forge.pki.privateKeyFromPem(
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  );
  const certificateWithSerial = (serial: string): string => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    cert.serialNumber = serial;
    cert.validity.notBefore = new Date();
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject([{ shortName: 'CN', value: 'serial' }]);
    cert.setIssuer([{ shortName: 'CN', value: 'serial' }]);
    cert.sign(key, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  };

  it.each([
    ['all zero', '00'.repeat(16)],
    ['two leading zero bytes', '0000' + '7f'.repeat(14)],
    ['a leading zero then a low byte', '00' + '11'.repeat(15)],
    ['top bit set', '80' + '00'.repeat(15)],
    ['all ones', 'ff'.repeat(16)],
  ])('random bytes %s give a positive 16-byte serial Node reads back', (_name, randomHex) => {
    const serial = serialFromRandomBytes(Buffer.from(randomHex, 'hex'));
    expect(serial).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(new X509Certificate(certificateWithSerial(serial)).serialNumber.toLowerCase()).toBe(serial);
  });
});

describe('test PKI over mutual TLS', () => {
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    server = https.createServer(
      {
        key: pki.server.keyPem,
        cert: pki.server.chainPem,
        ca: [pki.rootCertPem],
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerX509Certificate();
        res.end(peer?.subject.includes('OU=010000001') ? 'ok' : 'unknown');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function call(file: PkiFile | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: [pki.rootCertPem],
          agent: false,
          ...(file ? { pfx: readFileSync(file.p12Path), passphrase: file.password } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('accepts the good client certificate', async () => {
    await expect(call(pki.clients['010000001'])).resolves.toBe('ok');
  });

  it.each(['expired', 'notYetValid', 'otherCa', 'wrongKeyUsage'] as const)(
    'refuses the %s certificate',
    async (name) => {
      await expect(call(pki.bad[name])).rejects.toThrow();
    },
  );

  it('refuses a connection without a client certificate', async () => {
    await expect(call(undefined)).rejects.toThrow();
  });
});
