/**
 * Where the desk keeps its data (Paramètres › Organisation): "Poste seul", its own encrypted SQLite (the default),
 * or "Organisation", the organisation's PostgreSQL server. One file per environment, `<dataDir>/organisation.json`,
 * holding nothing secret: the server's address, the account's name and the organisation's CA (a public
 * certificate). The password is kept in the environment's secret store like the OAuth2 client secret (safeStorage
 * under Electron, key file elsewhere), never in this file, never in a response, never in a log.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { EnvironmentId } from '@shared/domain/environments';
import { AppError } from '@shared/errors/app-error';
import type {
  OrganisationCaSummary,
  OrganisationSettingsSummary,
  OrganisationSettingsUpdate,
  StoreMode,
} from '@shared/ipc/channels/organisation-channels';
import type { StoreLocation } from '../db/open-store';
import type { PostgresConnectionOptions } from '../db/postgres/postgres-connection';
import { environmentPaths } from '../environments/environment-store';
import { SerialQueue, writeFileAtomicSync } from '../secrets/atomic-file';
import type { SecretStore } from '../secrets/file-secret-store';

/** Secret-store name of the PostgreSQL account's password (each environment has its own secret store). */
export const ORGANISATION_PASSWORD_NAME = 'organisation-postgres-password';

export const DEFAULT_POSTGRES_PORT = 5432;
export const DEFAULT_ORGANISATION_SCHEMA = 'referent_vt';

/** PostgreSQL names (database, role, schema) as the organisation's admin creates them: no quoting games. */
const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
/** A DNS name or an IPv4/IPv6 address; a path starting with "/" is a local Unix socket folder (tests, same host). */
const HOST = /^(\/[^\0]{0,200}|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]{2,45}\]?)$/;

const postgresSchema = z.object({
  host: z.string().regex(HOST),
  port: z.number().int().min(1).max(65_535),
  database: z.string().regex(SQL_NAME),
  user: z.string().regex(SQL_NAME),
  schema: z.string().regex(SQL_NAME).optional(),
  /** The organisation's CA, PEM (one or more certificates). */
  caPem: z.string().max(200_000).optional(),
});
const fileSchema = z.object({
  version: z.literal(1),
  mode: z.enum(['poste', 'organisation']),
  postgres: postgresSchema.optional(),
});
type SettingsFile = z.infer<typeof fileSchema>;
export type OrganisationServer = z.infer<typeof postgresSchema>;

const DEFAULT_FILE: SettingsFile = { version: 1, mode: 'poste' };

export function organisationSettingsFile(dataRoot: string, environment: EnvironmentId): string {
  return join(environmentPaths(dataRoot, environment).dataDir, 'organisation.json');
}

/** The organisation settings of one environment. Writes go through one queue (no lost update). */
export class OrganisationSettingsStore {
  private readonly queue = new SerialQueue();
  readonly filePath: string;

  constructor(
    dataRoot: string,
    environment: EnvironmentId,
    private readonly secrets: SecretStore,
  ) {
    this.filePath = organisationSettingsFile(dataRoot, environment);
  }

  mode(): StoreMode {
    return this.load().mode;
  }

  server(): OrganisationServer | undefined {
    return this.load().postgres;
  }

  async describe(): Promise<OrganisationSettingsSummary> {
    const { file, damaged } = this.loadForRepair();
    const password = await this.secrets.get(ORGANISATION_PASSWORD_NAME);
    const passwordSet = password !== undefined && password.length > 0;
    password?.fill(0);
    return { ...summarise(file, passwordSet), ...(damaged ? { settingsDamaged: true } : {}) };
  }

