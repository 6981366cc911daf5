import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrustAnchorSummary } from '@shared/domain/certificates';
import { AppError } from '@shared/errors/app-error';
import { writeFileAtomicSync } from '../secrets/atomic-file';
import { parseCertificate } from './certificate-metadata';
import { splitPemCertificates } from './pkcs12-file';

/**
 * The CA certificates an environment trusts, one PEM file per certificate (named by fingerprint) in the
 * environment's folder. They verify both our client certificate at import and the server in TLS.
 */
export class TrustAnchorStore {
  constructor(private readonly dir: string) {}

  list(): TrustAnchorSummary[] {
    return this.pems().map((pem) => {
      const parsed = parseCertificate(pem);
      return {
        sha256Fingerprint: parsed.metadata.sha256Fingerprint,
        subject: parsed.metadata.subject,
        notAfter: parsed.metadata.notAfter,
        isCa: parsed.isCa,
      };
    });
  }

  pems(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.pem'))
      .sort()
      .map((f) => readFileSync(join(this.dir, f), 'utf8'));
  }

  /** Imports every certificate of a PEM text (a bundle is fine). Only CA certificates are accepted. */
  importPem(pemText: string): TrustAnchorSummary[] {
    const blocks = splitPemCertificates(pemText);
    if (blocks.length === 0) {
      throw new AppError('TRUST_ANCHOR_INVALID', 'Ce fichier ne contient aucun certificat au format PEM.');
    }
    const parsed = blocks.map((b) => parseCertificate(b));
    const notCa = parsed.find((p) => !p.isCa);
    if (notCa) {
      throw new AppError(
        'TRUST_ANCHOR_INVALID',
        'Ce fichier contient un certificat qui n’est pas une autorité de certification.',
        notCa.metadata.subject,
      );
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const p of parsed) {
      writeFileAtomicSync(join(this.dir, `${fileNameOf(p.metadata.sha256Fingerprint)}.pem`), p.pem, 0o644);
    }
    return parsed.map((p) => ({
      sha256Fingerprint: p.metadata.sha256Fingerprint,
      subject: p.metadata.subject,
      notAfter: p.metadata.notAfter,
      isCa: p.isCa,
    }));
  }

  remove(sha256Fingerprint: string): void {
    rmSync(join(this.dir, `${fileNameOf(sha256Fingerprint)}.pem`), { force: true });
  }
}

function fileNameOf(fingerprint: string): string {
  return fingerprint.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();
}
