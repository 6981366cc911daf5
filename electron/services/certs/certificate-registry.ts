import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import type { CertificateMetadata, CertificateSummary, SmartCardCertificate } from '@shared/domain/certificates';
import { AppError } from '@shared/errors/app-error';
import { SerialQueue, writeFileAtomicSync } from '../secrets/atomic-file';
import type { SecretStore } from '../secrets/file-secret-store';
import { aesGcmDecrypt, aesGcmEncrypt, AES_KEY_BYTES } from '../secrets/secret-cipher';
import { expiryWarning, parseCertificate } from './certificate-metadata';
import { mapSecureContextError } from './secure-context-error';
import { readPkcs12, validateClientCertificate } from './pkcs12-file';

const REGISTRY_FILE = 'registry.json';
const REGISTRY_VERSION = 1;
const REGISTRY_KEY_SECRET = 'certificate-registry-key';
const passwordSecretName = (id: string): string => `certificate-password:${id}`;

const metadataSchema = z.object({
  subject: z.string(),
  subjectCommonName: z.string().optional(),
  subjectOrganization: z.string().optional(),
  finessEj: z.string().optional(),
  issuer: z.string(),
  issuerCommonName: z.string().optional(),
  serialNumber: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  keyUsage: z.array(z.string()),
  extendedKeyUsage: z.array(z.string()),
  sha256Fingerprint: z.string(),
});

const entrySchema = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}$/),
  source: z.enum(['file', 'pkcs11']),
  label: z.string(),
  importedAt: z.string(),
  metadata: metadataSchema,
  certPem: z.string(),
  /** Encrypted .p12 (file source). */
  blobFile: z.string().optional(),
  passwordRemembered: z.boolean(),
  pkcs11: z
    .object({
      modulePath: z.string(),
      tokenLabel: z.string(),
      tokenSerial: z.string(),
      objectIdHex: z.string(),
      objectLabel: z.string(),
    })
    .optional(),
});

const registrySchema = z.object({
  version: z.literal(REGISTRY_VERSION),
  revision: z.number().int().nonnegative(),
  certificates: z.array(entrySchema),
});

type RegistryEntry = z.infer<typeof entrySchema>;
type RegistryFile = z.infer<typeof registrySchema>;

/** What the transport needs for a smart-card certificate (the PIN is asked each session, never stored). */
export interface SmartCardReference {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly tokenSerial: string;
  readonly objectIdHex: string;
  readonly objectLabel: string;
  readonly certPem: string;
  readonly sha256Fingerprint: string;
}

export interface CertificateRegistryOptions {
  /** The environment's certificate folder (registry.json + encrypted .p12 blobs). */
  readonly dir: string;
  readonly secretStore: SecretStore;
  readonly now: () => number;
}

/**
 * The certificate registry of one environment (docs/architecture.md §6, Bitwarden's mTLS store): a versioned JSON with a
 * revision, validated on load, written atomically, every mutation serialised through one queue. PKCS#12 bytes are
 * stored AES-256-GCM encrypted under a key kept in the secret store; passwords only if the referent asks.
 */
export class CertificateRegistry {
  private readonly queue = new SerialQueue();
  private readonly filePath: string;

  constructor(private readonly options: CertificateRegistryOptions) {
    this.filePath = join(options.dir, REGISTRY_FILE);
  }

  /** Current revision (incremented by each mutation). */
  revision(): number {
    return this.load().revision;
  }

  list(): CertificateSummary[] {
    return this.load().certificates.map((e) => this.toSummary(e));
  }

  get(id: string): CertificateSummary {
    return this.toSummary(this.entry(id));
  }