  /**
   * Saves what the referent typed. The CA arrives as the file's bytes (never a path); the password is write-only.
   * Choosing "Organisation" requires a complete server (address, account, CA unless on a local socket, password):
   * the mode takes effect at the next start.
   */
  update(update: OrganisationSettingsUpdate): Promise<OrganisationSettingsSummary> {
    return this.queue.run(async () => {
      // A damaged file must not lock the referent out of the screen that repairs it: saving starts afresh.
      const { file, damaged } = this.loadForRepair();
      const previous = file.postgres;
      const caPem =
        update.caFileBase64 !== undefined
          ? caPemFromBytes(Buffer.from(update.caFileBase64, 'base64'))
          : update.clearCa
            ? undefined
            : previous?.caPem;
      const hasServerFields =
        update.host !== undefined ||
        update.port !== undefined ||
        update.database !== undefined ||
        update.user !== undefined ||
        update.schema !== undefined ||
        caPem !== previous?.caPem;
      let postgres = previous;
      if (hasServerFields) {
        const candidate = {
          host: (update.host ?? previous?.host ?? '').trim(),
          port: update.port ?? previous?.port ?? DEFAULT_POSTGRES_PORT,
          database: (update.database ?? previous?.database ?? '').trim(),
          user: (update.user ?? previous?.user ?? '').trim(),
          ...((update.schema ?? previous?.schema) ? { schema: (update.schema ?? previous?.schema)?.trim() } : {}),
          ...(caPem !== undefined ? { caPem } : {}),
        };
        const parsed = postgresSchema.safeParse(candidate);
        if (!parsed.success) throw invalidServer(parsed.error.issues[0]?.path.join('.') ?? '');
        postgres = parsed.data;
      }
      if (update.password !== undefined) await this.secrets.set(ORGANISATION_PASSWORD_NAME, update.password);
      else if (update.clearPassword) await this.secrets.delete(ORGANISATION_PASSWORD_NAME);
      const mode = update.mode ?? file.mode;
      const next: SettingsFile = { version: 1, mode, ...(postgres ? { postgres } : {}) };
      if (mode === 'organisation') await this.connectionOptions(next);
      // Nothing already stored is lost: the unreadable file stays beside, for whoever wants to look at it.
      if (damaged) copyFileSync(this.filePath, `${this.filePath}.illisible`);
      writeFileAtomicSync(this.filePath, JSON.stringify(next, null, 2));
      return this.describe();
    });
  }

  /** How to reach the server (password read from the secret store); French refusal when something is missing. */
  async connectionOptions(file: SettingsFile = this.load()): Promise<PostgresConnectionOptions> {
    const server = checkedServer(file);
    const secret = await this.secrets.get(ORGANISATION_PASSWORD_NAME);
    if (!secret || secret.length === 0) {
      throw new AppError('ORG_PASSWORD_MISSING', 'Saisissez le mot de passe du compte de l’organisation.');
    }
    const password = secret.toString('utf8');
    secret.fill(0);
    return serverOptions(server, server.user, password);
  }

  /** The same server with another account (the organisation admin's, typed for this session only). */
  connectionOptionsAs(user: string, password: string): PostgresConnectionOptions {
    return serverOptions(checkedServer(this.load()), user, password);
  }

  /** The settings, or the default ones when the file is unreadable (`damaged`), for the screens that repair it. */
  private loadForRepair(): { file: SettingsFile; damaged: boolean } {
    try {
      return { file: this.load(), damaged: false };
    } catch (e) {
      if (e instanceof AppError && e.code === 'ORG_SETTINGS_INVALID') return { file: DEFAULT_FILE, damaged: true };
      throw e;
    }
  }

  private load(): SettingsFile {
    if (!existsSync(this.filePath)) return DEFAULT_FILE;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.filePath, 'utf8'));
    } catch {
      throw new AppError('ORG_SETTINGS_INVALID', 'Le fichier des réglages de l’organisation est illisible.', 'json');
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new AppError(
        'ORG_SETTINGS_INVALID',
        'Le fichier des réglages de l’organisation est illisible.',
        parsed.error.issues[0]?.path.join('.'),
      );
    }
    return parsed.data;
  }
}

/**
 * The store a session of this environment opens: the desk's encrypted SQLite ("Poste seul") or the organisation's
 * PostgreSQL ("Organisation"). Bootstrap, the CLI and the sync worker all go through here, so they never disagree.
 */
export async function storeLocationFor(
  dataRoot: string,
  environment: EnvironmentId,
  keys: {
    /** The 32-byte key of the desk's database file (safeStorage under Electron, key file elsewhere). */
    readonly databaseKey: (databaseFile: string) => Buffer;
    /** The environment's secret store, where the organisation password is kept. */
    readonly secrets: SecretStore;
  },
): Promise<StoreLocation> {
  const settings = new OrganisationSettingsStore(dataRoot, environment, keys.secrets);
  if (settings.mode() === 'organisation') return { kind: 'postgres', connection: await settings.connectionOptions() };
  const { databaseFile } = environmentPaths(dataRoot, environment);
  return { kind: 'sqlite', file: databaseFile, key: keys.databaseKey(databaseFile) };
}

