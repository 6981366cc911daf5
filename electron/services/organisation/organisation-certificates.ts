/**
 * The organisation's certificate store (docs/decisions.md « The organisation's certificate lives in its PostgreSQL », README « Mode organisation »): the IGC-Santé
 * organisation certificate (.p12) lives in the organisation's PostgreSQL so that any workstation allowed to sync, or
 * the `serve` service, can use it — sealed so that the database alone opens nothing:
 *   organisation key (32 random bytes, a key file the IT deploys; never in the database)
 *     └ wraps a data key per certificate (AES-256-GCM, associated data: row id + key id)
 *         └ seals the normalised .p12 and its password (AES-256-GCM, associated data: row id + what it is).
 * The sync and coordinator roles read the sealed columns, referents only the public ones (grants of migration 0008).
 * A workstation without the key file, or with another organisation's key, is simply not eligible to sync.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type { CertificateMetadata, ExpiryWarning } from '@shared/domain/certificates';
import { AppError, isAppError } from '@shared/errors/app-error';
import { expiryWarning } from '../certs/certificate-metadata';
import { readPkcs12, validateClientCertificate } from '../certs/pkcs12-file';
import { mapSecureContextError } from '../certs/secure-context-error';
import { ORGANISATION_CERTIFICATE_PUBLIC_COLUMNS } from '../db/postgres/migrations/0008-organisation-certificates';
import type { SqlExecutor } from '../db/sql/sql-database';
import { AES_KEY_BYTES, aesGcmDecrypt, aesGcmEncrypt } from '../secrets/secret-cipher';

/** Environment variable naming the organisation key file (else `<data folder>/organisation.key`). */
export const ORGANISATION_KEY_FILE_ENV = 'REFERENT_VT_ORGANISATION_KEY_FILE';
export const ORGANISATION_KEY_FILE_NAME = 'organisation.key';
const KEY_ID_LABEL = 'referent-vt/organisation-key-id/v1';

/** The organisation key as loaded on this workstation: its bytes (zero-fill after use) and its public id. */
export interface OrganisationKey {
  readonly bytes: Buffer;
  /** HMAC-SHA256(key, label), 16 hex: names the key in the table without revealing it. */
  readonly id: string;
}

export interface OrganisationCertificateSummary extends Pick<
  CertificateMetadata,
  'subject' | 'subjectCommonName' | 'finessEj' | 'issuer' | 'serialNumber' | 'notBefore' | 'notAfter'
> {
  readonly id: string;
  readonly label: string;
  readonly sha256Fingerprint: string;
  /** The organisation key that wraps it (compare with this workstation's key id). */
  readonly keyId: string;
  readonly importedAt: string;
  readonly importedBy: string;
  readonly expiry: ExpiryWarning;
}

/** What the transport needs (main process only; the caller zero-fills p12 after use). */
export interface UnlockedOrganisationCertificate {
  readonly certificate: OrganisationCertificateSummary;
  readonly p12: Buffer;
  readonly password: string;
}

/** The answer to the election's question « may this workstation sync with the organisation's certificate? ». */
export type OrganisationCertificateEligibility =
  | { readonly usable: true; readonly certificate: OrganisationCertificateSummary }
  | {
      readonly usable: false;
      readonly reason: 'no-key' | 'no-certificate' | 'expired' | 'wrong-key' | 'forbidden' | 'unreadable';
      /** French, for the Synchronisation screen. */
      readonly message: string;
    };

interface CertificateRow {
  id: string;
  label: string;
  finessEj: string | null;
  subject: string;
  subjectCommonName: string | null;
  issuer: string;
  serialNumber: string;
  sha256Fingerprint: string;
  notBefore: string;
  notAfter: string;
  keyId: string;
  importedAt: string;
  importedBy: string;
}

interface SealedRow extends CertificateRow {
  wrappedDataKey: string;
  sealedP12: string;
  sealedPassword: string;
}

