/**
 * Test support: a SoftHSM2 token in a private folder, loaded with a client key and certificate, standing in for a
 * CPS card. Needs the softhsm2 and opensc packages. The caller sets SOFTHSM2_CONF to `confPath` in its process
 * before any PKCS#11 module is loaded (see `softHsmEnvironment`).
 */
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPki } from '../../pki/test-pki';
import type { SmartCardReference } from '../certificate-registry';
import { Pkcs11Module, SOFTHSM2_MODULE_PATH } from '../pkcs11/pkcs11-module';

export interface SoftHsmTestToken {
  readonly confPath: string;
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly pin: string;
  readonly soPin: string;
  readonly objectIdHex: string;
  readonly objectLabel: string;
}

/** Writes the SoftHSM2 config for `dir` and returns the variables to put in the environment of the process. */
export function softHsmEnvironment(dir: string): Record<string, string> {
  const tokensDir = join(dir, 'tokens');
  mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
  const confPath = join(dir, 'softhsm2.conf');
  writeFileSync(confPath, `directories.tokendir = ${tokensDir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  return {
    SOFTHSM2_CONF: confPath,
    OPENSSL_ENGINES: '/usr/lib/x86_64-linux-gnu/engines-3',
    PKCS11_MODULE_PATH: SOFTHSM2_MODULE_PATH,
  };
}

export function createSoftHsmTestToken(input: {
  dir: string;
  tokenLabel: string;
  keyPkcs8Pem: string;
  certPem: string;
  pin?: string;
  soPin?: string;
  objectIdHex?: string;
  objectLabel?: string;
}): SoftHsmTestToken {
  const env = { ...process.env, ...softHsmEnvironment(input.dir) };
  const pin = input.pin ?? '1234';
  const soPin = input.soPin ?? '12345678';
  const objectIdHex = input.objectIdHex ?? '01';
  const objectLabel = input.objectLabel ?? 'client-key';
  const keyPath = join(input.dir, 'client-key.pem');
  const certPath = join(input.dir, 'client-cert.der');
  writeFileSync(keyPath, input.keyPkcs8Pem, { mode: 0o600 });
  writeFileSync(certPath, new X509Certificate(input.certPem).raw);
  const run = (cmd: string, args: string[]): void => {
    execFileSync(cmd, args, { env, stdio: 'pipe' });
  };
  run('softhsm2-util', ['--init-token', '--free', '--label', input.tokenLabel, '--so-pin', soPin, '--pin', pin]);
  run('softhsm2-util', [
    '--import',
    keyPath,
    '--token',
    input.tokenLabel,
    '--label',
    objectLabel,
    '--id',
    objectIdHex,
    '--pin',
    pin,
  ]);
  run('pkcs11-tool', [
    '--module',
    SOFTHSM2_MODULE_PATH,
    '--token-label',
    input.tokenLabel,
    '--login',
    '--pin',
    pin,
    '--write-object',
    certPath,
    '--type',
    'cert',
    '--id',
    objectIdHex,
    '--label',
    'client-cert',
  ]);
  return {
    confPath: env.SOFTHSM2_CONF as string,
    modulePath: SOFTHSM2_MODULE_PATH,
    tokenLabel: input.tokenLabel,
    pin,
    soPin,
    objectIdHex,
    objectLabel,
  };
}

/** The "card" of a legal entity of a test PKI: a token holding that EJ's client key and certificate. */
export function createSoftHsmTokenFor(
  pki: TestPki,
  finessEj: string,
  dir: string,
  tokenLabel: string,
): SoftHsmTestToken {
  const client = pki.clients[finessEj];
  if (!client) throw new Error(`pas de certificat client pour ${finessEj}`);
  return createSoftHsmTestToken({
    dir,
    tokenLabel,
    keyPkcs8Pem: pki.clientKeyPkcs8Pem(finessEj),
    certPem: client.certPem,
  });
}

/**
 * The registry's reference to the card key of a test token, as the connection code receives it: the token is read
 * back through PKCS#11 for its serial; `certChainPem` is the leaf plus the intermediate (servers trust the root only).
 */
export function softHsmCardReference(token: SoftHsmTestToken, certChainPem: string): SmartCardReference {
  const module = Pkcs11Module.open(token.modulePath);
  try {
    const found = module.listTokens().find((t) => t.tokenLabel === token.tokenLabel);
    if (!found) throw new Error(`jeton ${token.tokenLabel} introuvable`);
    return {
      modulePath: token.modulePath,
      tokenLabel: token.tokenLabel,
      tokenSerial: found.tokenSerial,
      objectIdHex: token.objectIdHex,
      objectLabel: token.objectLabel,
      certPem: certChainPem,
      sha256Fingerprint: '',
    };
  } finally {
    module.close();
  }
}
