/**
 * The certificate store, trust anchors, secret store and environment settings of the session's environment, built
 * once by the composition (bootstrap.ts puts them in AppContext.connection; the CLI opens its own) and shared by the
 * certificate/environment handlers, the connection check and whoever builds the transport (sync). Everything lives
 * in the environment's own folder (ctx.dataDir): data never mix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ENVIRONMENT_IDS, type EnvironmentId, type EnvironmentSummary } from '@shared/domain/environments';
import { AppError } from '@shared/errors/app-error';
import { CertificateRegistry } from '../../certs/certificate-registry';
import { prepareCardClientCertificate } from '../../certs/pkcs11/card-key';
import { configurePkcs11Engine } from '../../certs/pkcs11/pkcs11-engine';
import { standardPkcs11ModulePaths } from '../../certs/pkcs11/module-locations';
import { TrustAnchorStore } from '../../certs/trust-anchor-store';
import {
  CLIENT_SECRET_NAME,
  describeEnvironment,
  environmentPaths,
  EnvironmentStore,
  type EnvironmentPaths,
} from '../../environments/environment-store';
import {
  createFileSecretStore,
  createKeyFileCipher,
  writeFileAtomicSync,
  type SecretCipher,
  type SecretStore,
} from '../../secrets';
import type { SdoEndpointConfig } from '../../transport/sdo-transport';
import type { NetworkSettings, NodeTransportConfig } from '../../transport/transport';

export interface ConnectionServices {
  readonly environmentId: EnvironmentId;
  readonly folders: EnvironmentPaths;
  readonly environments: EnvironmentStore;
  readonly registry: CertificateRegistry;
  readonly trustAnchors: TrustAnchorStore;
  readonly secrets: SecretStore;
  /** Card PINs entered in this session, by certificate id: memory only, gone at exit. */
  readonly sessionPins: Map<string, string>;
  /** PKCS#11 module files the operator chose (checked when chosen, and again before every load). */
  chosenSmartCardModules(): string[];
  setChosenSmartCardModules(paths: readonly string[]): void;
  /** The secret store and trust anchors of any environment (each in its own folder), e.g. to prepare production. */
  storesOf(id: EnvironmentId): { secrets: SecretStore; trustAnchors: TrustAnchorStore };
  /** The environment as the UI sees it (secret: set or not; proxy credentials masked). */
  describe(id?: EnvironmentId): Promise<EnvironmentSummary>;
}

/** Where the environment's secrets are protected: a 0600 key file by default, safeStorage when the shell says so. */
export type SecretCipherFactory = (folders: EnvironmentPaths) => SecretCipher;

const keyFileCipher: SecretCipherFactory = (folders) => createKeyFileCipher(folders.secretsKeyFile);

/** The environment id of a session, checked against the known ones. */
export function environmentIdOf(id: string): EnvironmentId {
  const found = ENVIRONMENT_IDS.find((e) => e === id);
  if (!found) throw new AppError('INVALID_INPUT', 'Environnement inconnu.', id);
  return found;
}

/**
 * The active environment recorded in `<dataRoot>/environments.json` (what environments:switch writes), as the
 * descriptor startApplication takes. Read at start: switching takes effect at the next launch.
 */
export function activeEnvironmentDescriptor(dataRoot: string): { id: EnvironmentId; label: string } {
  const store = new EnvironmentStore(dataRoot);
  try {
    const settings = store.get(store.activeId());
    return { id: settings.id, label: settings.label };
  } catch {
    const settings = store.get('sandbox-local');
    return { id: settings.id, label: settings.label };
  }
}

const modulesFileSchema = z.union([
  z.object({ version: z.literal(2), chosenPaths: z.array(z.string()) }),
  // Version 1 held the whole editable list, standard locations included.
  z.object({ version: z.literal(1), modulePaths: z.array(z.string()) }),
]);