/** The desk's own SQLite store, whatever the mode (the migration assistant reads it). */
export function deskStoreLocation(
  dataRoot: string,
  environment: EnvironmentId,
  databaseKey: (databaseFile: string) => Buffer,
): StoreLocation & { kind: 'sqlite' } {
  const { databaseFile } = environmentPaths(dataRoot, environment);
  return { kind: 'sqlite', file: databaseFile, key: databaseKey(databaseFile) };
}

/** A CA file as the referent chose it (PEM with one or more certificates, or one DER certificate) → PEM. */
export function caPemFromBytes(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/g);
  try {
    const certificates = blocks ? blocks.map((b) => new X509Certificate(b)) : [new X509Certificate(bytes)];
    if (certificates.length === 0) throw new Error('vide');
    if (!certificates.some((c) => c.ca)) {
      throw new AppError(
        'ORG_SETTINGS_INVALID',
        'Ce fichier contient un certificat de serveur, pas celui d’une autorité (AC) : demandez le certificat ' +
          'de l’autorité de l’organisation.',
      );
    }
    return certificates.map((c) => c.toString().trim()).join('\n') + '\n';
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(
      'ORG_SETTINGS_INVALID',
      'Ce fichier n’est pas un certificat d’autorité lisible (PEM ou DER attendu).',
    );
  }
}

function checkedServer(file: SettingsFile): OrganisationServer {
  const server = file.postgres;
  if (!server || server.host === '' || server.database === '' || server.user === '') {
    throw new AppError(
      'ORG_SETTINGS_INVALID',
      'Le serveur de l’organisation n’est pas renseigné : indiquez son adresse, la base et le compte.',
    );
  }
  if (!server.host.startsWith('/') && !server.caPem) {
    throw new AppError(
      'ORG_SETTINGS_INVALID',
      'Importez le certificat de l’autorité de l’organisation (AC) : la connexion au serveur est chiffrée et ' +
        'vérifiée (TLS verify-full).',
    );
  }
  return server;
}

function serverOptions(server: OrganisationServer, user: string, password: string): PostgresConnectionOptions {
  return {
    host: server.host,
    port: server.port,
    database: server.database,
    user,
    password,
    // TLS is required over the network; only a Unix socket on this very computer goes without it.
    tls:
      server.caPem && !server.host.startsWith('/') ? { mode: 'verify-full', caPem: server.caPem } : { mode: 'disable' },
    schema: server.schema ?? DEFAULT_ORGANISATION_SCHEMA,
  };
}

function summarise(file: SettingsFile, passwordSet: boolean): OrganisationSettingsSummary {
  const server = file.postgres;
  return {
    mode: file.mode,
    passwordSet,
    ...(server
      ? {
          server: {
            host: server.host,
            port: server.port,
            database: server.database,
            user: server.user,
            schema: server.schema ?? DEFAULT_ORGANISATION_SCHEMA,
            ca: server.caPem ? describeCa(server.caPem) : undefined,
            tls: server.host.startsWith('/') ? 'socket-local' : 'verify-full',
          },
        }
      : {}),
  };
}

function describeCa(pem: string): OrganisationCaSummary[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => {
    const c = new X509Certificate(b);
    return { subject: c.subject, validTo: new Date(c.validTo).toISOString(), sha256Fingerprint: c.fingerprint256 };
  });
}

function invalidServer(field: string): AppError {
  const what: Record<string, string> = {
    host: 'l’adresse du serveur (nom DNS ou adresse IP)',
    port: 'le port (1 à 65535)',
    database: 'le nom de la base (lettres, chiffres, _ ; 63 caractères au plus)',
    user: 'le compte (lettres, chiffres, _ ; 63 caractères au plus)',
    schema: 'le schéma (lettres, chiffres, _ ; 63 caractères au plus)',
    caPem: 'le certificat de l’autorité',
  };
  return new AppError('ORG_SETTINGS_INVALID', `Réglage invalide : vérifiez ${what[field] ?? 'les champs'}.`, field);
}
