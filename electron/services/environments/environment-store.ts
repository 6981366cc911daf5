import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_ENVIRONMENT_ID,
  ENVIRONMENT_IDS,
  type EnvironmentId,
  type EnvironmentSettings,
  type EnvironmentSummary,
} from '@shared/domain/environments';
import { DEFAULT_SDO_VERSION, SDO_VERSION_IDS, TERMINOLOGY_RELEASE_PATTERN } from '@shared/domain/sdo-versions';
import { AppError } from '@shared/errors/app-error';
import { SerialQueue, writeFileAtomicSync } from '../secrets/atomic-file';

/** Secret-store name of the OAuth2 client secret of an environment (each environment has its own secret store). */
export const CLIENT_SECRET_NAME = 'oauth-client-secret';

/**
 * Defaults. The URLs of the real ViaTrajectoire environments are not published (guide SDO 4.0.7, page Sécurité): they
 * stay empty until the referent types those given by ViaTrajectoire / GCS SARA. The local sandbox's URLs are filled in
 * by whoever starts it (its port is chosen at start).
 */
export const DEFAULT_ENVIRONMENTS: Readonly<Record<EnvironmentId, EnvironmentSettings>> = {
  'sandbox-local': {
    id: 'sandbox-local',
    label: 'Bac à sable local',
    fhirBaseUrl: '',
    tokenUrl: '',
    clientId: 'referent-vt',
    igVersion: DEFAULT_SDO_VERSION,
    proxy: { mode: 'none' },
  },
  'vt-qualification': {
    id: 'vt-qualification',
    label: 'ViaTrajectoire – bac à sable / qualification',
    fhirBaseUrl: '',
    tokenUrl: '',
    clientId: '',
    igVersion: DEFAULT_SDO_VERSION,
    proxy: { mode: 'system' },
  },
  production: {
    id: 'production',
    label: 'ViaTrajectoire – production',
    fhirBaseUrl: '',
    tokenUrl: '',
    clientId: '',
    igVersion: DEFAULT_SDO_VERSION,
    proxy: { mode: 'system' },
  },
};

/** Where one environment keeps its data: nothing is shared between environments. */
export interface EnvironmentPaths {
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly databaseKeyFile: string;
  readonly certificatesDir: string;
  readonly trustAnchorsDir: string;
  readonly secretsFile: string;
  /** Master key of the secret store when safeStorage is not used (outside Electron). */
  readonly secretsKeyFile: string;
  /** The PKCS#11 modules chosen for smart cards. */
  readonly smartCardModulesFile: string;
}

/** `<userData>/<environment id>/…`, beside `<userData>/environments.json`. */
export function environmentPaths(userDataDir: string, id: EnvironmentId): EnvironmentPaths {
  const dataDir = join(userDataDir, id);
  return {
    dataDir,
    databaseFile: join(dataDir, 'referent-vt.db'),
    databaseKeyFile: join(dataDir, 'referent-vt.db.key'),
    certificatesDir: join(dataDir, 'certificates'),
    trustAnchorsDir: join(dataDir, 'trust-anchors'),
    secretsFile: join(dataDir, 'secrets.json'),
    secretsKeyFile: join(dataDir, 'secrets.key'),
    smartCardModulesFile: join(dataDir, 'smartcard-modules.json'),
  };
}

const httpsUrl = z
  .string()
  .trim()
  .refine((v) => v === '' || isUrlWithProtocol(v, ['https:']), 'URL https attendue');
const proxySchema = z
  .object({
    mode: z.enum(['system', 'manual', 'none']),
    url: z
      .string()
      .trim()
      .refine((v) => isUrlWithProtocol(v, ['http:', 'https:']), 'URL de proxy http(s)://hôte:port attendue')
      .optional(),
  })
  .refine((p) => p.mode !== 'manual' || !!p.url, 'URL du proxy manquante');
const settingsSchema = z.object({
  id: z.enum(ENVIRONMENT_IDS),
  label: z.string().min(1),
  fhirBaseUrl: httpsUrl,
  tokenUrl: httpsUrl,
  clientId: z.string().trim(),
  igVersion: z.enum(SDO_VERSION_IDS),
  terminologyRelease: z.string().regex(TERMINOLOGY_RELEASE_PATTERN).optional(),
  proxy: proxySchema,
  certificateId: z.string().optional(),
});
const fileSchema = z.object({
  version: z.literal(1),
  revision: z.number().int().nonnegative(),
  active: z.enum(ENVIRONMENT_IDS),
  environments: z.partialRecord(z.enum(ENVIRONMENT_IDS), settingsSchema),
});
type EnvironmentsFile = z.infer<typeof fileSchema>;

