/**
 * Offline review in organisation mode (docs/decisions.md §16), for one running session:
 * - on the organisation's store ('en-ligne'): waiting offline actions are replayed at start through the app's own
 *   handlers, then the snapshot is refreshed at start and after every change the session hears of (its actions,
 *   sync results, other workstations' changes through the live listener), debounced;
 * - on the snapshot ('hors-ligne', the organisation unreachable at start): the work list and waiting lists answer
 *   from it, read-only; a status or a consent is kept for the organisation (offline_action) instead of refused; the
 *   organisation is tried again every 30 s and on « Se reconnecter »: when it answers, the waiting actions are
 *   replayed there through the same action code with the version seen, and the snapshot refreshed. Sync and sending
 *   stay suspended until the next start, which opens the organisation's store again.
 * Everything touching the snapshot goes through one queue, so a refresh never interleaves with a queued action.
 */
import type { EnvironmentId } from '@shared/domain/environments';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { OfflineReviewStatus } from '@shared/ipc/channels/organisation-channels';
import type { EventName } from '@shared/ipc/contract';
import { localToday, type AppContext } from './app-context';
import type { Handlers } from './dispatch';
import { environmentSdo } from './handlers/environment-sdo';
import { openStore } from '../db/open-store';
import { SqliteDatabase } from '../db/sql/sqlite-database';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { Journal } from '../journal/journal';
import { createLogger } from '../logging/logger';
import { SerialQueue } from '../secrets/atomic-file';
import type { SecretStore } from '../secrets/file-secret-store';
import { recordConsent } from '../worklist/consent-and-evaluation';
import { performAction, previewAction, type ActionRequest } from '../worklist/notification-actions';
import {
  dismissOfflineAction,
  listOfflineActions,
  queueOfflineAction,
  replayOfflineActions,
  type ReplayReport,
  type ReplayTarget,
} from '../organisation/offline-actions';
import {
  openSnapshotConnection,
  readSnapshotInfo,
  refreshSnapshot,
  snapshotLocation,
  type RefreshReport,
  type SnapshotInfo,
} from '../organisation/offline-snapshot';
import { storeLocationFor } from '../organisation/organisation-settings';

const log = createLogger('organisation');

/** How often an offline session tries the organisation again. */
export const DEFAULT_PROBE_INTERVAL_MS = 30_000;
/**
 * Changes arriving together (a sync's, a burst of actions, other workstations' through the live listener) make one
 * refresh: an offline review loses at most this much, and a refresh of 10,000 notifications costs seconds of work
 * (docs/decisions.md §16), so not after every change of a busy day.
 */
export const DEFAULT_REFRESH_DELAY_MS = 5 * 60_000;

type ReviewChannel = 'organisation:offline-status' | 'organisation:reconnect' | 'organisation:offline-dismiss';
type QueuedChannel = 'notifications:perform-action' | 'notifications:record-consent';
/** Local writes a refresh would silently undo: refused while the session reads the snapshot. */
type ReadOnlyChannel =
  'notifications:acknowledge' | 'units:update' | 'units:create' | 'geographic-entities:set-local-activation';

export interface OfflineReviewOptions {
  readonly ctx: AppContext;
  readonly dataRoot: string;
  readonly environment: EnvironmentId;
  readonly databaseKey: (databaseFile: string) => Buffer;
  readonly secrets: SecretStore;
  /** Set when the session was opened on the snapshot (organisation unreachable at start). */
  readonly openedSnapshot?: SnapshotInfo;
  /** The session's handlers: the online replay goes through them (same path as the referent's own actions). */
  readonly handlers: () => Handlers;
  /** What the session emits, to refresh the snapshot after changes. */
  readonly subscribe: (listener: (event: EventName, payload: unknown) => void) => () => void;
  /** 0 disables the periodic attempt (tests call reconnect). */
  readonly probeIntervalMs?: number;
  /** False: no snapshot kept (the headless service, a one-off sync: nobody reviews offline there). Default true. */
  readonly snapshot?: boolean;
  readonly refreshDelayMs?: number;
}

