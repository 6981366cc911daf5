import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { CertificateMetadata, ExpiryWarning } from '@shared/domain/certificates';
import { AppError } from '@shared/errors/app-error';

const DAY_MS = 86_400_000;
/** docs/architecture.md §6: warn 30 days before the end of validity. */
export const EXPIRY_WARNING_DAYS = 30;

const ORGANIZATION_IDENTIFIER_OID = '2.5.4.97';
const FINESS_PATTERN = /^[0-9][0-9AB][0-9]{7}$/;

// Present in node-forge at runtime but missing from @types/node-forge.
interface ForgeRdnAttribute {
  type: string;
  shortName?: string;
  name?: string;
  value: string;
  valueTagClass?: number;
}
interface ForgeExtension {
  name?: string;
  id: string;
  [flag: string]: unknown;
}
const pkiInternals = forge.pki as unknown as {
  RDNAttributesAsArray(rdn: forge.asn1.Asn1): ForgeRdnAttribute[];
  certificateExtensionFromAsn1(ext: forge.asn1.Asn1): ForgeExtension;
};

const KEY_USAGE_FLAGS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
const EXTENDED_KEY_USAGE_FLAGS = [
  'serverAuth',
  'clientAuth',
  'codeSigning',
  'emailProtection',
  'timeStamping',
] as const;

export interface ParsedCertificate {
  readonly x509: X509Certificate;
  readonly der: Buffer;
  readonly pem: string;
  readonly metadata: CertificateMetadata;
  readonly isCa: boolean;
  /** Undefined when the certificate has no keyUsage extension (then any usage is allowed, RFC 5280). */
  readonly keyUsageExtension: readonly string[] | undefined;
  readonly extendedKeyUsageExtension: readonly string[] | undefined;
}

/**
 * Reads an X.509 certificate (DER or PEM). Names and extensions are read from the ASN.1 directly (forge's full
 * certificate parser refuses non-RSA keys); validity, serial and fingerprint come from Node.
 */
