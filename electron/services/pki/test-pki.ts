/**
 * Test PKI standing in for the IGC-Santé test chain (root → intermediate "ORGANISATIONS" → leaves).
 * Used by the embedded SI-SdO sandbox (server certificate, client trust anchor) and by the tests of the
 * certificate store and transport (client .p12 per FINESS EJ, plus deliberately bad certificates).
 *
 * Generated once into `dir` (files 0600), reused afterwards; a leaf that has expired is regenerated.
 * Fake material only: never used against a real service.
 */
import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

export interface PkiFile {
  p12Path: string;
  password: string;
  certPem: string;
}

export interface TestPki {
  dir: string;
  rootCertPem: string;
  intermediateCertPem: string;
  /** Root + intermediate, PEM concatenated. */
  caBundlePem: string;
  /** CN=localhost, SAN DNS:localhost and IP:127.0.0.1; chainPem = server + intermediate. */
  server: { certPem: string; keyPem: string; chainPem: string };
  /** Key: FINESS EJ. */
  clients: Record<string, PkiFile>;
  /** Same EJ as the first client. otherCa = a self-made chain not under the test root. */
  bad: { expired: PkiFile; notYetValid: PkiFile; otherCa: PkiFile; wrongKeyUsage: PkiFile };
  /** PKCS#8 PEM of a client's private key (for importing into SoftHSM2 in tests). */
  clientKeyPkcs8Pem(finessEj: string): string;
}

export interface LegalEntityIdentity {
  finessEj: string;
  name: string;
}

export interface EnsureTestPkiOptions {
  legalEntities: LegalEntityIdentity[];
  /** Gives up before the next key generated. */
  signal?: AbortSignal | undefined;
  now?: Date;
}

const ROOT_SUBJECT = [
  { shortName: 'CN', value: 'TEST AC RACINE IGC-SANTE ELEMENTAIRE' },
  { shortName: 'OU', value: 'IGC-SANTE TEST' },
  { shortName: 'O', value: 'ASIP-SANTE' },
  { shortName: 'C', value: 'FR' },
];
const INTERMEDIATE_SUBJECT = [
  { shortName: 'CN', value: 'TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS' },
  { shortName: 'OU', value: 'IGC-SANTE TEST' },
  { shortName: 'O', value: 'ASIP-SANTE' },
  { shortName: 'C', value: 'FR' },
];
/** Same names as the real test chain but self-made: a client chained to it must be refused. */
const OTHER_ROOT_SUBJECT = [
  { shortName: 'CN', value: 'TEST AC RACINE IGC-SANTE ELEMENTAIRE' },
  { shortName: 'OU', value: 'AUTORITE NON RECONNUE' },
  { shortName: 'O', value: 'ASIP-SANTE' },
  { shortName: 'C', value: 'FR' },
];

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const PKI_STATE_FILE = 'pki.json';
const PKI_STATE_VERSION = 1;

interface PkiState {
  version: number;
  /** File name (relative to dir) → password of that .p12. */
  passwords: Record<string, string>;
  /** FINESS EJ → name written in its certificate. */
  entities: Record<string, string>;
}

type Subject = { shortName?: string; type?: string; value: string; valueTagClass?: number }[];

const generateRsaKeyPair = promisify(generateKeyPair);

async function newKey(signal: AbortSignal | undefined): Promise<forge.pki.rsa.PrivateKey> {
  // A start given up (the app is closing) stops before its next key; the state file, written last, is not written,
  // so the next start makes the whole set again.
  signal?.throwIfAborted();
  // Native generation (about 100-300 ms) instead of forge's pure-JS one.
  const { privateKey } = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return forge.pki.privateKeyFromPem(privateKey);
}

function publicOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forge.pki.setRsaPublicKey(key.n, key.e);
}

/**
 * A positive serial that DER encodes in its minimal form whatever the random bytes: the first byte is kept within
 * 0x40–0x7f (top bit clear: positive; not zero: no padding). Clearing only the top bit let one serial in 65,536
 * start with two zero bytes; forge strips one leading zero only, and OpenSSL then refuses the whole certificate
 * ("illegal padding"): Node could not read it ("certificat illisible") and the sandbox could not start its server.
 */
