/**
 * "Bac à sable local": on the sandbox-local environment the app starts its own imitation of ViaTrajectoire
 * (electron/services/sandbox) in the environment's folder and connects to it with nothing to configure — the
 * sandbox's test CA as trust anchor, its generated client .p12 (password remembered), its client_id/secret.
 * What the referent changed by hand (another certificate, other credentials) is kept.
 * A command run beside the open app (`sync --once`, `check-connection`) uses the sandbox the app runs instead of
 * starting a second one on the same folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLIENT_SECRET_NAME } from '../environments/environment-store';
import type { Journal } from '../journal/journal';
import { SandboxAdmin } from '../sandbox/sandbox-admin';
import type { SandboxOperations } from '../sandbox/sandbox-operations';
import { startSandbox } from '../sandbox/sandbox-server';
import { findRunningSandbox, sandboxStatePath } from '../sandbox/sandbox-state-file';
import { createLogger } from '../logging/logger';
import type { EventHub } from './app-context';
import type { ConnectionServices } from './handlers/connection-services';
import { environmentTerminology } from './handlers/environment-sdo';

// The sandbox's own types the sandbox screen's handlers speak: the product reaches the tool layer only here.
export type { FaultSettings, RawAnswerSummary, SandboxDecisionView } from '../sandbox/sandbox-operations';

const log = createLogger('embedded-sandbox');

export interface EmbeddedSandboxOptions {
  /** Decisions generated in a new sandbox (default: the sandbox's own default). */
  readonly initialDecisions?: number;
  /** Use the sandbox already running on the folder (the open app's) rather than start one. */
  readonly attachToRunning?: boolean;
  /** Gives up the start (the app is closing): see StartSandboxOptions.signal. */
  readonly signal?: AbortSignal;
}

/** The local sandbox as the app and the commands use it: through its admin API. */
export interface EmbeddedSandbox {
  readonly fhirBaseUrl: string;
  readonly adminUrl: string;
  readonly adminToken: string;
  /** Where its admin URL and token are written for `npm run sandbox -- …`. */
  readonly stateFile: string;
  readonly admin: SandboxAdmin;
  /** false when another process runs it (the open app): close() then leaves it running. */
  readonly owned: boolean;
  /** The sandbox's own operations, in this process only when it is owned (tests reach its records directly). */
  readonly operations?: SandboxOperations;
  close(): Promise<void>;
}

export interface EmbeddedSandboxHost {
  /** The environment's folder: the sandbox lives in its `sandbox/` sub-folder. */
  readonly dataDir: string;
  readonly journal?: Pick<Journal, 'append'>;
}

export async function startEmbeddedSandbox(
  host: EmbeddedSandboxHost,
  services: ConnectionServices,
  options: EmbeddedSandboxOptions = {},
): Promise<EmbeddedSandbox> {
  const dataDir = path.join(host.dataDir, 'sandbox');
  const running = options.attachToRunning ? await findRunningSandbox(dataDir) : undefined;
  if (running) {
    await services.environments.update('sandbox-local', {
      fhirBaseUrl: running.fhirBaseUrl,
      tokenUrl: running.tokenUrl,
    });
    return {
      fhirBaseUrl: running.fhirBaseUrl,
      adminUrl: running.adminUrl,
      adminToken: running.adminToken,
      stateFile: sandboxStatePath(dataDir),
      admin: new SandboxAdmin(running.adminUrl, running.adminToken),
      owned: false,
      close: () => Promise.resolve(),
    };
  }
  const sandbox = await startSandbox({
    dataDir,
    settings: sdoSettingsOfSandbox(services),
    terminology: () => environmentTerminology(host),
    ...(options.initialDecisions !== undefined ? { initialDecisions: options.initialDecisions } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (options.signal?.aborted) {
    await sandbox.close();
    options.signal.throwIfAborted();
  }
  const settings = services.environments.get('sandbox-local');
  const firstStart = !settings.fhirBaseUrl;
  // The sandbox listens on a new port at each start: the URLs follow it.
  await services.environments.update('sandbox-local', {
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenUrl: sandbox.tokenUrl,
    ...(firstStart || !settings.clientId ? { clientId: sandbox.clientId } : {}),
  });
  if (services.trustAnchors.pems().length === 0) services.trustAnchors.importPem(sandbox.caBundlePem);
  if (firstStart || (await services.secrets.get(CLIENT_SECRET_NAME)) === undefined) {
    await services.secrets.set(CLIENT_SECRET_NAME, sandbox.clientSecret);
  }
  if (!services.environments.get('sandbox-local').certificateId) {
    const client = Object.values(sandbox.pki.clients)[0];
    if (client) {
      const bytes = fs.readFileSync(client.p12Path);
      try {
        const summary = await services.registry.importPkcs12({
          bytes,
          password: client.password,
          rememberPassword: true,
          trustAnchorsPem: services.trustAnchors.pems(),
          label: 'Certificat de test du bac à sable',
        });
        await services.environments.update('sandbox-local', { certificateId: summary.id });
      } finally {
        bytes.fill(0);
      }
    }
  }
  await host.journal?.append({
    actor: 'système',
    action: 'Bac à sable local démarré',
    outcome: 'info',
    detail: firstStart ? 'Premier démarrage : connexion configurée automatiquement' : 'Connexion reprise',
  });
  log.info('Bac à sable local démarré', { fhirBaseUrl: sandbox.fhirBaseUrl, adminUrl: sandbox.adminUrl });
  return {
    fhirBaseUrl: sandbox.fhirBaseUrl,
    adminUrl: sandbox.adminUrl,
    adminToken: sandbox.adminToken,
    stateFile: sandbox.stateFile,
    admin: sandbox.admin,
    owned: true,
    operations: sandbox.operations,
    close: () => sandbox.close(),
  };
}

/** The embedded sandbox speaks the guide and terminology releases chosen for the environment in Paramètres. */
function sdoSettingsOfSandbox(services: ConnectionServices) {
  const settings = services.environments.get('sandbox-local');
  return { profileVersion: settings.igVersion, terminologyRelease: settings.terminologyRelease ?? null };
}

/**
 * Keeps the embedded sandbox on the environment's releases when Paramètres changes them (read again at each
 * environments change, one update after the other). The returned stop waits for the update under way.
 */
export function keepSandboxInStep(
  hub: EventHub,
  services: ConnectionServices,
  sandbox: EmbeddedSandbox,
): () => Promise<void> {
  let pending: Promise<unknown> = Promise.resolve();
  const unsubscribe = hub.subscribe((event, payload) => {
    if (event !== 'data:changed' || !(payload as { scopes: readonly string[] }).scopes.includes('environments')) return;
    pending = pending
      .then(() => sandbox.admin.updateSettings(sdoSettingsOfSandbox(services)))
      .catch((e: unknown) => log.error('Le bac à sable local n’a pas pu suivre les versions choisies', e));
  });
  return async () => {
    unsubscribe();
    await pending;
  };
}
