/**
 * Certificate DTOs shown by the UI. The renderer only ever sees metadata: never key material, a password or a PIN.
 */

/** Where the private key lives: an imported PKCS#12 file (encrypted at rest) or a smart card / token (PKCS#11). */
export type CertificateSource = 'file' | 'pkcs11';

/** 30-day warning before the end of validity (docs/architecture.md §6). */
export type ExpiryLevel = 'valid' | 'expires-soon' | 'expired' | 'not-yet-valid';

export interface ExpiryWarning {
  readonly level: ExpiryLevel;
  /** Whole days left before notAfter (negative once expired). */
  readonly daysLeft: number;
}

export interface CertificateMetadata {
  /** RFC 2253-like subject, e.g. "CN=…, OU=010000001, O=…, C=FR". */
  readonly subject: string;
  readonly subjectCommonName: string | undefined;
  readonly subjectOrganization: string | undefined;
  /** FINESS EJ of the legal entity, read from organizationIdentifier "FINFR-…" or OU (a leading "1" is stripped). */
  readonly finessEj: string | undefined;
  readonly issuer: string;
  readonly issuerCommonName: string | undefined;
  /** Upper-case hexadecimal. */
  readonly serialNumber: string;
  /** ISO 8601 instants. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** e.g. ['digitalSignature', 'keyEncipherment']. */
  readonly keyUsage: readonly string[];
  /** e.g. ['clientAuth']. */
  readonly extendedKeyUsage: readonly string[];
  /** SHA-256 fingerprint of the DER, upper-case hex pairs separated by ':' (the form Chromium and OpenSSL show). */
  readonly sha256Fingerprint: string;
}

export interface CertificateSummary extends CertificateMetadata {
  /** Stable registry id. */
  readonly id: string;
  readonly source: CertificateSource;
  /** Label given by the referent (defaults to the subject CN). */
  readonly label: string;
  readonly importedAt: string;
  /** Only for file certificates: the password is remembered in the secret store. */
  readonly passwordRemembered: boolean;
  /** Only for smart cards: token label and slot description, to ask for the right card. */
  readonly tokenLabel?: string;
  readonly expiry: ExpiryWarning;
}

/** A token (smart card / SoftHSM) seen through a PKCS#11 module. */
export interface SmartCardToken {
  readonly modulePath: string;
  readonly slotDescription: string;
  readonly tokenLabel: string;
  readonly tokenSerial: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly loginRequired: boolean;
  readonly pinLocked: boolean;
  readonly pinFinalTry: boolean;
  readonly pinCountLow: boolean;
}

/** A certificate read from a token, with the id of the matching private key object. */
export interface SmartCardCertificate extends CertificateMetadata {
  readonly tokenLabel: string;
  readonly tokenSerial: string;
  /** Hex CKA_ID shared by the certificate and its private key. */
  readonly objectIdHex: string;
  readonly objectLabel: string;
}

/** A trust anchor (root or intermediate CA) configured for an environment. */
export interface TrustAnchorSummary {
  readonly sha256Fingerprint: string;
  readonly subject: string;
  readonly notAfter: string;
  readonly isCa: boolean;
}

/**
 * Largest certificate or CA file imported (as its bytes: the renderer never hands main a path to read). A .p12 or
 * a CA file is a few kilobytes; 64 KiB leaves room for a bundle.
 */
export const MAX_IMPORTED_FILE_BYTES = 64 * 1024;
