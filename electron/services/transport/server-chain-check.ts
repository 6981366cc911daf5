/**
 * Verifies a server's certificate chain against the environment's trust anchors, for a TLS stack that does not take
 * our CAs itself: under Electron, Chromium's net stack trusts the OS store, which need not hold the IGC-Santé CAs,
 * so its certificate-verify procedure asks here. Same rules as Node's TLS for us: every link signed by the next,
 * each certificate within its validity, the chain ending at one of the anchors, the leaf naming the host.
 */
import { X509Certificate } from 'node:crypto';

export type ServerChainVerdict = { ok: true } | { ok: false; reason: string };

/** Splits a PEM bundle into its certificates. */
export function pemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function verifyServerChain(options: {
  readonly hostname: string;
  /** Leaf first, then what the server sent (intermediates), in order. */
  readonly chainPem: readonly string[];
  readonly trustAnchorsPem: readonly string[];
  readonly now: Date;
}): ServerChainVerdict {
  let chain: X509Certificate[];
  let anchors: X509Certificate[];
  try {
    chain = options.chainPem.map((pem) => new X509Certificate(pem));
    anchors = options.trustAnchorsPem.flatMap(pemCertificates).map((pem) => new X509Certificate(pem));
  } catch {
    return { ok: false, reason: 'certificat illisible' };
  }
  const leaf = chain[0];
  if (!leaf) return { ok: false, reason: 'aucun certificat présenté' };
  if (anchors.length === 0) return { ok: false, reason: 'aucune autorité de confiance configurée' };
  const hostMatches = /^[\d.]+$|:/.test(options.hostname)
    ? leaf.checkIP(options.hostname) !== undefined
    : leaf.checkHost(options.hostname) !== undefined;
  if (!hostMatches) return { ok: false, reason: 'le certificat ne nomme pas ce serveur' };
  const at = options.now.getTime();
  const valid = (c: X509Certificate) => Date.parse(c.validFrom) <= at && at <= Date.parse(c.validTo);
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    if (!valid(cert)) return { ok: false, reason: `certificat hors de sa période de validité (${cert.subject})` };
    // The chain ends as soon as an anchor vouches for this certificate (the anchor itself may be sent or not).
    const anchor = anchors.find((a) => cert.checkIssued(a) && cert.verify(a.publicKey));
    if (anchor) return valid(anchor) ? { ok: true } : { ok: false, reason: 'autorité de confiance expirée' };
    const issuer = chain[i + 1];
    if (!issuer || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey) || !issuer.ca) {
      return { ok: false, reason: 'chaîne non rattachée à une autorité de confiance de cet environnement' };
    }
  }
  return { ok: false, reason: 'chaîne non rattachée à une autorité de confiance de cet environnement' };
}