  /** Imports a .p12/.pfx after a full check against the environment's trust anchors. */
  importPkcs12(input: {
    bytes: Buffer;
    password: string;
    rememberPassword: boolean;
    trustAnchorsPem: readonly string[];
    label?: string;
  }): Promise<CertificateSummary> {
    return this.queue.run(async () => {
      const contents = readPkcs12(input.bytes, input.password);
      validateClientCertificate(contents, { trustAnchorsPem: input.trustAnchorsPem, now: this.options.now() });
      const registry = this.load();
      const fingerprint = contents.leaf.metadata.sha256Fingerprint;
      const existing = registry.certificates.find((e) => e.metadata.sha256Fingerprint === fingerprint);
      const id = existing?.id ?? randomUUID();
      const blobFile = `${id}.p12.enc`;
      const key = await this.registryKey();
      try {
        writeFileAtomicSync(
          join(this.options.dir, blobFile),
          aesGcmEncrypt(key, contents.normalizedP12, Buffer.from(id)),
        );
      } finally {
        key.fill(0);
        contents.normalizedP12.fill(0);
      }
      if (input.rememberPassword) await this.options.secretStore.set(passwordSecretName(id), input.password);
      else await this.options.secretStore.delete(passwordSecretName(id));
      const entry: RegistryEntry = {
        id,
        source: 'file',
        label: input.label?.trim() || contents.leaf.metadata.subjectCommonName || contents.leaf.metadata.subject,
        importedAt: new Date(this.options.now()).toISOString(),
        metadata: { ...contents.leaf.metadata } as RegistryEntry['metadata'],
        certPem: contents.leaf.pem,
        blobFile,
        passwordRemembered: input.rememberPassword,
      };
      this.save({
        ...registry,
        certificates: [...registry.certificates.filter((e) => e.id !== id), entry],
      });
      return this.toSummary(entry);
    });
  }

  /** Registers a certificate read from a smart card (only metadata and the key's object id are kept). */
  registerSmartCard(input: {
    modulePath: string;
    certificate: SmartCardCertificate;
    certPem: string;
    label?: string;
  }): Promise<CertificateSummary> {
    return this.queue.run(() => {
      const parsed = parseCertificate(input.certPem);
      const registry = this.load();
      const existing = registry.certificates.find(
        (e) => e.metadata.sha256Fingerprint === parsed.metadata.sha256Fingerprint,
      );
      const id = existing?.id ?? randomUUID();
      const entry: RegistryEntry = {
        id,
        source: 'pkcs11',
        label: input.label?.trim() || parsed.metadata.subjectCommonName || parsed.metadata.subject,
        importedAt: new Date(this.options.now()).toISOString(),
        metadata: { ...parsed.metadata } as RegistryEntry['metadata'],
        certPem: parsed.pem,
        passwordRemembered: false,
        pkcs11: {
          modulePath: input.modulePath,
          tokenLabel: input.certificate.tokenLabel,
          tokenSerial: input.certificate.tokenSerial,
          objectIdHex: input.certificate.objectIdHex,
          objectLabel: input.certificate.objectLabel,
        },
      };
      this.save({ ...registry, certificates: [...registry.certificates.filter((e) => e.id !== id), entry] });
      return this.toSummary(entry);
    });
  }

  delete(id: string): Promise<void> {
    return this.queue.run(async () => {
      const registry = this.load();
      const entry = registry.certificates.find((e) => e.id === id);
      if (!entry) throw notFound();
      this.save({ ...registry, certificates: registry.certificates.filter((e) => e.id !== id) });
      if (entry.blobFile) rmSync(join(this.options.dir, entry.blobFile), { force: true });
      await this.options.secretStore.delete(passwordSecretName(id));
    });
  }

  /** Remembers (or forgets, with undefined) the password of a file certificate after checking it opens the file. */
  setRememberedPassword(id: string, password: string | undefined): Promise<CertificateSummary> {
    return this.queue.run(async () => {
      const registry = this.load();
      const entry = registry.certificates.find((e) => e.id === id);
      if (!entry || entry.source !== 'file') throw notFound();
      if (password !== undefined) {
        const p12 = await this.decryptBlob(entry);
        try {
          readPkcs12(p12, password);
        } finally {
          p12.fill(0);
        }
        await this.options.secretStore.set(passwordSecretName(id), password);
      } else {
        await this.options.secretStore.delete(passwordSecretName(id));
      }
      const updated: RegistryEntry = { ...entry, passwordRemembered: password !== undefined };
      this.save({ ...registry, certificates: registry.certificates.map((e) => (e.id === id ? updated : e)) });
      return this.toSummary(updated);
    });
  }