const camel = (column: string): string => column.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const PUBLIC_SELECT = ORGANISATION_CERTIFICATE_PUBLIC_COLUMNS.filter((c) => c !== 'cert_pem')
  .map((c) => `${c} AS "${camel(c)}"`)
  .join(', ');
const SEALED_SELECT = `${PUBLIC_SELECT}, wrapped_data_key AS "wrappedDataKey", sealed_p12 AS "sealedP12",
  sealed_password AS "sealedPassword"`;

// ---------------------------------------------------------------------------------------------------------------
// The organisation key

export function organisationKeyId(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL).digest('hex').slice(0, 16);
}

/** Where this workstation (or the serve host) looks for the organisation key. */
export function organisationKeyPath(dataRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env[ORGANISATION_KEY_FILE_ENV] ?? path.join(dataRoot, ORGANISATION_KEY_FILE_NAME));
}

/** A new organisation key in a new 0600 file (never overwrites one: that would orphan every sealed certificate). */
export function createOrganisationKeyFile(file: string): OrganisationKey {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const bytes = randomBytes(AES_KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AppError(
        'INVALID_INPUT',
        `Un fichier de clé de l’organisation existe déjà ici (${path.basename(file)}) : il n’est pas remplacé.`,
      );
    }
    throw e;
  }
  try {
    writeSync(fd, bytes.toString('base64') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes, id: organisationKeyId(bytes) };
}

/** The organisation key of this workstation, or undefined when the IT has not deployed it here. */
export function readOrganisationKeyFile(file: string): OrganisationKey | undefined {
  if (!existsSync(file)) return undefined;
  const bytes = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (bytes.length !== AES_KEY_BYTES) {
    throw new AppError(
      'ORG_CERT_KEY_INVALID',
      'Le fichier de clé de l’organisation de ce poste est endommagé : demandez-en une copie au service informatique.',
      path.basename(file),
    );
  }
  if (process.platform !== 'win32') chmodSync(file, 0o600);
  return { bytes, id: organisationKeyId(bytes) };
}

// ---------------------------------------------------------------------------------------------------------------
// Import, list, delete (admin), rewrap (rotation)

/**
 * Imports (or replaces, same fingerprint) the organisation's certificate after the full check a desk certificate
 * gets (password, key match, validity, clientAuth, chain to the environment's trust anchors). Admin connection.
 */
