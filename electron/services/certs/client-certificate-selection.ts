import { X509Certificate } from 'node:crypto';

export type ClientCertificateSelection =
  | { readonly decision: 'select'; readonly index: number }
  | {
      readonly decision: 'decline';
      readonly reason: 'foreign-origin' | 'no-certificate-chosen' | 'not-offered' | 'outside-validity';
    };

/**
 * Pure selection policy for Chromium's `select-client-certificate` (docs/architecture.md §6, Bitwarden): the main process
 * always calls preventDefault() and then the callback with the certificate chosen here, or with nothing. Only
 * requests to the active environment's origins get a certificate, and only the one chosen in the registry
 * (matched by SHA-256 fingerprint of the DER), so Chromium never auto-selects another card or store certificate.
 */
export function selectClientCertificate(input: {
  requestUrl: string;
  /** Origins of the active environment (FHIR base and token endpoint), e.g. 'https://vt.example:443'. */
  allowedOrigins: readonly string[];
  /** `CertificateSummary.sha256Fingerprint` of the environment's certificate. */
  expectedSha256Fingerprint: string | undefined;
  /** Electron `Certificate` objects (only `data`, the PEM, is used). */
  offered: readonly { data: string }[];
  now: number;
}): ClientCertificateSelection {
  const origin = originOf(input.requestUrl);
  const allowed = new Set(input.allowedOrigins.map(originOf).filter((o): o is string => o !== undefined));
  if (!origin || !allowed.has(origin)) return { decision: 'decline', reason: 'foreign-origin' };
  if (!input.expectedSha256Fingerprint) return { decision: 'decline', reason: 'no-certificate-chosen' };
  const expected = normaliseFingerprint(input.expectedSha256Fingerprint);
  for (const [index, cert] of input.offered.entries()) {
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert.data);
    } catch {
      continue;
    }
    if (normaliseFingerprint(x509.fingerprint256) !== expected) continue;
    if (input.now < Date.parse(x509.validFrom) || input.now > Date.parse(x509.validTo)) {
      return { decision: 'decline', reason: 'outside-validity' };
    }
    return { decision: 'select', index };
  }
  return { decision: 'decline', reason: 'not-offered' };
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? `${u.protocol}//${u.hostname}:${u.port || '443'}` : undefined;
  } catch {
    return undefined;
  }
}

function normaliseFingerprint(value: string): string {
  return value.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}