  /**
   * The material the Node transport needs for a file certificate (main process only; the caller zero-fills p12
   * after use). `password` overrides the remembered one; CERT_PASSWORD_REQUIRED when neither is available.
   */
  async loadFileCredentials(id: string, password?: string): Promise<{ p12: Buffer; password: string }> {
    const entry = this.entry(id);
    if (entry.source !== 'file') throw notFound();
    const remembered = password === undefined ? await this.options.secretStore.get(passwordSecretName(id)) : undefined;
    const effective = password ?? remembered?.toString('utf8');
    remembered?.fill(0);
    if (effective === undefined) {
      throw new AppError('CERT_PASSWORD_REQUIRED', 'Saisissez le mot de passe du certificat pour vous connecter.');
    }
    const p12 = await this.decryptBlob(entry);
    // Fail here with the right code rather than deep inside TLS (OpenSSL's own check: a few ms, no re-encoding).
    try {
      createSecureContext({ pfx: p12, passphrase: effective });
    } catch (e) {
      p12.fill(0);
      throw mapSecureContextError(e);
    }
    return { p12, password: effective };
  }

  smartCardReference(id: string): SmartCardReference {
    const entry = this.entry(id);
    if (entry.source !== 'pkcs11' || !entry.pkcs11) throw notFound();
    return { ...entry.pkcs11, certPem: entry.certPem, sha256Fingerprint: entry.metadata.sha256Fingerprint };
  }

  /** Certificate PEM (public) of any entry, e.g. for Chromium's select-client-certificate matching. */
  certificatePem(id: string): string {
    return this.entry(id).certPem;
  }

  private entry(id: string): RegistryEntry {
    const entry = this.load().certificates.find((e) => e.id === id);
    if (!entry) throw notFound();
    return entry;
  }

  private toSummary(e: RegistryEntry): CertificateSummary {
    const metadata = e.metadata as CertificateMetadata;
    return {
      ...metadata,
      id: e.id,
      source: e.source,
      label: e.label,
      importedAt: e.importedAt,
      passwordRemembered: e.passwordRemembered,
      ...(e.pkcs11 ? { tokenLabel: e.pkcs11.tokenLabel } : {}),
      expiry: expiryWarning(metadata, this.options.now()),
    };
  }

  private load(): RegistryFile {
    if (!existsSync(this.filePath)) return { version: REGISTRY_VERSION, revision: 0, certificates: [] };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.filePath, 'utf8'));
    } catch {
      throw unreadable('json');
    }
    const parsed = registrySchema.safeParse(raw);
    if (!parsed.success) throw unreadable(parsed.error.issues[0]?.path.join('.') ?? 'schema');
    return parsed.data;
  }

  private save(registry: RegistryFile): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    const onDisk = this.load();
    // Optimistic concurrency: mutations read, change and write inside the queue; a revision that moved meanwhile
    // means another writer (another instance of the app) touched the file.
    if (onDisk.revision !== registry.revision) {
      throw new AppError(
        'CERT_REGISTRY_UNREADABLE',
        'La liste des certificats a été modifiée en même temps par une autre fenêtre : recommencez.',
        `revision ${registry.revision} ≠ ${onDisk.revision}`,
      );
    }
    writeFileAtomicSync(this.filePath, JSON.stringify({ ...registry, revision: registry.revision + 1 }, null, 2));
  }

  private async registryKey(): Promise<Buffer> {
    const existing = await this.options.secretStore.get(REGISTRY_KEY_SECRET);
    if (existing && existing.length === AES_KEY_BYTES) return existing;
    if (existing || this.load().certificates.some((e) => e.blobFile)) {
      throw new AppError(
        'SECRET_STORE_UNREADABLE',
        'La clé de chiffrement des certificats est introuvable : réimportez vos certificats.',
      );
    }
    const key = randomBytes(AES_KEY_BYTES);
    await this.options.secretStore.set(REGISTRY_KEY_SECRET, key);
    return key;
  }

  private async decryptBlob(entry: RegistryEntry): Promise<Buffer> {
    if (!entry.blobFile) throw notFound();
    const key = await this.registryKey();
    try {
      return aesGcmDecrypt(key, readFileSync(join(this.options.dir, entry.blobFile)), Buffer.from(entry.id));
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('CERT_UNREADABLE', 'Le fichier chiffré de ce certificat est illisible : réimportez-le.');
    } finally {
      key.fill(0);
    }
  }
}

function notFound(): AppError {
  return new AppError('CERT_NOT_FOUND', 'Ce certificat n’est plus dans la liste.');
}

function unreadable(detail: string): AppError {
  return new AppError('CERT_REGISTRY_UNREADABLE', 'La liste des certificats est illisible ou endommagée.', detail);
}