export function openConnectionServices(options: {
  dataRoot: string;
  environmentId: EnvironmentId;
  now: () => Date;
  /** The Electron shell passes a safeStorage-backed cipher; elsewhere a key file protects the secrets. */
  secretCipher?: SecretCipherFactory;
}): ConnectionServices {
  const secretCipherFactory = options.secretCipher ?? keyFileCipher;
  const folders = environmentPaths(options.dataRoot, options.environmentId);
  const secrets = createFileSecretStore({
    filePath: folders.secretsFile,
    cipher: secretCipherFactory(folders),
  });
  const environments = new EnvironmentStore(options.dataRoot);
  const trustAnchors = new TrustAnchorStore(folders.trustAnchorsDir);
  const registry = new CertificateRegistry({
    dir: folders.certificatesDir,
    secretStore: secrets,
    now: () => options.now().getTime(),
  });

  const others = new Map<EnvironmentId, { secrets: SecretStore; trustAnchors: TrustAnchorStore }>();
  const storesOf = (id: EnvironmentId): { secrets: SecretStore; trustAnchors: TrustAnchorStore } => {
    if (id === options.environmentId) return { secrets, trustAnchors };
    let stores = others.get(id);
    if (!stores) {
      const otherFolders = environmentPaths(options.dataRoot, id);
      stores = {
        secrets: createFileSecretStore({
          filePath: otherFolders.secretsFile,
          cipher: secretCipherFactory(otherFolders),
        }),
        trustAnchors: new TrustAnchorStore(otherFolders.trustAnchorsDir),
      };
      others.set(id, stores);
    }
    return stores;
  };

  const chosenSmartCardModules = (): string[] => {
    if (!existsSync(folders.smartCardModulesFile)) return [];
    const parsed = modulesFileSchema.safeParse(safeJson(readFileSync(folders.smartCardModulesFile, 'utf8')));
    if (!parsed.success) return [];
    if (parsed.data.version === 2) return parsed.data.chosenPaths;
    const standard = standardPkcs11ModulePaths();
    return parsed.data.modulePaths.filter((p) => !standard.includes(p));
  };

  return {
    environmentId: options.environmentId,
    folders,
    environments,
    registry,
    trustAnchors,
    secrets,
    sessionPins: new Map(),
    chosenSmartCardModules,
    setChosenSmartCardModules(paths) {
      const chosenPaths = [...new Set(paths)];
      writeFileAtomicSync(folders.smartCardModulesFile, JSON.stringify({ version: 2, chosenPaths }, null, 2));
    },
    storesOf,
    async describe(id = options.environmentId) {
      const settings = environments.get(id);
      const stores = storesOf(id);
      const secret = await stores.secrets.get(CLIENT_SECRET_NAME);
      const clientSecretSet = secret !== undefined && secret.length > 0;
      secret?.fill(0);
      return describeEnvironment(settings, {
        active: environments.activeId() === id,
        trustAnchorCount: stores.trustAnchors.pems().length,
        clientSecretSet,
      });
    },
  };
}

/** The certificate chosen for the session's environment (CERT_NOT_FOUND when none is). */
export function chosenCertificateId(services: ConnectionServices): string {
  const { certificateId } = services.environments.get(services.environmentId);
  if (!certificateId) {
    throw new AppError('CERT_NOT_FOUND', 'Aucun certificat n’est choisi pour cet environnement : importez-en un.');
  }
  return certificateId;
}

/** What the SDO protocol needs of the session's environment: its URLs, the client id and secret. */
export async function endpointConfigFor(services: ConnectionServices): Promise<SdoEndpointConfig> {
  const settings = services.environments.get(services.environmentId);
  const secret = await services.secrets.get(CLIENT_SECRET_NAME);
  const clientSecret = secret?.toString('utf8') ?? '';
  secret?.fill(0);
  return { fhirBaseUrl: settings.fhirBaseUrl, tokenUrl: settings.tokenUrl, clientId: settings.clientId, clientSecret };
}

/** Where the session's environment sends its requests: the proxy setting and the CAs the server must chain to. */
export function networkSettingsFor(services: ConnectionServices): NetworkSettings {
  const settings = services.environments.get(services.environmentId);
  return {
    trustAnchorsPem: services.trustAnchors.pems(),
    proxyMode: settings.proxy.mode,
    ...(settings.proxy.mode === 'manual' && settings.proxy.url ? { proxyUrl: settings.proxy.url } : {}),
  };
}

/**
 * The transport configuration of the session's environment: URLs, client id and secret, the certificate material
 * (decrypted .p12 or card key URI with the session PIN) and the trust anchors. Main process only; the caller
 * zero-fills `clientCertificate.p12` once the transport is built.
 */
export async function transportConfigFor(
  services: ConnectionServices,
  options: { password?: string } = {},
): Promise<NodeTransportConfig> {
  const certificateId = chosenCertificateId(services);
  const endpoints = await endpointConfigFor(services);
  const summary = services.registry.get(certificateId);
  let clientCertificate: NodeTransportConfig['clientCertificate'];
  if (summary.source === 'file') {
    const material = await services.registry.loadFileCredentials(certificateId, options.password);
    clientCertificate = { kind: 'p12', p12: material.p12, password: material.password };
  } else {
    const card = services.registry.smartCardReference(certificateId);
    const pin = services.sessionPins.get(certificateId);
    if (pin === undefined) {
      throw new AppError('PKCS11_PIN_INCORRECT', 'Saisissez le code PIN de la carte avant de vous connecter.');
    }
    configurePkcs11Engine(card.modulePath);
    // PIN checked through pkcs11js first: libp11 would print the key URI, PIN included, if its own login failed.
    clientCertificate = prepareCardClientCertificate(card, pin);
  }
  return { ...endpoints, clientCertificate, ...networkSettingsFor(services) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