export function parseCertificate(input: Buffer | string): ParsedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(input);
  } catch {
    throw new AppError('CERT_UNREADABLE', 'Le certificat est illisible.');
  }
  const der = x509.raw;
  const asn = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const tbs = (asn.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
  const tbsFields = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version (explicit, optional), serial, signature, issuer, validity, subject, spki, …, [3] extensions.
  const offset = tbsFields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const issuerAttrs = readRdn(tbsFields[offset + 2]);
  const subjectAttrs = readRdn(tbsFields[offset + 4]);
  const extensionsHolder = tbsFields.find(
    (f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && Number(f.type) === 3,
  );
  const extensions = ((extensionsHolder?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value ??
    []) as forge.asn1.Asn1[];
  const parsedExtensions = extensions.map((e) => pkiInternals.certificateExtensionFromAsn1(e));
  const keyUsageExt = parsedExtensions.find((e) => e.name === 'keyUsage');
  const ekuExt = parsedExtensions.find((e) => e.name === 'extKeyUsage');
  const keyUsage = keyUsageExt ? KEY_USAGE_FLAGS.filter((f) => keyUsageExt[f] === true) : undefined;
  const extendedKeyUsage = ekuExt ? EXTENDED_KEY_USAGE_FLAGS.filter((f) => ekuExt[f] === true) : undefined;

  const metadata: CertificateMetadata = {
    subject: formatDn(subjectAttrs),
    subjectCommonName: firstValue(subjectAttrs, 'CN'),
    subjectOrganization: firstValue(subjectAttrs, 'O'),
    finessEj: finessEjOf(subjectAttrs),
    issuer: formatDn(issuerAttrs),
    issuerCommonName: firstValue(issuerAttrs, 'CN'),
    serialNumber: x509.serialNumber.toUpperCase(),
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: new Date(x509.validTo).toISOString(),
    keyUsage: keyUsage ?? [],
    extendedKeyUsage: extendedKeyUsage ?? [],
    sha256Fingerprint: x509.fingerprint256,
  };
  return {
    x509,
    der,
    pem: x509.toString(),
    metadata,
    isCa: x509.ca,
    keyUsageExtension: keyUsage,
    extendedKeyUsageExtension: extendedKeyUsage,
  };
}

interface NamedAttribute {
  label: string;
  value: string;
}

function readRdn(node: forge.asn1.Asn1 | undefined): NamedAttribute[] {
  if (!node) return [];
  return pkiInternals.RDNAttributesAsArray(node).map((a) => ({
    label: a.type === ORGANIZATION_IDENTIFIER_OID ? 'organizationIdentifier' : (a.shortName ?? a.name ?? a.type),
    value: a.valueTagClass === forge.asn1.Type.UTF8 ? decodeUtf8(a.value) : a.value,
  }));
}

function decodeUtf8(raw: string): string {
  try {
    return forge.util.decodeUtf8(raw);
  } catch {
    return raw;
  }
}

/** Most specific first, as users read it ("CN=…, OU=…, O=…, C=FR"). */
function formatDn(attrs: readonly NamedAttribute[]): string {
  return [...attrs]
    .reverse()
    .map((a) => `${a.label}=${a.value}`)
    .join(', ');
}

function firstValue(attrs: readonly NamedAttribute[], label: string): string | undefined {
  return attrs.find((a) => a.label === label)?.value;
}

/** organizationIdentifier "FINFR-<EJ>" first, then an OU holding the FINESS (possibly prefixed by "1"). */
export function finessEjOf(attrs: readonly NamedAttribute[]): string | undefined {
  for (const a of attrs) {
    if (a.label !== 'organizationIdentifier') continue;
    const m = /^FINFR-(.+)$/.exec(a.value.trim());
    if (m?.[1] && FINESS_PATTERN.test(m[1])) return m[1];
  }
  for (const a of attrs) {
    if (a.label !== 'OU') continue;
    const v = a.value.trim();
    if (FINESS_PATTERN.test(v)) return v;
    if (v.length === 10 && v.startsWith('1') && FINESS_PATTERN.test(v.slice(1))) return v.slice(1);
  }
  return undefined;
}

/** 30-day warning (and expired / not yet valid) for a certificate's validity at `now`. */
export function expiryWarning(cert: { notBefore: string; notAfter: string }, now: Date | number): ExpiryWarning {
  const at = typeof now === 'number' ? now : now.getTime();
  const notAfter = Date.parse(cert.notAfter);
  const daysLeft = Math.floor((notAfter - at) / DAY_MS);
  if (at < Date.parse(cert.notBefore)) return { level: 'not-yet-valid', daysLeft };
  if (at > notAfter) return { level: 'expired', daysLeft };
  if (notAfter - at <= EXPIRY_WARNING_DAYS * DAY_MS) return { level: 'expires-soon', daysLeft };
  return { level: 'valid', daysLeft };
}

/** Refuses a certificate outside its validity period at `now`. */
export function assertCurrentlyValid(metadata: CertificateMetadata, now: number): void {
  if (now < Date.parse(metadata.notBefore)) {
    throw new AppError(
      'CERT_NOT_YET_VALID',
      `Ce certificat n’est pas encore valable (début de validité le ${frenchDate(metadata.notBefore)}).`,
      metadata.notBefore,
    );
  }
  if (now > Date.parse(metadata.notAfter)) {
    throw new AppError(
      'CERT_EXPIRED',
      `Ce certificat a expiré le ${frenchDate(metadata.notAfter)}. Demandez son renouvellement auprès de l’ANS.`,
      metadata.notAfter,
    );
  }
}

/** A TLS client certificate needs digitalSignature (when keyUsage is present) and clientAuth (when EKU is present). */
export function assertClientAuthUsage(parsed: ParsedCertificate): void {
  const ku = parsed.keyUsageExtension;
  const eku = parsed.extendedKeyUsageExtension;
  const missing: string[] = [];
  if (ku && !ku.includes('digitalSignature')) missing.push('digitalSignature');
  if (eku && !eku.includes('clientAuth')) missing.push('clientAuth');
  if (missing.length > 0) {
    throw new AppError(
      'CERT_WRONG_KEY_USAGE',
      'Ce certificat ne permet pas l’authentification d’un logiciel client (usage « authentification client » absent). ' +
        'Il faut un certificat logiciel IGC-Santé d’authentification (ORG_AUTH_CLI).',
      `absent : ${missing.join(', ')}`,
    );
  }
}

function frenchDate(iso: string): string {
  return new Date(iso).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
}

/**
 * Verifies that `leaf` chains up to one of `anchors` (roots or intermediates the environment trusts), through the
 * CA certificates in `intermediates`. Names must match and each signature must verify.
 */
export function assertChainsToAnchors(
  leaf: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
): void {
  if (anchors.length === 0) {
    throw new AppError(
      'CERT_UNKNOWN_CA',
      'Aucune autorité de certification n’est configurée pour cet environnement : importez d’abord les certificats de l’IGC-Santé.',
      'no trust anchor',
    );
  }
  const issuedBy = (child: X509Certificate, parent: X509Certificate): boolean =>
    child.checkIssued(parent) && child.verify(parent.publicKey);
  let current = leaf.x509;
  const seen = new Set<string>();
  for (let depth = 0; depth < 8; depth++) {
    if (anchors.some((a) => a.x509.fingerprint256 === current.fingerprint256)) return;
    if (anchors.some((a) => issuedBy(current, a.x509))) return;
    seen.add(current.fingerprint256);
    const next = intermediates.find((c) => c.isCa && !seen.has(c.x509.fingerprint256) && issuedBy(current, c.x509));
    if (!next) break;
    current = next.x509;
  }
  throw new AppError(
    'CERT_UNKNOWN_CA',
    'Ce certificat n’a pas été émis par une autorité reconnue pour cet environnement (IGC-Santé attendue).',
    `issuer: ${leaf.metadata.issuerCommonName ?? leaf.metadata.issuer}`,
  );
}
