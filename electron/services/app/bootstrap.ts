/**
 * Composition of the domain services for one environment, shared by the Electron main process and the browser
 * host. Nothing here imports electron: the shell passes what differs (how the database key is kept, the shell name).
 */
import fs from 'node:fs';
import { isAppError } from '@shared/errors/app-error';
import path from 'node:path';
import type { EnvironmentId } from '@shared/domain/environments';
import type { EventPayloads } from '@shared/ipc/contract';
import { environmentPaths } from '../environments/environment-store';
import { Journal } from '../journal/journal';
import { watchDeskChanges } from '../db/desk-change-watch';
import type { SqlDatabase } from '../db/sql/sql-database';
import { buildWorklistAhead } from '../worklist/worklist-queries';
import { configureLogging, createLogger, RotatingFileSink } from '../logging/logger';
import { EventHub, localToday, type AppContext, type NativeFileChooser } from './app-context';
import type { Handlers } from './dispatch';
import { createAppHandlers } from './handlers/app-handlers';
import { createWorklistHandlers } from './handlers/worklist-handlers';
import { createCertificateHandlers } from './handlers/certificate-handlers';
import { createEnvironmentHandlers } from './handlers/environment-handlers';
import { createOnboardingHandlers } from './handlers/onboarding-handlers';
import { createSyncHandlers } from './handlers/sync-handlers';
import { createSandboxHandlers } from './handlers/sandbox-handlers';
import { createOrganisationHandlers } from './handlers/organisation-handlers';
import {
  CHANNELS_REFUSED_WHILE_UNAVAILABLE,
  describeUnavailable,
  openEnvironmentStore,
  organisationUnavailableError,
} from '../organisation/store-fallback';
import {
  activeEnvironmentDescriptor,
  endpointConfigFor,
  networkSettingsFor,
  openConnectionServices,
  transportConfigFor,
  type SecretCipherFactory,
} from './handlers/connection-services';
import { keepSandboxInStep, startEmbeddedSandbox, type EmbeddedSandbox } from './embedded-sandbox';
import { environmentSdo } from './handlers/environment-sdo';
import { SyncService } from '../sync/runner/sync-service';
import type { SyncRunSettings, WorkerTransport } from '../sync/runner/sync-worker-entry';
import type { HttpSenderFactory } from '../transport/sdo-transport';
import {
  deskSyncLease,
  OrganisationSyncLease,
  syncLeaseTimingsFromEnv,
  type SyncLease,
  type SyncLeaseTimings,
} from '../sync/lease/sync-lease';
import { canSyncUnattended, workstationLabel } from './sync-eligibility';
import { createOfflineReview, type OfflineReview } from './offline-review'; // offline (issue 15)
import {
  DESK_CERTIFICATE_UNAVAILABLE,
  organisationTransportCertificate,
} from '../organisation/organisation-certificates'; // certstore (issue 15)

export interface EnvironmentDescriptor {
  readonly id: EnvironmentId;
  readonly label: string;
}

export interface StartApplicationOptions {
  /** Root of the user data; each environment gets its own sub-folder so data never mix. */
  readonly dataRoot: string;
  readonly environment?: EnvironmentDescriptor;
  readonly shell: 'electron' | 'navigateur';
  readonly version: string;
  /** Returns the 32-byte database key for this environment's database file. */
  readonly databaseKey: (databaseFile: string) => Buffer;
  readonly now?: () => Date;
  /** Start the embedded sandbox on the 'sandbox-local' environment (default true). */
  readonly embeddedSandbox?: boolean;
  /**
   * Return before the embedded sandbox listens, so the shell's first page or window does not wait for it (its first
   * start generates keys and decisions); `sandboxReady` tells when it is up, and a sync waits for it. Default false.
   */
  readonly sandboxInBackground?: boolean;
  /** Decisions generated in a brand-new embedded sandbox. */
  readonly sandboxInitialDecisions?: number;
  /** A command beside the open app: use the sandbox it runs rather than start a second one on the same folder. */
  readonly attachToRunningSandbox?: boolean;
  /** Where the sync worker's entry is: the .ts file through tsx by default, the bundled file under Electron. */
  readonly syncWorker?: { readonly url: URL; readonly execArgv: string[] };
  /** Automatic sync period; 0 disables the schedule (tests). Default 15 minutes. */
  readonly syncIntervalMs?: number;
  /**
   * Electron only: HTTPS through Chromium's net stack, for a smart-card certificate (the `select-client-certificate`
   * handler presents it); the sync worker's exchanges are relayed to it.
   */
  readonly chromiumHttpSender?: HttpSenderFactory;
  /** Electron only: main's native file dialog (a PKCS#11 module the operator picks). */
  readonly chooseFile?: NativeFileChooser;
  /** Electron only: the environments' secrets protected by safeStorage rather than a key file. */
  readonly secretCipher?: SecretCipherFactory;
  /**
   * Organisation mode: how this workstation appears as the syncer (default: host name and session user) and the
   * lease's timings (default: REFERENT_VT_SYNC_LEASE_HEARTBEAT_MS / _TTL_MS, else 10 s / 45 s).
   */
  readonly syncLease?: { readonly label?: string; readonly timings?: SyncLeaseTimings };
  /** The log lines (redacted, as in the file) also on standard output: the headless service (`referent-vt serve`). */
  readonly logToStdout?: boolean;
  /**
   * No screen will show this session (`sync --once`, one run then exit; `serve`, the organisation's syncer): the work
   * list is not built ahead (at 100,000 notifications a build is seconds of CPU), the desk is not watched for other
   * processes' commits, and no snapshot of the organisation is kept for an offline review.
   */
  readonly headless?: boolean;
  /** offline (issue 15): retry period while offline (0: only « Se reconnecter »), snapshot refresh delay. */
  readonly offlineReview?: {
    readonly probeIntervalMs?: number;
    readonly refreshDelayMs?: number;
  };
}