export function serialFromRandomBytes(random: Uint8Array): string {
  const bytes = Buffer.from(random);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function randomSerial(): string {
  return serialFromRandomBytes(randomBytes(16));
}

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

interface Issuer {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

interface CertRequest {
  subject: Subject;
  key: forge.pki.rsa.PrivateKey;
  issuer: Issuer | 'self';
  notBefore: Date;
  notAfter: Date;
  extensions: object[];
}

function makeCertificate(request: CertRequest): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicOf(request.key);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  cert.setSubject(request.subject);
  const issuerKey = request.issuer === 'self' ? request.key : request.issuer.key;
  const issuerSki =
    request.issuer === 'self'
      ? cert.generateSubjectKeyIdentifier().getBytes()
      : request.issuer.cert.generateSubjectKeyIdentifier().getBytes();
  cert.setIssuer(request.issuer === 'self' ? request.subject : request.issuer.cert.subject.attributes);
  cert.setExtensions([
    ...request.extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuerSki },
  ]);
  cert.sign(issuerKey, forge.md.sha256.create());
  return cert;
}

function caExtensions(pathLen?: number): object[] {
  return [
    {
      name: 'basicConstraints',
      cA: true,
      critical: true,
      ...(pathLen === undefined ? {} : { pathLenConstraint: pathLen }),
    },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ];
}

function clientSubject(entity: LegalEntityIdentity): Subject {
  // forge UTF-8-encodes UTF8String values itself: pass plain JS strings.
  return [
    { shortName: 'CN', value: `${entity.name} - logiciel`, valueTagClass: forge.asn1.Type.UTF8 },
    { type: '2.5.4.97', value: `FINFR-${entity.finessEj}`, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'OU', value: entity.finessEj, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'O', value: entity.name, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'C', value: 'FR' },
  ];
}

const CLIENT_EXTENSIONS: object[] = [
  { name: 'basicConstraints', cA: false, critical: true },
  { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
  { name: 'extKeyUsage', clientAuth: true },
];

/** Server-only EKU and no digitalSignature: OpenSSL refuses it as a TLS client certificate. */
const WRONG_USAGE_EXTENSIONS: object[] = [
  { name: 'basicConstraints', cA: false, critical: true },
  { name: 'keyUsage', dataEncipherment: true, critical: true },
  { name: 'extKeyUsage', serverAuth: true },
];

function writePrivate(path: string, content: string | Buffer): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Valid at `now` (and for at least one more day, so a test run does not straddle the expiry). */
function isCurrentlyValid(certPem: string, now: Date): boolean {
  const cert = new X509Certificate(certPem);
  return (
    new Date(cert.validFrom).getTime() <= now.getTime() && new Date(cert.validTo).getTime() > now.getTime() + DAY_MS
  );
}

function p12Der(
  key: forge.pki.rsa.PrivateKey,
  chain: forge.pki.Certificate[],
  password: string,
  friendlyName: string,
): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, password, { algorithm: 'aes256', friendlyName });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/**
 * Creates (or reuses) the test PKI in `dir`. Root and intermediate are created once; leaves that are no
 * longer valid are regenerated (the "expired" one stays expired by design; the "not yet valid" one is
 * regenerated once it has become valid).
 */