export async function importOrganisationCertificate(
  db: SqlExecutor,
  input: {
    bytes: Buffer;
    password: string;
    key: OrganisationKey;
    trustAnchorsPem: readonly string[];
    now: number;
    label?: string;
  },
): Promise<OrganisationCertificateSummary> {
  const contents = readPkcs12(input.bytes, input.password);
  const dataKey = randomBytes(AES_KEY_BYTES);
  try {
    validateClientCertificate(contents, { trustAnchorsPem: input.trustAnchorsPem, now: input.now });
    const m = contents.leaf.metadata;
    const existing = await db.value<string>('SELECT id FROM organisation_certificate WHERE sha256_fingerprint = ?', [
      m.sha256Fingerprint,
    ]);
    const id = existing ?? randomUUID();
    const sealed = {
      wrapped: aesGcmEncrypt(input.key.bytes, dataKey, wrapContext(id, input.key.id)).toString('base64'),
      p12: aesGcmEncrypt(dataKey, contents.normalizedP12, sealContext(id, 'p12')).toString('base64'),
      password: aesGcmEncrypt(dataKey, Buffer.from(input.password, 'utf8'), sealContext(id, 'password')).toString(
        'base64',
      ),
    };
    const row = [
      input.label?.trim() || m.subjectCommonName || m.subject,
      m.finessEj ?? null,
      m.subject,
      m.subjectCommonName ?? null,
      m.issuer,
      m.serialNumber,
      m.notBefore,
      m.notAfter,
      contents.leaf.pem,
      input.key.id,
      sealed.wrapped,
      sealed.p12,
      sealed.password,
      new Date(input.now).toISOString(),
    ];
    if (existing) {
      await db.run(
        `UPDATE organisation_certificate SET label = ?, finess_ej = ?, subject = ?, subject_common_name = ?,
           issuer = ?, serial_number = ?, not_before = ?, not_after = ?, cert_pem = ?, key_id = ?,
           wrapped_data_key = ?, sealed_p12 = ?, sealed_password = ?, imported_at = ?, imported_by = current_user
         WHERE id = ?`,
        [...row, id],
      );
    } else {
      await db.run(
        `INSERT INTO organisation_certificate (id, label, finess_ej, subject, subject_common_name, issuer,
           serial_number, sha256_fingerprint, not_before, not_after, cert_pem, key_id, wrapped_data_key, sealed_p12,
           sealed_password, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, row[0], row[1], row[2], row[3], row[4], row[5], m.sha256Fingerprint, ...row.slice(6)],
      );
    }
    await journalCertificate(db, input.now, 'Import du certificat de l’organisation', id);
    return (await listOrganisationCertificates(db, input.now)).find((c) => c.id === id)!;
  } catch (e) {
    throw asStoreError(e);
  } finally {
    dataKey.fill(0);
    contents.normalizedP12.fill(0);
  }
}

/** The certificates (public columns only: any member may list them), the one expiring last first. */
export async function listOrganisationCertificates(
  db: SqlExecutor,
  now: number,
): Promise<OrganisationCertificateSummary[]> {
  const rows = await db
    .all<CertificateRow>(`SELECT ${PUBLIC_SELECT} FROM organisation_certificate ORDER BY not_after DESC, id`)
    .catch((e: unknown) => {
      throw asStoreError(e);
    });
  return rows.map((r) => toSummary(r, now));
}

export async function deleteOrganisationCertificate(db: SqlExecutor, id: string): Promise<void> {
  const { changes } = await db.run('DELETE FROM organisation_certificate WHERE id = ?', [id]).catch((e: unknown) => {
    throw asStoreError(e);
  });
  if (changes === 0) throw new AppError('CERT_NOT_FOUND', 'Ce certificat n’est plus dans la liste.');
  await journalCertificate(db, Date.now(), 'Suppression du certificat de l’organisation', id);
}

/**
 * Rotation of the organisation key: rewraps every data key from `from` to `to` (the sealed .p12 are untouched).
 * One transaction: either every certificate moves to the new key or none does. Returns how many were rewrapped.
 */
export async function rewrapOrganisationCertificates(
  db: SqlExecutor,
  from: OrganisationKey,
  to: OrganisationKey,
): Promise<number> {
  const rows = await db.all<SealedRow>(`SELECT ${SEALED_SELECT} FROM organisation_certificate WHERE key_id = ?`, [
    from.id,
  ]);
  for (const row of rows) {
    const dataKey = unwrapDataKey(row, from);
    try {
      const wrapped = aesGcmEncrypt(to.bytes, dataKey, wrapContext(row.id, to.id)).toString('base64');
      await db.run('UPDATE organisation_certificate SET key_id = ?, wrapped_data_key = ? WHERE id = ? AND key_id = ?', [
        to.id,
        wrapped,
        row.id,
        from.id,
      ]);
    } finally {
      dataKey.fill(0);
    }
  }
  if (rows.length > 0) {
    await journalCertificate(db, Date.now(), `Changement de clé de l’organisation (${from.id} → ${to.id})`, to.id);
  }
  return rows.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Use on a workstation (sync, serve)

/**
 * Opens the organisation certificate for this workstation: the currently valid one of `finessEj` (any EJ when
 * omitted) that expires last, or the one whose id is given. Needs a sync or coordinator connection and the key.
 */
export async function unlockOrganisationCertificate(
  db: SqlExecutor,
  key: OrganisationKey | undefined,
  options: { now: number; finessEj?: string; id?: string },
): Promise<UnlockedOrganisationCertificate> {
  if (!key) throw missingKey();
  const rows = await db
    .all<SealedRow>(`SELECT ${SEALED_SELECT} FROM organisation_certificate ORDER BY not_after DESC, id`)
    .catch((e: unknown) => {
      throw asStoreError(e);
    });
  const candidates = rows.filter(
    (r) => (options.id === undefined || r.id === options.id) && (!options.finessEj || r.finessEj === options.finessEj),
  );
  if (candidates.length === 0) {
    throw new AppError(
      'ORG_CERT_NONE',
      options.finessEj
        ? `Aucun certificat de l’organisation n’est enregistré pour l’EJ ${options.finessEj}.`
        : 'Aucun certificat de l’organisation n’est enregistré dans la base.',
    );
  }
  const valid = candidates.filter(
    (r) => Date.parse(r.notBefore) <= options.now && options.now < Date.parse(r.notAfter),
  );
  const row = valid.find((r) => r.keyId === key.id) ?? valid[0];
  if (!row) {
    throw new AppError(
      'CERT_EXPIRED',
      `Le certificat de l’organisation a expiré le ${frenchDate(candidates[0]!.notAfter)} : ` +
        'l’administrateur doit importer le nouveau.',
    );
  }
  const dataKey = unwrapDataKey(row, key);
  let p12: Buffer | undefined;
  let passwordBytes: Buffer | undefined;
  try {
    p12 = aesGcmDecrypt(dataKey, Buffer.from(row.sealedP12, 'base64'), sealContext(row.id, 'p12'));
    passwordBytes = aesGcmDecrypt(dataKey, Buffer.from(row.sealedPassword, 'base64'), sealContext(row.id, 'password'));
  } catch {
    p12?.fill(0);
    throw damaged();
  } finally {
    dataKey.fill(0);
  }
  const password = passwordBytes.toString('utf8');
  passwordBytes.fill(0);
  try {
    createSecureContext({ pfx: p12, passphrase: password });
  } catch (e) {
    p12.fill(0);
    throw mapSecureContextError(e);
  }
  return { certificate: toSummary(row, options.now), p12, password };
}

/**
 * Whether this workstation may sync with the organisation's certificate: it holds the key, its account may read the
 * sealed certificate, and a valid certificate opens with it. Never throws for those reasons: it says why not.
 */
export async function organisationCertificateEligibility(
  db: SqlExecutor,
  key: OrganisationKey | undefined,
  options: { now: number; finessEj?: string },
): Promise<OrganisationCertificateEligibility> {
  try {
    const unlocked = await unlockOrganisationCertificate(db, key, options);
    unlocked.p12.fill(0);
    return { usable: true, certificate: unlocked.certificate };
  } catch (e) {
    if (!isAppError(e)) throw e;
    const reason = INELIGIBLE_BECAUSE[e.code];
    if (!reason && e.code.startsWith('DB_') && e.code !== 'DB_PERMISSION_DENIED') throw e; // the server, not us
    return { usable: false, reason: reason ?? 'unreadable', message: e.message };
  }
}

/** Desk-certificate refusals after which a workstation in organisation mode falls back to the organisation's. */
export const DESK_CERTIFICATE_UNAVAILABLE: readonly string[] = [
  'CERT_NOT_FOUND',
  'CERT_PASSWORD_REQUIRED',
  'PKCS11_PIN_INCORRECT',
];

/**
 * The organisation's certificate as the sync's transport takes it (a workstation whose desk has no usable
 * certificate, or `serve`): the key file of `dataRoot` opens it; the caller zero-fills `p12` once the transport is
 * built. Throws the French AppError that says why not (no key, wrong key, forbidden, none, expired).
 */
export async function organisationTransportCertificate(
  db: SqlExecutor,
  dataRoot: string,
  now: number,
): Promise<{
  clientCertificate: { kind: 'p12'; p12: Buffer; password: string };
  legalEntity: { finessEj: string; name: string } | undefined;
}> {
  const key = readOrganisationKeyFile(organisationKeyPath(dataRoot));
  try {
    const { certificate, p12, password } = await unlockOrganisationCertificate(db, key, { now });
    const organisationName = /(?:^|, )O=([^,]+)/.exec(certificate.subject)?.[1];
    return {
      clientCertificate: { kind: 'p12', p12, password },
      legalEntity: certificate.finessEj
        ? { finessEj: certificate.finessEj, name: organisationName ?? certificate.label }
        : undefined,
    };
  } finally {
    key?.bytes.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------------------------

type IneligibleReason = Extract<OrganisationCertificateEligibility, { usable: false }>['reason'];
const INELIGIBLE_BECAUSE: Partial<Record<string, IneligibleReason>> = {
  ORG_CERT_KEY_MISSING: 'no-key',
  ORG_CERT_KEY_INVALID: 'no-key',
  ORG_CERT_NONE: 'no-certificate',
  CERT_EXPIRED: 'expired',
  ORG_CERT_WRONG_KEY: 'wrong-key',
  ORG_CERT_FORBIDDEN: 'forbidden',
};

// ---------------------------------------------------------------------------------------------------------------

function unwrapDataKey(row: SealedRow, key: OrganisationKey): Buffer {
  if (row.keyId !== key.id) {
    throw new AppError(
      'ORG_CERT_WRONG_KEY',
      'La clé de l’organisation présente sur ce poste ne correspond pas à celle qui protège le certificat ' +
        `« ${row.label} » : ce poste ne peut pas synchroniser. Demandez au service informatique le fichier de ` +
        'clé en vigueur.',
      `clé du poste ${key.id}, clé du certificat ${row.keyId}`,
    );
  }
  try {
    return aesGcmDecrypt(key.bytes, Buffer.from(row.wrappedDataKey, 'base64'), wrapContext(row.id, key.id));
  } catch {
    throw damaged();
  }
}

/** The administrator's changes to the store, in the journal (author: the connected role); never any secret. */
async function journalCertificate(db: SqlExecutor, at: number, action: string, recordId: string): Promise<void> {
  await db.run(
    `INSERT INTO journal (at, actor, action, record_type, record_id, outcome)
     VALUES (?, 'utilisateur', ?, 'certificat', ?, 'succès')`,
    [new Date(at).toISOString(), action, recordId],
  );
}

const wrapContext = (id: string, keyId: string): Buffer => Buffer.from(`organisation-certificate/${id}/key/${keyId}`);
const sealContext = (id: string, what: 'p12' | 'password'): Buffer =>
  Buffer.from(`organisation-certificate/${id}/${what}`);

function toSummary(r: CertificateRow, now: number): OrganisationCertificateSummary {
  return {
    id: r.id,
    label: r.label,
    subject: r.subject,
    subjectCommonName: r.subjectCommonName ?? undefined,
    finessEj: r.finessEj ?? undefined,
    issuer: r.issuer,
    serialNumber: r.serialNumber,
    sha256Fingerprint: r.sha256Fingerprint,
    notBefore: r.notBefore,
    notAfter: r.notAfter,
    keyId: r.keyId,
    importedAt: r.importedAt,
    importedBy: r.importedBy,
    expiry: expiryWarning(r, now),
  };
}

function missingKey(): AppError {
  return new AppError(
    'ORG_CERT_KEY_MISSING',
    'Ce poste n’a pas la clé de l’organisation : il ne peut pas synchroniser avec le certificat de l’organisation. ' +
      'Le service informatique la dépose sur les postes autorisés (voir « Mode organisation »).',
  );
}

function damaged(): AppError {
  return new AppError(
    'CERT_UNREADABLE',
    'Le certificat de l’organisation enregistré dans la base est endommagé : l’administrateur doit le réimporter.',
  );
}

/** The server's refusal of the sealed columns says who may read them. */
function asStoreError(e: unknown): unknown {
  if (isAppError(e) && e.code === 'DB_PERMISSION_DENIED') {
    return new AppError(
      'ORG_CERT_FORBIDDEN',
      'Votre compte ne peut pas utiliser le certificat de l’organisation : il est réservé aux comptes de ' +
        'synchronisation, de coordination et d’administration.',
      e.detail,
    );
  }
  return e;
}

function frenchDate(iso: string): string {
  return new Date(iso).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
}