export interface RunningApplication {
  readonly ctx: AppContext;
  readonly handlers: Handlers;
  readonly hub: EventHub;
  readonly sync: SyncService;
  /** Who syncs (organisation mode: the lease this workstation contends for; a desk: always itself). */
  readonly lease: SyncLease;
  /** The embedded sandbox, on the 'sandbox-local' environment (undefined until it has started). */
  readonly sandbox: EmbeddedSandbox | undefined;
  /** Settles once the embedded sandbox has started (or could not: undefined); at once when there is none. */
  readonly sandboxReady: Promise<EmbeddedSandbox | undefined>;
  /** offline (issue 15): the offline review of this session (snapshot, actions kept offline). */
  readonly offline: OfflineReview;
  close(): Promise<void>;
}

export async function startApplication(options: StartApplicationOptions): Promise<RunningApplication> {
  const environment = options.environment ?? activeEnvironmentDescriptor(options.dataRoot);
  const { dataDir } = environmentPaths(options.dataRoot, environment.id);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = new RotatingFileSink(path.join(dataDir, 'logs', 'referent-vt.log'));
  configureLogging(
    options.logToStdout
      ? {
          write: (line) => {
            logFile.write(line);
            process.stdout.write(line + '\n');
          },
        }
      : logFile,
  );
  const log = createLogger('bootstrap');

  const now = options.now ?? (() => new Date());
  const services = openConnectionServices({
    dataRoot: options.dataRoot,
    environmentId: environment.id,
    now,
    ...(options.secretCipher ? { secretCipher: options.secretCipher } : {}),
  });
  // The desk's encrypted SQLite, or the organisation's PostgreSQL (Paramètres › Organisation); when the latter cannot
  // be opened, the desk's, in consultation (store-fallback.ts).
  const { store, db, organisationUnavailable, offlineSnapshot } = await openEnvironmentStore(
    options.dataRoot,
    environment.id,
    { databaseKey: options.databaseKey, secrets: services.secrets },
    now,
  );
  const suspended = organisationUnavailable ? organisationUnavailableError(organisationUnavailable) : undefined;
  const journal = new Journal(db, now);
  const hub = new EventHub();
  const ctx: AppContext = {
    db,
    store,
    journal,
    now,
    events: hub,
    environmentId: environment.id,
    environmentLabel: environment.label,
    shell: options.shell,
    version: options.version,
    dataDir,
    connection: services,
    ...(organisationUnavailable ? { organisationUnavailable } : {}),
    ...(options.chromiumHttpSender ? { chromiumHttpSender: options.chromiumHttpSender } : {}),
    ...(options.chooseFile ? { chooseFile: options.chooseFile } : {}),
  };
  await journal.append({
    actor: 'système',
    action: 'Démarrage de Référent VT',
    outcome: 'info',
    detail: environment.label,
  });
  if (organisationUnavailable) {
    await journal.append({
      actor: 'système',
      action: offlineSnapshot
        ? 'Serveur de l’organisation injoignable : instantané hors ligne ouvert en consultation'
        : 'Serveur de l’organisation injoignable : données du poste ouvertes en consultation',
      recordType: 'organisation',
      outcome: 'échec',
      detail: describeUnavailable(organisationUnavailable),
    });
  }
  log.info('Application démarrée', { environment: environment.id, shell: options.shell });

  let sandbox: EmbeddedSandbox | undefined;
  let stopSandboxFollowing = (): Promise<void> => Promise.resolve();
  // Closing the app while the sandbox still starts (its first start generates keys and decisions: seconds) gives
  // the start up at its next step rather than wait for all of it.
  const sandboxStart = new AbortController();
  const sandboxReady =
    environment.id === 'sandbox-local' && options.embeddedSandbox !== false
      ? startEmbeddedSandbox(ctx, services, {
          ...(options.sandboxInitialDecisions !== undefined
            ? { initialDecisions: options.sandboxInitialDecisions }
            : {}),
          ...(options.attachToRunningSandbox ? { attachToRunning: true } : {}),
          signal: sandboxStart.signal,
        }).then(
          (started) => {
            sandbox = started;
            stopSandboxFollowing = keepSandboxInStep(hub, services, started);
            return started;
          },
          async (e: unknown) => {
            // Given up because the app closes: nothing failed.
            if (sandboxStart.signal.aborted) return undefined;
            // The app still opens on what it already holds; only the exchanges with the sandbox are unavailable.
            log.error('Le bac à sable local n’a pas pu démarrer', e);
            await journal
              .append({
                actor: 'système',
                action: 'Bac à sable local non démarré',
                outcome: 'échec',
                detail: isAppError(e) ? e.message : 'Erreur inattendue au démarrage du bac à sable',
              })
              .catch((journalError: unknown) => log.error('Échec du bac à sable non consigné', journalError));
            return undefined;
          },
        )
      : Promise.resolve(undefined);
  if (!options.sandboxInBackground) await sandboxReady;

  const chromiumHttpSender = ctx.chromiumHttpSender;
  // One syncer per organisation: the workstations sharing its PostgreSQL elect it (sync/lease/sync-lease.ts).
  const leaseTimings = options.syncLease?.timings ?? syncLeaseTimingsFromEnv();
  const leaseLabel = options.syncLease?.label ?? workstationLabel();
  const lease: SyncLease =
    store.kind === 'postgres' && !suspended
      ? new OrganisationSyncLease({
          db,
          label: leaseLabel,
          timings: leaseTimings,
          eligible: () => canSyncUnattended(services, now, { db, dataRoot: options.dataRoot }),
        })
      : deskSyncLease(leaseLabel, now);
  const sync = new SyncService({
    db,
    store,
    // The worker opens its own connection to `store`; SyncService adds it to these settings.
    workerData: async (): Promise<SyncRunSettings> => {
      // The sandbox's URLs change at each of its starts: a sync begun meanwhile would call the previous ones.
      await sandboxReady;
      const settings = services.environments.get(services.environmentId);
      const sdo = environmentSdo(ctx, services);
      const certificate = settings.certificateId ? services.registry.get(settings.certificateId) : undefined;
      // A card under Electron goes through Chromium's net (the OS middleware holds the key and asks the PIN).
      let transport: WorkerTransport;
      let organisationLegalEntity: { finessEj: string; name: string } | undefined; // certstore (issue 15)
      try {
        transport =
          certificate?.source === 'pkcs11' && chromiumHttpSender
            ? { via: 'main', endpoints: await endpointConfigFor(services) }
            : { via: 'node', config: await transportConfigFor(services) };
      } catch (e) {
        // certstore (issue 15): no usable desk certificate → the organisation's, sealed in its database.
        if (db.dialect !== 'postgres' || !isAppError(e) || !DESK_CERTIFICATE_UNAVAILABLE.includes(e.code)) throw e;
        const sealed = await organisationTransportCertificate(db, options.dataRoot, now().getTime());
        const config = { ...(await endpointConfigFor(services)), ...networkSettingsFor(services) };
        transport = { via: 'node', config: { ...config, clientCertificate: sealed.clientCertificate } };
        organisationLegalEntity = sealed.legalEntity;
      }
      return {
        transport,
        ...(certificate?.finessEj
          ? {
              legalEntity: {
                finessEj: certificate.finessEj,
                name: certificate.subjectOrganization ?? certificate.label,
              },
            }
          : organisationLegalEntity
            ? { legalEntity: organisationLegalEntity }
            : {}),
        // In the sandbox every EG is switched on; on ViaTrajectoire the referent activates each EG.
        activateNewEgs: environment.id === 'sandbox-local',
        sdo: {
          profileVersion: sdo.profileVersion,
          terminologyRelease: sdo.terminologyRelease,
          environmentDir: dataDir,
        },
      };
    },
    onProgress: (progress) => hub.emit('sync:progress', progress),
    onFinished: () => hub.emit('data:changed', { scopes: ['*'] }),
    onPushed: (result) => {
      hub.emit('outbox:pushed', result);
      // Sent states change the outbox screen, and accepted Tasks the Raccordement checklist.
      hub.emit('data:changed', {
        scopes: ['notifications', 'waiting-lists', 'sync', 'outbox', 'onboarding', 'journal', 'dashboard'],
      });
    },
    ...(chromiumHttpSender ? { mainHttpSender: () => chromiumHttpSender(networkSettingsFor(services)) } : {}),
    ...(options.syncWorker ? { workerUrl: options.syncWorker.url, workerExecArgv: options.syncWorker.execArgv } : {}),
    ...(options.syncIntervalMs ? { intervalMs: options.syncIntervalMs } : {}),
    ...(suspended ? { suspended } : {}),
    lease,
    outboxSweepMs: leaseTimings.heartbeatMs,
    onLeaseChange: () => hub.emit('data:changed', { scopes: ['sync'] }),
  });
  sync.startLease();
  if (options.syncIntervalMs !== 0) sync.startSchedule();

  // live (issue 15): the other workstations' commits, told by PostgreSQL (LISTEN/NOTIFY) → data:changed.
  const liveLink =
    db.dialect === 'postgres'
      ? (await import('../organisation/live-link')).startLiveLink(db, (notice) =>
          hub.emit('data:changed', { scopes: ['*'], changeToken: notice.token }),
        )
      : undefined;

  // What keeps the screens current; a headless session has none.
  const stopKeepingScreensCurrent = options.headless
    ? () => undefined
    : keepScreensCurrent(
        db,
        hub,
        () => sync.running,
        () => localToday(ctx.now()),
      );

  // offline (issue 15): the workstation's snapshot of the organisation and the actions kept offline (§16).
  const offline = createOfflineReview({
    ctx,
    dataRoot: options.dataRoot,
    environment: environment.id,
    databaseKey: options.databaseKey,
    secrets: services.secrets,
    ...(offlineSnapshot ? { openedSnapshot: offlineSnapshot } : {}),
    handlers: () => handlers,
    subscribe: (listener) => hub.subscribe(listener),
    ...(options.offlineReview ?? {}),
    ...(options.headless ? { snapshot: false } : {}),
  });

  const handlers: Handlers = {
    ...offline.handlers,
    ...createAppHandlers(ctx),
    ...createWorklistHandlers(ctx, sync),
    ...createCertificateHandlers(ctx),
    ...createEnvironmentHandlers(ctx),
    ...createOnboardingHandlers(ctx, sync),
    ...createSyncHandlers(ctx, sync),
    ...createSandboxHandlers(ctx, () => sandbox),
    ...createOrganisationHandlers(ctx, { dataRoot: options.dataRoot, databaseKey: options.databaseKey }),
  };
  if (suspended) {
    for (const name of CHANNELS_REFUSED_WHILE_UNAVAILABLE) {
      const refuse = (): Promise<never> => Promise.reject(suspended);
      handlers[name] = refuse;
    }
  }
  Object.assign(handlers, offline.whileOffline); // offline (issue 15): statuses and consents kept for the organisation
  offline.start(); // offline (issue 15)

  return {
    ctx,
    handlers,
    hub,
    sync,
    lease,
    offline, // offline (issue 15)
    get sandbox() {
      return sandbox;
    },
    sandboxReady,
    async close() {
      sandboxStart.abort();
      await liveLink?.stop(); // live (issue 15)
      stopKeepingScreensCurrent();
      await offline.close(); // offline (issue 15)
      await sync.close();
      const started = await sandboxReady;
      await stopSandboxFollowing();
      await started?.close();
      await db.close();
    },
  };
}

/**
 * The desk's SQLite written by another process (a headless sync): SQLite tells no one, the watch asks it. After a
 * change the app hears of, whoever made it, and at start-up, the work list is built before Notifications asks for it.
 * Returns what stops both.
 */
function keepScreensCurrent(db: SqlDatabase, hub: EventHub, isSyncRunning: () => boolean, today: () => string) {
  const deskWatch = watchDeskChanges(db, {
    onChange: () => hub.emit('data:changed', { scopes: ['*'] }),
    isSyncRunning,
  });
  const unsubscribe = hub.subscribe((event, payload) => {
    if (event !== 'data:changed') return;
    const { scopes } = payload as EventPayloads['data:changed'];
    // Every scope announced (a sync's end among others): nothing committed so far is left for the watch to tell.
    if (scopes.includes('*')) deskWatch?.settle();
    if (scopes.includes('*') || scopes.includes('notifications')) buildWorklistAhead(db, today());
  });
  setTimeout(() => buildWorklistAhead(db, today()), 0).unref();
  return () => {
    deskWatch?.stop();
    unsubscribe();
  };
}
