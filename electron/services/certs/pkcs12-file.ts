import { createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';
import { AppError } from '@shared/errors/app-error';
import {
  assertChainsToAnchors,
  assertClientAuthUsage,
  assertCurrentlyValid,
  parseCertificate,
  type ParsedCertificate,
} from './certificate-metadata';

export interface Pkcs12Contents {
  /** The certificate whose public key matches the private key. */
  readonly leaf: ParsedCertificate;
  /** The other certificates of the file (normally the intermediates). */
  readonly chain: readonly ParsedCertificate[];
  /**
   * The same key and certificates re-encoded with the same password in PBES2/AES-256 (old Windows exports use
   * RC2-40, which Node's OpenSSL 3 refuses): this is what is stored and handed to TLS.
   */
  readonly normalizedP12: Buffer;
}

/**
 * Opens a .p12/.pfx with its password and checks the private key matches the certificate.
 * Codes: CERT_WRONG_PASSWORD, CERT_UNREADABLE, CERT_KEY_MISMATCH.
 */
export function readPkcs12(bytes: Buffer, password: string): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, password);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/MAC could not be verified|Invalid password|decrypt/i.test(message)) throw wrongPassword();
    throw new AppError('CERT_UNREADABLE', 'Ce fichier n’est pas un certificat PKCS#12 (.p12 / .pfx) lisible.', message);
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const forgeKey = keyBags.find((b) => b.key)?.key;
  if (!forgeKey) {
    // Without a MAC, a wrong password only shows up as an undecryptable key bag.
    if (keyBags.length > 0) throw wrongPassword();
    throw new AppError(
      'CERT_UNREADABLE',
      'Ce fichier ne contient pas de clé privée : exportez le certificat avec sa clé.',
    );
  }
  const forgeCerts = certBags.flatMap((b) => (b.cert ? [b.cert] : []));
  if (forgeCerts.length === 0) {
    throw new AppError('CERT_UNREADABLE', 'Ce fichier ne contient aucun certificat.');
  }
  const keyPem = forge.pki.privateKeyToPem(forgeKey);
  const nodeKey = createPrivateKey(keyPem);
  const parsed = forgeCerts.map((c) => parseCertificate(forge.pki.certificateToPem(c)));
  const leafIndex = parsed.findIndex((c) => c.x509.checkPrivateKey(nodeKey));
  const leaf = parsed[leafIndex];
  const leafForge = forgeCerts[leafIndex];
  if (!leaf || !leafForge) {
    throw new AppError('CERT_KEY_MISMATCH', 'La clé privée de ce fichier ne correspond à aucun de ses certificats.');
  }
  const chainForge = forgeCerts.filter((_, i) => i !== leafIndex);
  const normalized = forge.pkcs12.toPkcs12Asn1(forgeKey, [leafForge, ...chainForge], password, {
    algorithm: 'aes256',
    friendlyName: leaf.metadata.subjectCommonName ?? 'certificat',
  });
  const normalizedP12 = Buffer.from(forge.asn1.toDer(normalized).getBytes(), 'binary');
  // Node's own TLS must be able to load what we store.
  try {
    createSecureContext({ pfx: normalizedP12, passphrase: password });
  } catch (e) {
    throw new AppError(
      'CERT_UNREADABLE',
      'Ce certificat ne peut pas être utilisé pour une connexion sécurisée.',
      e instanceof Error ? e.message : String(e),
    );
  }
  return { leaf, chain: parsed.filter((_, i) => i !== leafIndex), normalizedP12 };
}

/** Full check of a client certificate for an environment: validity at `now`, usage, chain to the trust anchors. */
export function validateClientCertificate(
  contents: { leaf: ParsedCertificate; chain: readonly ParsedCertificate[] },
  options: { trustAnchorsPem: readonly string[]; now: number },
): void {
  assertCurrentlyValid(contents.leaf.metadata, options.now);
  assertClientAuthUsage(contents.leaf);
  const anchors = options.trustAnchorsPem.flatMap(splitPemCertificates).map((pem) => parseCertificate(pem));
  assertChainsToAnchors(contents.leaf, contents.chain, anchors);
}

export function splitPemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function wrongPassword(): AppError {
  return new AppError('CERT_WRONG_PASSWORD', 'Le mot de passe du certificat est incorrect.');
}