export interface OfflineReview {
  readonly mode: OfflineReviewStatus['mode'];
  /** The review's channels. */
  readonly handlers: Pick<Handlers, ReviewChannel>;
  /** Offline session only: statuses and consents kept for the organisation (replace the refusals). */
  readonly whileOffline: Partial<Pick<Handlers, QueuedChannel | ReadOnlyChannel>>;
  /** Starts the start-up replay and refresh (online) or the periodic attempts (offline). */
  start(): void;
  status(): Promise<OfflineReviewStatus>;
  /** Online: refreshes the snapshot now (after what is queued). */
  refreshNow(): Promise<RefreshReport | undefined>;
  /** Offline: tries the organisation now. */
  reconnect(): Promise<OfflineReviewStatus>;
  /** Settles once nothing is scheduled or running (tests wait on it rather than sleep). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createOfflineReview(options: OfflineReviewOptions): OfflineReview {
  const { ctx } = options;
  const mode: OfflineReviewStatus['mode'] =
    ctx.store.kind === 'postgres' ? 'en-ligne' : options.openedSnapshot ? 'hors-ligne' : 'sans-objet';
  return mode === 'sans-objet' || (mode === 'en-ligne' && options.snapshot === false)
    ? inactiveReview(ctx)
    : new SessionReview(options, mode);
}

/** "Poste seul", or a degraded start without a snapshot: nothing to keep, nothing to replay. */
function inactiveReview(ctx: AppContext): OfflineReview {
  const status = (): Promise<OfflineReviewStatus> => Promise.resolve({ mode: 'sans-objet', actions: [] });
  void ctx;
  return {
    mode: 'sans-objet',
    handlers: {
      'organisation:offline-status': status,
      'organisation:reconnect': status,
      'organisation:offline-dismiss': status,
    },
    whileOffline: {},
    start: () => undefined,
    status,
    refreshNow: () => Promise.resolve(undefined),
    reconnect: status,
    idle: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

class SessionReview implements OfflineReview {
  private readonly queue = new SerialQueue();
  private readonly location;
  /** Online: the snapshot's own connection (bulk writes and the offline actions). Offline: the session's db. */
  private snapshotDb: SqlDatabase | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private takenAt: string | undefined;
  /** The organisation's change token when the last copy of this session began. */
  private copiedToken: string | undefined;
  private reachableAgainAt: string | undefined;
  private lastAttemptAt: string | undefined;
  private lastAttemptError: string | undefined;
  private attempt: Promise<void> | undefined;

  readonly handlers: Pick<Handlers, ReviewChannel>;
  readonly whileOffline: Partial<Pick<Handlers, QueuedChannel | ReadOnlyChannel>>;

  constructor(
    private readonly options: OfflineReviewOptions,
    readonly mode: 'en-ligne' | 'hors-ligne',
  ) {
    const { ctx } = options;
    this.location = snapshotLocation(options.dataRoot, options.environment, options.databaseKey);
    this.takenAt = options.openedSnapshot?.takenAt;
    this.handlers = {
      'organisation:offline-status': () => this.status(),
      'organisation:reconnect': () => this.reconnect(),
      'organisation:offline-dismiss': async (req) => {
        await this.run(async () => dismissOfflineAction(await this.snapshot(), req.id));
        ctx.events.emit('data:changed', { scopes: ['organisation'] });
        return this.status();
      },
    };
    this.whileOffline =
      mode === 'hors-ligne'
        ? {
            'notifications:perform-action': async (req) => {
              // Planned against the snapshot: an action its state does not allow is refused now, not at replay.
              const preview = await previewAction(ctx.db, req);
              await this.keep('statut', req, `${preview.label} (notification ${req.notificationId})`);
              return { ...preview, outboxIds: [] };
            },
            'notifications:acknowledge': () => Promise.reject(readOnlyWhileOffline()),
            'units:update': () => Promise.reject(readOnlyWhileOffline()),
            'units:create': () => Promise.reject(readOnlyWhileOffline()),
            'geographic-entities:set-local-activation': () => Promise.reject(readOnlyWhileOffline()),
            'notifications:record-consent': async (req) => {
              if (req.collectedOn > localToday(ctx.now())) {
                // Same refusal as online (recordConsent), before anything is kept.
                throw new AppError('INVALID_INPUT', 'La date de recueil de l’accord ne peut pas être dans le futur.');
              }
              await this.keep(
                'accord',
                req,
                `Accord de la personne recueilli le ${req.collectedOn} (notification ${req.notificationId})`,
              );
              // Nothing is recorded in the organisation yet: no consent, no outbox row (0), the action waits.
              return { consentId: 0, outboxId: 0 };
            },
          }
        : {};
  }

  start(): void {
    const { probeIntervalMs = DEFAULT_PROBE_INTERVAL_MS } = this.options;
    if (this.mode === 'en-ligne') {
      void this.track(
        this.run(async () => {
          await this.replayOnline();
          await this.refresh();
        }).catch((e: unknown) => log.warn('Copie hors ligne non faite au démarrage', { code: errorCode(e) })),
      );
      this.unsubscribe = this.options.subscribe((event) => {
        if (event === 'data:changed') this.scheduleRefresh();
      });
    } else if (probeIntervalMs > 0) {
      this.probeTimer = setInterval(() => void this.reconnect(), probeIntervalMs);
      this.probeTimer.unref();
    }
  }

  async status(): Promise<OfflineReviewStatus> {
    // Not queued: the banner must answer while an attempt waits for an unreachable server.
    const actions = await listOfflineActions(await this.snapshot());
    return {
      mode: this.mode,
      ...(this.takenAt ? { snapshotTakenAt: this.takenAt } : {}),
      ...(this.reachableAgainAt ? { reachableAgainAt: this.reachableAgainAt } : {}),
      ...(this.lastAttemptAt ? { lastAttemptAt: this.lastAttemptAt } : {}),
      ...(this.lastAttemptError ? { lastAttemptError: this.lastAttemptError } : {}),
      actions,
    };
  }

  refreshNow(): Promise<RefreshReport | undefined> {
    if (this.mode !== 'en-ligne') return Promise.resolve(undefined);
    return this.track(this.run(() => this.refresh()));
  }

  async reconnect(): Promise<OfflineReviewStatus> {
    if (this.mode === 'hors-ligne') {
      // One attempt at a time (the periodic one and the button share it).
      this.attempt ??= this.attemptOrganisation().finally(() => {
        this.attempt = undefined;
      });
      await this.track(this.attempt);
    } else if (this.mode === 'en-ligne') await this.refreshNow().catch(() => undefined);
    return this.status();
  }

  async idle(): Promise<void> {
    for (;;) {
      const tail = this.tail;
      await tail.catch(() => undefined);
      if (tail === this.tail && !this.refreshTimer) return;
      if (this.refreshTimer) {
        // A refresh is scheduled: run it now rather than wait for its delay.
        clearTimeout(this.refreshTimer);
        this.refreshTimer = undefined;
        void this.refreshNow().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.refreshTimer = undefined;
    await this.tail.catch(() => undefined);
    await this.queue.run(async () => {
      // Offline, the snapshot is the session's db: bootstrap closes it.
      if (this.mode === 'en-ligne') await this.snapshotDb?.close();
      this.snapshotDb = undefined;
    });
  }

  /** Keeps one action for the organisation, journals it locally, and shows it as waiting. */
  private async keep(kind: 'statut' | 'accord', request: { notificationId: number }, summary: string): Promise<number> {
    const { ctx } = this.options;
    const kept = await this.run(async () =>
      queueOfflineAction(await this.snapshot(), { kind, request, summary }, ctx.now()),
    );
    await ctx.journal.append({
      actor: 'utilisateur',
      action: `Action hors ligne en attente de l’organisation : ${summary}`,
      recordType: 'notification',
      recordId: request.notificationId,
      outcome: 'info',
    });
    ctx.events.emit('data:changed', { scopes: ['organisation', 'journal'] });
    return kept.id;
  }

  private scheduleRefresh(): void {
    if (this.closed || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshNow().catch((e: unknown) => log.warn('Copie hors ligne non rafraîchie', { code: errorCode(e) }));
    }, this.options.refreshDelayMs ?? DEFAULT_REFRESH_DELAY_MS);
    this.refreshTimer.unref();
  }

  /** Online: the snapshot from the session's own connection (row security: this account's rows only). */
  private async refresh(): Promise<RefreshReport | undefined> {
    if (this.closed) return undefined;
    const { ctx } = this.options;
    // Nothing committed since the last copy (a sync that brought nothing): the snapshot is current.
    const token = await ctx.db.changeToken();
    if (token === this.copiedToken) return undefined;
    const snapshot = (await this.snapshot()) as SqliteDatabase;
    const report = await refreshSnapshot(ctx.db, snapshot.connection, accountOf(ctx), ctx.now);
    this.copiedToken = token;
    this.takenAt = report.takenAt;
    log.info('Copie hors ligne rafraîchie', { rows: report.rowsWritten, decisions: report.decisionsFetched });
    return report;
  }

  /** Online, at start: what was kept offline, through the session's own handlers (journal, outbox push). */
  private async replayOnline(): Promise<ReplayReport> {
    const { ctx } = this.options;
    const handlers = this.options.handlers();
    const report = await replayOfflineActions(
      await this.snapshot(),
      {
        performAction: async (req) =>
          handlers['notifications:perform-action'](req as Parameters<Handlers['notifications:perform-action']>[0]),
        recordConsent: async (req) =>
          handlers['notifications:record-consent'](req as Parameters<Handlers['notifications:record-consent']>[0]),
        journal: ctx.journal,
        versionOf: (id) => rowVersion(ctx.db, id),
      },
      ctx.now,
    );
    if (report.replayed + report.conflicts + report.refused > 0) {
      ctx.events.emit('data:changed', { scopes: ['organisation', 'journal'] });
    }
    return report;
  }

  /**
   * Offline: opens the organisation's store on its own connection (outside the queue: reaching an unreachable
   * server may take its connection timeout, actions are still kept meanwhile); when it answers, replays the waiting
   * actions there (same action code, version seen) and refreshes the snapshot from it, in the queue.
   */
  private async attemptOrganisation(): Promise<void> {
    if (this.closed) return;
    const { ctx, dataRoot, environment, databaseKey, secrets } = this.options;
    this.lastAttemptAt = ctx.now().toISOString();
    let organisation: SqlDatabase;
    let account: string;
    try {
      const location = await storeLocationFor(dataRoot, environment, { databaseKey, secrets });
      if (location.kind !== 'postgres') {
        this.lastAttemptError = 'Le mode « Poste seul » a été choisi : il prendra effet au prochain démarrage.';
        return;
      }
      account = location.connection.user;
      organisation = await openStore(location);
    } catch (e) {
      this.lastAttemptError = isAppError(e) ? e.message : 'Erreur inattendue en rejoignant l’organisation.';
      if (!isAppError(e)) log.error('Organisation : nouvelle tentative en erreur inattendue', e);
      return;
    }
    try {
      await this.run(() => this.replayAndRefresh(organisation, account));
    } finally {
      await organisation.close().catch(() => undefined);
    }
  }

  private async replayAndRefresh(organisation: SqlDatabase, account: string): Promise<void> {
    const { ctx } = this.options;
    if (this.closed) return;
    try {
      const today = () => localToday(ctx.now());
      const deps = { db: organisation, journal: new Journal(organisation, ctx.now), now: ctx.now, today };
      const sdo = () => environmentSdo(ctx);
      const target: ReplayTarget = {
        performAction: (req) => performAction({ ...deps, sdo }, req as unknown as ActionRequest),
        recordConsent: (req) =>
          recordConsent({ ...deps, sdo }, req as unknown as { notificationId: number; collectedOn: string }),
        journal: deps.journal,
        versionOf: (id) => rowVersion(organisation, id),
      };
      const report = await replayOfflineActions(await this.snapshot(), target, ctx.now);
      // A second connection on the snapshot file: the session keeps reading the previous copy until this commits.
      const writer = openSnapshotConnection(this.location);
      try {
        const refreshed = await refreshSnapshot(organisation, writer, account, ctx.now);
        this.takenAt = refreshed.takenAt;
      } finally {
        writer.close();
      }
      if (!this.reachableAgainAt) {
        this.reachableAgainAt = ctx.now().toISOString();
        await ctx.journal.append({
          actor: 'système',
          action: 'Serveur de l’organisation de nouveau joignable',
          recordType: 'organisation',
          outcome: 'info',
          detail:
            `${report.replayed} action(s) hors ligne rejouée(s), ${report.conflicts} en conflit, ` +
            `${report.refused} refusée(s). Redémarrez Référent VT pour reprendre la synchronisation.`,
        });
      }
      this.lastAttemptError = undefined;
      ctx.events.emit('data:changed', { scopes: ['*'] });
    } catch (e) {
      this.lastAttemptError = isAppError(e) ? e.message : 'Erreur inattendue en rejoignant l’organisation.';
      if (!isAppError(e)) log.error('Organisation : rejeu hors ligne en erreur inattendue', e);
    }
  }

  /** The snapshot: the session's db offline; its own connection online (opened, created if need be, once). */
  private async snapshot(): Promise<SqlExecutor> {
    if (this.mode === 'hors-ligne') return this.options.ctx.db;
    if (!this.snapshotDb) {
      const connection = openSnapshotConnection(this.location);
      this.takenAt ??= readSnapshotInfo(connection)?.takenAt;
      this.snapshotDb = new SqliteDatabase(connection);
    }
    return this.snapshotDb;
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.tail = Promise.all([this.tail.catch(() => undefined), promise.catch(() => undefined)]);
    return promise;
  }
}

/** The notification's row version in the organisation (concurrency check), undefined when it has none. */
async function rowVersion(db: SqlExecutor, notificationId: number): Promise<number | undefined> {
  try {
    const version = await db.value<number>('SELECT row_version FROM notification WHERE id = ?', [notificationId]);
    return version === undefined || version === null ? undefined : Number(version);
  } catch {
    // A schema without row versions: no check to chain.
    return undefined;
  }
}

function readOnlyWhileOffline(): AppError {
  return new AppError(
    'ORG_UNAVAILABLE',
    'Consultation hors ligne : le serveur de l’organisation est injoignable et cette modification ne peut pas lui ' +
      'être transmise plus tard. Réessayez une fois reconnecté (« Se reconnecter », puis redémarrage).',
  );
}

function accountOf(ctx: AppContext): string {
  return ctx.store.kind === 'postgres' ? ctx.store.connection.user : 'poste';
}

function errorCode(e: unknown): string {
  return isAppError(e) ? e.code : 'inattendue';
}