export async function ensureTestPki(dir: string, options: EnsureTestPkiOptions): Promise<TestPki> {
  const first = options.legalEntities[0];
  if (!first) throw new Error('ensureTestPki: at least one legal entity is required');
  const now = options.now ?? new Date();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(dir, name);

  const statePath = file(PKI_STATE_FILE);
  const storedState = readIfExists(statePath);
  let state: PkiState = storedState
    ? (JSON.parse(storedState) as PkiState)
    : { version: 0, passwords: {}, entities: {} };

  // --- CA: keep it while it exists and is valid, otherwise start from scratch (all leaves depend on it).
  let rootPem = readIfExists(file('root.cert.pem'));
  let interPem = readIfExists(file('intermediate.cert.pem'));
  let interKeyPem = readIfExists(file('intermediate.key.pem'));
  const caUsable =
    state.version === PKI_STATE_VERSION &&
    rootPem !== undefined &&
    interPem !== undefined &&
    interKeyPem !== undefined &&
    isCurrentlyValid(rootPem, now) &&
    isCurrentlyValid(interPem, now);
  if (!caUsable) {
    state = { version: PKI_STATE_VERSION, passwords: {}, entities: {} };
    const [rootKey, interKey] = await Promise.all([newKey(options.signal), newKey(options.signal)]);
    const root = makeCertificate({
      subject: ROOT_SUBJECT,
      key: rootKey,
      issuer: 'self',
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + 20 * YEAR_MS),
      extensions: caExtensions(),
    });
    const inter = makeCertificate({
      subject: INTERMEDIATE_SUBJECT,
      key: interKey,
      issuer: { cert: root, key: rootKey },
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + 10 * YEAR_MS),
      extensions: caExtensions(0),
    });
    rootPem = forge.pki.certificateToPem(root);
    interPem = forge.pki.certificateToPem(inter);
    interKeyPem = forge.pki.privateKeyToPem(interKey);
    writePrivate(file('root.cert.pem'), rootPem);
    writePrivate(file('root.key.pem'), forge.pki.privateKeyToPem(rootKey));
    writePrivate(file('intermediate.cert.pem'), interPem);
    writePrivate(file('intermediate.key.pem'), interKeyPem);
    // Leaves of a previous CA are now orphans: the checks below regenerate them (their issuer no longer matches).
  }
  const intermediate: Issuer = {
    cert: forge.pki.certificateFromPem(interPem as string),
    key: forge.pki.privateKeyFromPem(interKeyPem as string),
  };
  const interX509 = new X509Certificate(interPem as string);
  const issuedByCurrentCa = (certPem: string): boolean => {
    const cert = new X509Certificate(certPem);
    return cert.checkIssued(interX509) && cert.verify(interX509.publicKey);
  };

  const jobs: Promise<void>[] = [];

  // --- Server certificate.
  const serverCertPath = file('server.cert.pem');
  const serverPem = readIfExists(serverCertPath);
  if (
    !serverPem ||
    !existsSync(file('server.key.pem')) ||
    !isCurrentlyValid(serverPem, now) ||
    !issuedByCurrentCa(serverPem)
  ) {
    jobs.push(
      (async () => {
        const key = await newKey(options.signal);
        const cert = makeCertificate({
          subject: [
            { shortName: 'CN', value: 'localhost' },
            { shortName: 'O', value: 'BAC A SABLE SI-SDO (TEST)' },
            { shortName: 'C', value: 'FR' },
          ],
          key,
          issuer: intermediate,
          notBefore: new Date(now.getTime() - DAY_MS),
          notAfter: new Date(now.getTime() + 3 * YEAR_MS),
          extensions: [
            { name: 'basicConstraints', cA: false, critical: true },
            { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
            { name: 'extKeyUsage', serverAuth: true },
            {
              name: 'subjectAltName',
              altNames: [
                { type: 2, value: 'localhost' },
                { type: 7, ip: '127.0.0.1' },
              ],
            },
          ],
        });
        writePrivate(serverCertPath, forge.pki.certificateToPem(cert));
        writePrivate(file('server.key.pem'), forge.pki.privateKeyToPem(key));
      })(),
    );
  }

  // --- Client leaves.
  interface LeafPlan {
    fileBase: string;
    entity: LegalEntityIdentity;
    needsRegeneration: (certPem: string) => boolean;
    build: (key: forge.pki.rsa.PrivateKey) => Promise<forge.pki.Certificate[]> | forge.pki.Certificate[];
  }
  const leafPlans: LeafPlan[] = options.legalEntities.map((entity) => ({
    fileBase: `client-${entity.finessEj}`,
    entity,
    needsRegeneration: (pem) =>
      !isCurrentlyValid(pem, now) || !issuedByCurrentCa(pem) || state.entities[entity.finessEj] !== entity.name,
    build: (key) => [
      makeCertificate({
        subject: clientSubject(entity),
        key,
        issuer: intermediate,
        notBefore: new Date(now.getTime() - DAY_MS),
        notAfter: new Date(now.getTime() + 3 * YEAR_MS),
        extensions: CLIENT_EXTENSIONS,
      }),
      intermediate.cert,
    ],
  }));
  // A bad leaf is rebuilt when the first entity's name changed (its subject must match the good client's).
  const firstIsCurrent = (): boolean => state.entities[first.finessEj] === first.name;
  leafPlans.push(
    {
      fileBase: 'bad-expired',
      entity: first,
      needsRegeneration: (pem) =>
        !firstIsCurrent() || !issuedByCurrentCa(pem) || new Date(new X509Certificate(pem).validTo) > now,
      build: (key) => [
        makeCertificate({
          subject: clientSubject(first),
          key,
          issuer: intermediate,
          notBefore: new Date(now.getTime() - 2 * YEAR_MS),
          notAfter: new Date(now.getTime() - 30 * DAY_MS),
          extensions: CLIENT_EXTENSIONS,
        }),
        intermediate.cert,
      ],
    },
    {
      fileBase: 'bad-not-yet-valid',
      entity: first,
      needsRegeneration: (pem) =>
        !firstIsCurrent() ||
        !issuedByCurrentCa(pem) ||
        new Date(new X509Certificate(pem).validFrom) <= new Date(now.getTime() + DAY_MS),
      build: (key) => [
        makeCertificate({
          subject: clientSubject(first),
          key,
          issuer: intermediate,
          notBefore: new Date(now.getTime() + YEAR_MS),
          notAfter: new Date(now.getTime() + 3 * YEAR_MS),
          extensions: CLIENT_EXTENSIONS,
        }),
        intermediate.cert,
      ],
    },
    {
      fileBase: 'bad-other-ca',
      entity: first,
      needsRegeneration: (pem) => !firstIsCurrent() || !isCurrentlyValid(pem, now),
      build: async (key) => {
        const otherRootKey = await newKey(options.signal);
        const otherRoot = makeCertificate({
          subject: OTHER_ROOT_SUBJECT,
          key: otherRootKey,
          issuer: 'self',
          notBefore: new Date(now.getTime() - DAY_MS),
          notAfter: new Date(now.getTime() + 10 * YEAR_MS),
          extensions: caExtensions(),
        });
        const leaf = makeCertificate({
          subject: clientSubject(first),
          key,
          issuer: { cert: otherRoot, key: otherRootKey },
          notBefore: new Date(now.getTime() - DAY_MS),
          notAfter: new Date(now.getTime() + 3 * YEAR_MS),
          extensions: CLIENT_EXTENSIONS,
        });
        return [leaf, otherRoot];
      },
    },
    {
      fileBase: 'bad-wrong-key-usage',
      entity: first,
      needsRegeneration: (pem) => !firstIsCurrent() || !isCurrentlyValid(pem, now) || !issuedByCurrentCa(pem),
      build: (key) => [
        makeCertificate({
          subject: clientSubject(first),
          key,
          issuer: intermediate,
          notBefore: new Date(now.getTime() - DAY_MS),
          notAfter: new Date(now.getTime() + 3 * YEAR_MS),
          extensions: WRONG_USAGE_EXTENSIONS,
        }),
        intermediate.cert,
      ],
    },
  );

  for (const plan of leafPlans) {
    const certPath = file(`${plan.fileBase}.cert.pem`);
    const existing = readIfExists(certPath);
    const complete =
      existing !== undefined &&
      existsSync(file(`${plan.fileBase}.p12`)) &&
      existsSync(file(`${plan.fileBase}.key.pem`)) &&
      state.passwords[`${plan.fileBase}.p12`] !== undefined;
    if (complete && !plan.needsRegeneration(existing)) continue;
    jobs.push(
      (async () => {
        const key = await newKey(options.signal);
        const chain = await plan.build(key);
        const leaf = chain[0] as forge.pki.Certificate;
        const password = randomPassword();
        writePrivate(certPath, forge.pki.certificateToPem(leaf));
        // PKCS#8 PEM (what SoftHSM2 imports).
        const pkcs8 = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key));
        writePrivate(file(`${plan.fileBase}.key.pem`), forge.pki.privateKeyInfoToPem(pkcs8));
        writePrivate(file(`${plan.fileBase}.p12`), p12Der(key, chain, password, `${plan.entity.name} - logiciel`));
        state.passwords[`${plan.fileBase}.p12`] = password;
      })(),
    );
  }
  await Promise.all(jobs);
  for (const entity of options.legalEntities) state.entities[entity.finessEj] = entity.name;
  writePrivate(statePath, JSON.stringify(state, null, 2));

  const pkiFile = (fileBase: string): PkiFile => ({
    p12Path: file(`${fileBase}.p12`),
    password: state.passwords[`${fileBase}.p12`] as string,
    certPem: readFileSync(file(`${fileBase}.cert.pem`), 'utf8'),
  });
  const serverCertPem = readFileSync(serverCertPath, 'utf8');
  const clients: Record<string, PkiFile> = {};
  for (const entity of options.legalEntities) clients[entity.finessEj] = pkiFile(`client-${entity.finessEj}`);
  const rootCertPem = rootPem as string;
  const intermediateCertPem = interPem as string;
  return {
    dir,
    rootCertPem,
    intermediateCertPem,
    caBundlePem: rootCertPem + intermediateCertPem,
    server: {
      certPem: serverCertPem,
      keyPem: readFileSync(file('server.key.pem'), 'utf8'),
      chainPem: serverCertPem + intermediateCertPem,
    },
    clients,
    bad: {
      expired: pkiFile('bad-expired'),
      notYetValid: pkiFile('bad-not-yet-valid'),
      otherCa: pkiFile('bad-other-ca'),
      wrongKeyUsage: pkiFile('bad-wrong-key-usage'),
    },
    clientKeyPkcs8Pem(finessEj: string): string {
      const path = file(`client-${finessEj}.key.pem`);
      if (!existsSync(path)) throw new Error(`No client key for FINESS EJ ${finessEj}`);
      return readFileSync(path, 'utf8');
    },
  };
}