/** `terminologyRelease: null` goes back to the release the guide pins. */
export type EnvironmentPatch = Partial<Omit<EnvironmentSettings, 'id' | 'label' | 'terminologyRelease'>> & {
  readonly terminologyRelease?: string | null;
};

/** The settings of the three environments and the active one, in `<userData>/environments.json`. */
export class EnvironmentStore {
  private readonly filePath: string;
  private readonly queue = new SerialQueue();

  constructor(private readonly userDataDir: string) {
    this.filePath = join(userDataDir, 'environments.json');
  }

  list(): EnvironmentSettings[] {
    const file = this.load();
    return ENVIRONMENT_IDS.map((id) => this.settingsOf(file, id));
  }

  get(id: EnvironmentId): EnvironmentSettings {
    return this.settingsOf(this.load(), id);
  }

  activeId(): EnvironmentId {
    return this.load().active;
  }

  paths(id: EnvironmentId): EnvironmentPaths {
    return environmentPaths(this.userDataDir, id);
  }

  setActive(id: EnvironmentId): Promise<void> {
    return this.queue.run(() => {
      const file = this.load();
      this.save({ ...file, active: id });
    });
  }

  update(id: EnvironmentId, patch: EnvironmentPatch): Promise<EnvironmentSettings> {
    return this.queue.run(() => {
      const file = this.load();
      const { terminologyRelease, ...rest } = patch;
      const merged: Record<string, unknown> = {
        ...this.settingsOf(file, id),
        ...rest,
        id,
        label: DEFAULT_ENVIRONMENTS[id].label,
      };
      if (terminologyRelease === null) delete merged.terminologyRelease;
      else if (terminologyRelease !== undefined) merged.terminologyRelease = terminologyRelease;
      const parsed = settingsSchema.safeParse(merged);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError(
          'INVALID_INPUT',
          `Réglage invalide pour ${DEFAULT_ENVIRONMENTS[id].label} : ${issue?.message ?? 'valeur refusée'}.`,
          issue?.path.join('.'),
        );
      }
      const settings = parsed.data as EnvironmentSettings;
      this.save({ ...file, environments: { ...file.environments, [id]: settings } });
      return settings;
    });
  }

  private settingsOf(file: EnvironmentsFile, id: EnvironmentId): EnvironmentSettings {
    return file.environments[id] ?? DEFAULT_ENVIRONMENTS[id];
  }

  private load(): EnvironmentsFile {
    if (!existsSync(this.filePath)) {
      return { version: 1, revision: 0, active: DEFAULT_ENVIRONMENT_ID, environments: {} };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.filePath, 'utf8'));
    } catch {
      throw new AppError('INVALID_INPUT', 'Le fichier des environnements est illisible.', 'json');
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new AppError(
        'INVALID_INPUT',
        'Le fichier des environnements est illisible.',
        parsed.error.issues[0]?.message,
      );
    }
    return parsed.data;
  }

  private save(file: EnvironmentsFile): void {
    writeFileAtomicSync(this.filePath, JSON.stringify({ ...file, revision: file.revision + 1 }, null, 2));
  }
}

/** The DTO the UI shows for an environment. */
export function describeEnvironment(
  settings: EnvironmentSettings,
  state: { active: boolean; trustAnchorCount: number; clientSecretSet: boolean },
): EnvironmentSummary {
  const proxy =
    settings.proxy.url !== undefined
      ? { ...settings.proxy, url: redactProxyCredentials(settings.proxy.url) }
      : settings.proxy;
  return {
    ...settings,
    proxy,
    active: state.active,
    configured: settings.fhirBaseUrl !== '' && settings.tokenUrl !== '' && settings.certificateId !== undefined,
    trustAnchorCount: state.trustAnchorCount,
    clientSecretSet: state.clientSecretSet,
  };
}

export function redactProxyCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return '';
  }
}

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
