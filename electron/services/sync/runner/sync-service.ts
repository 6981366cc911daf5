/**
 * The sync as the app sees it: one run at a time in a worker thread, progress events to the renderer, cancel,
 * an automatic schedule (default every 15 minutes while open) and "Synchroniser maintenant". When offline the run
 * fails fast, local changes stay in the outbox and leave on the next run.
 *
 * A confirmed status does not wait for the schedule: requestPush() sends the outbox alone (no pulls) a moment
 * later, on this thread, debounced so that statuses confirmed together leave together. It never overlaps a run:
 * during a run the push waits for the run's end, and a run waits for a push in progress before its own sender
 * starts. Offline, the push gives up at the token and the statuses wait, as before, for the next run.
 *
 * In organisation mode only the workstation holding the sync lease (lease/sync-lease.ts) runs the schedule and
 * pushes: it checks the lease with the server before each run and each push, sweeps the outbox at each heartbeat
 * (statuses queued on the other workstations leave through it) and cancels its run if the lease is lost.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { listGaps } from '../items/quarantine-queries';
import type {
  SyncLeaseDto,
  SyncProgress,
  SyncStatusDto,
  SyncRunDto,
  SyncOutcome,
  SyncSummary,
} from '@shared/domain/sync';
import { AppError } from '@shared/errors/app-error';
import type { StoreLocation } from '../../db/open-store';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { SqliteDatabase } from '../../db/sql/sqlite-database';
import { Journal } from '../../journal/journal';
import type { SyncRunResult } from '../sync-engine';
import { createNodeTransport } from '../../transport/node-transport';
import { servePortHttpSender } from '../../transport/port-http-sender';
import { recordRefusedRun } from './refused-run';
import { sdoContextOf } from '../../fhir';

import { createSdoTransport, type HttpSender } from '../../transport/sdo-transport';
import type { Transport } from '../../transport/transport';
import type { RetryPolicy } from '../net/retry-policy';
import { readSyncLimits } from '../items/item-store';
import { sendOutbox } from '../outbox/outbox-sender';
import { emptyCounters } from '../sync-context';
import type { SyncRunSettings, SyncWorkerData } from './sync-worker-entry';
import { createLogger } from '../../logging/logger';
import { deskSyncLease, notHolderError, type SyncLease, type SyncLeaseState } from '../lease/sync-lease';

const log = createLogger('sync');

export const DEFAULT_SYNC_INTERVAL_MS = 15 * 60 * 1000;
/** Quiet time after a confirmed status before the outbox is pushed: a burst of confirmations leaves in one push. */
export const PUSH_DEBOUNCE_MS = 800;
/** A push is brief: one retry for a busy server, then the item waits for the next run with its backoff. */
const PUSH_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000, maxRetryAfterMs: 5_000 };

/** What one push did with the outbox items it found due. */
export interface OutboxPushResult {
  readonly sent: readonly number[];
  readonly rejected: readonly number[];
  /** Items still waiting (unreachable server, retry later). */
  readonly waiting: number;
  /** The server could not be reached (no token): nothing was attempted. */
  readonly offline: boolean;
}
/** How often this thread copies the worker's WAL pages into the database while a run writes. */
const CHECKPOINT_EVERY_MS = 250;
const WORKER_YOUNG_GENERATION_MB = 16;
/** The worker's old generation: what a run keeps live (about 30 MB) and room to collect it at a steady pace… */
const WORKER_HEAP_BASE_MB = 64;
/** …plus, per MiB of the attachment size limit, what checking one attachment of that size may hold at once. */
const WORKER_HEAP_PER_ATTACHMENT_MB = 24;

export interface SyncServiceOptions {
  /** The UI connection: reads of status, runs, outbox; the outbox push. */
  readonly db: SqlDatabase;
  /** Where that store is: the worker opens its own connection to it (SQLite file or PostgreSQL). */
  readonly store: StoreLocation;
  /** What else the worker needs; built lazily (certificate and secrets may change between runs). */
  readonly workerData: () => Promise<SyncRunSettings>;
  readonly onProgress: (progress: SyncProgress) => void;
  readonly onFinished: (result: SyncRunResult | undefined) => void;
  readonly intervalMs?: number;
  /** Worker entry: by default the sources through tsx (sync-worker-tsx.mjs); the bundled file under Electron. */
  readonly workerUrl?: URL;
  readonly workerExecArgv?: string[];
  /** Carries the worker's exchanges when its transport goes 'via main' (Chromium's net under Electron). */
  readonly mainHttpSender?: () => HttpSender;
  /** The sync worker's old-generation bound (MB); null for none. By default from the attachment size limit. */
  readonly workerHeapMb?: number | null;
  /** After each push that found something to send. */
  readonly onPushed?: (result: OutboxPushResult) => void;
  readonly pushDebounceMs?: number;
  /**
   * Set on a degraded start (the organisation's store could not be opened, the desk's stands in): no run, no push,
   * no schedule; runNow answers this error.
   */
  readonly suspended?: AppError;
  /** Who may sync: the desk's own (always this workstation) by default; the organisation's lease on PostgreSQL. */
  readonly lease?: SyncLease;
  /** Organisation mode: how often the holder sends what the outbox holds (default 10 s). */
  readonly outboxSweepMs?: number;
  /** The holder or this workstation's hold changed. */
  readonly onLeaseChange?: (lease: SyncLeaseDto) => void;
}

const DEFAULT_OUTBOX_SWEEP_MS = 10_000;

function leaseDto(state: SyncLeaseState): SyncLeaseDto {
  return {
    shared: state.shared,
    eligible: state.eligible,
    holder: state.holder
      ? { label: state.holder.label, since: state.holder.since, thisWorkstation: state.holder.thisWorkstation }
      : null,
  };
}

/** The worker's end of a channel whose other end the service's thread serves with the main sender. */
interface HttpRelay {
  readonly workerPort: MessagePort;
  close(): void;
}

export class SyncService {
  private worker: Worker | undefined;
  private starting = false;
  private progress: SyncProgress | null = null;
  private timer: NodeJS.Timeout | undefined;
  private nextAt: Date | null = null;
  private pushTimer: NodeJS.Timeout | undefined;
  private pushing: Promise<OutboxPushResult | undefined> | undefined;
  /** A push was asked while a run or another push was busy: push again once it is over. */
  private pushAgain = false;
  /**
   * Outbox items a push was asked for and not yet reported. A run in progress may send them itself: the push that
   * follows it finds nothing due, yet must still tell their fate (the screen waits for it).
   */
  private readonly awaited = new Set<number>();
  /** Closed: a run still preparing its worker (waiting for the sandbox's start) starts none. */
  private closed = false;
  private readonly lease: SyncLease;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopFollowingLease: (() => void) | undefined;

  constructor(private readonly options: SyncServiceOptions) {
    this.lease = options.lease ?? deskSyncLease('Ce poste');
  }

  /**
   * Starts contending for the sync (organisation mode; nothing to do on a desk): once this workstation holds the
   * lease it sends the outbox at once and at each sweep; losing it cancels its run.
   */
  startLease(): void {
    if (this.options.suspended || this.closed || !this.lease.shared || this.stopFollowingLease) return;
    let held = false;
    this.stopFollowingLease = this.lease.onChange((state) => {
      const holds = state.holder?.thisWorkstation === true;
      if (holds && !held) this.requestPush();
      if (!holds && held && this.worker) {
        log.warn('Synchronisation annulée : ce poste ne détient plus le bail');
        this.cancel();
      }
      held = holds;
      this.options.onLeaseChange?.(leaseDto(state));
    });
    this.lease.start();
    // The holder sends what every workstation queued; the others follow the fate of their own statuses.
    this.sweepTimer = setInterval(() => {
      if (this.running || this.pushing) return;
      if (this.lease.holds() || this.awaited.size > 0) void this.pushNow().catch(() => undefined);
    }, this.options.outboxSweepMs ?? DEFAULT_OUTBOX_SWEEP_MS);
    this.sweepTimer.unref();
  }

  startSchedule(): void {
    if (this.options.suspended) return;
    const interval = this.options.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.stopSchedule();
    this.nextAt = new Date(Date.now() + interval);
    this.timer = setInterval(() => {
      this.nextAt = new Date(Date.now() + interval);
      // Only the holder syncs; the others keep the rhythm, ready to take over.
      if (!this.running && this.lease.holds()) void this.runNow().catch(() => undefined);
    }, interval);
    this.timer.unref();
  }

  stopSchedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.nextAt = null;
  }

  get running(): boolean {
    return this.starting || this.worker !== undefined;
  }

  async runNow(): Promise<SyncRunResult | undefined> {
    if (this.options.suspended) throw this.options.suspended;
    if (this.running) throw new AppError('SYNC_ALREADY_RUNNING', 'Une synchronisation est déjà en cours.');
    // Taken before the first await: a second "Synchroniser maintenant" while the worker's data is being prepared
    // must not start a second worker.
    this.starting = true;
    // Another workstation syncs: nothing to record here, the answer names it. A lease whose holder is gone is taken.
    const holds = await this.lease.confirm().catch(() => false);
    if (!holds) {
      this.starting = false;
      throw notHolderError(this.lease.state());
    }
    let data: SyncWorkerData;
    try {
      // A push in progress ends first: one sender at a time on the outbox.
      await this.pushing;
      data = {
        ...(await this.options.workerData()),
        store: this.options.store,
        // SQLite only: a PostgreSQL server checkpoints by itself.
        checkpointInParent: this.options.db instanceof SqliteDatabase,
        ...(this.lease.fence() ? { fence: this.lease.fence() } : {}),
      };
    } catch (error) {
      // The app closed while the run was being prepared (the sandbox's start given up): no run, nothing to record.
      if (this.closed) return undefined;
      await recordRefusedRun(this.options.db, error).catch(() => undefined);
      this.options.onFinished(undefined);
      throw error;
    } finally {
      this.starting = false;
    }
    if (this.closed) return undefined;
    const heapMb = await this.workerHeapMb();
    const first = await this.runWorker(data, heapMb);
    if (!first.outOfMemory) return first.settle();
    // Its heap bound was too tight for what this run received (attachments near a raised size limit): the run is
    // done again at once without it; the interrupted one is recorded as such by the next (sync-engine.ts).
    log.warn('Synchronisation reprise sans borne de mémoire', { heapMb });
    // runWorker takes this.worker at once: "running" holds from the first worker's end to the second's start.
    const second = this.runWorker(data, undefined);
    this.starting = false;
    return (await second).settle();
  }

  /**
   * The worker's old-generation bound (MB): its heap otherwise grows with the length of a run (garbage is
   * collected lazily: about 130 MB after 8,000 decisions, where 30 MB are live), and the process's memory with it.
   * The bound leaves room for the largest attachment the settings allow; a run that needs more is done again
   * without it.
   */
  private async workerHeapMb(): Promise<number | undefined> {
    if (this.options.workerHeapMb !== undefined) return this.options.workerHeapMb ?? undefined;
    const limits = await readSyncLimits(this.options.db).catch(() => undefined);
    if (!limits) return undefined;
    return WORKER_HEAP_BASE_MB + WORKER_HEAP_PER_ATTACHMENT_MB * Math.ceil(limits.maxAttachmentBytes / (1024 * 1024));
  }

  /** One worker runs the sync to its end; `heapMb` bounds its old generation. */
  private runWorker(
    workerData: SyncWorkerData,
    heapMb: number | undefined,
  ): Promise<{ readonly outOfMemory: boolean; settle(): SyncRunResult | undefined }> {
    let data = workerData;
    let relay: HttpRelay | undefined;
    if (data.transport.via === 'main') {
      relay = this.openRelay();
      data = { ...data, transport: { ...data.transport, port: relay.workerPort } };
    }
    const url = this.options.workerUrl ?? new URL('./sync-worker-tsx.mjs', import.meta.url);
    const worker = new Worker(url, {
      workerData: data,
      transferList: relay ? [relay.workerPort] : [],
      execArgv: this.options.workerExecArgv ?? [],
      // A flux 1 run allocates fast and keeps little: a bounded nursery is collected sooner (bench:sync: about
      // 40 MB less peak RSS, same rate).
      resourceLimits: {
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        ...(heapMb !== undefined ? { maxOldGenerationSizeMb: heapMb } : {}),
      },
    });
    this.worker = worker;
    // SQLite: the worker's connection never checkpoints: this one does, on another core, without blocking its writes
    // (PASSIVE copies what is committed and gives up on any lock).
    const checkpoints = data.checkpointInParent ? setInterval(() => this.checkpoint(), CHECKPOINT_EVERY_MS) : undefined;
    return new Promise((resolve) => {
      let result: SyncRunResult | undefined;
      let failure: AppError | undefined;
      let outOfMemory = false;
      worker.on(
        'message',
        (message: { type: string; progress?: SyncProgress; result?: SyncRunResult; message?: string }) => {
          if (message.type === 'progress' && message.progress) {
            this.progress = message.progress;
            this.options.onProgress(message.progress);
          } else if (message.type === 'done' || message.type === 'error') {
            if (message.type === 'done') result = message.result;
            else failure = new AppError('INTERNAL', 'La synchronisation a échoué.', message.message);
            // The run is over and its connection closed: end the thread now rather than wait for the loader's
            // handles (tsx under Node 20) to let it exit by itself.
            void worker.terminate();
          }
        },
      );
      worker.on('error', (e) => {
        outOfMemory = heapMb !== undefined && (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        failure = new AppError('INTERNAL', 'La synchronisation a échoué.', e.message);
      });
      worker.on('exit', () => {
        relay?.close();
        if (checkpoints) {
          clearInterval(checkpoints);
          this.checkpoint();
        }
        this.worker = undefined;
        this.progress = null;
        if (outOfMemory && !this.closed) {
          this.starting = true;
          resolve({ outOfMemory: true, settle: () => undefined });
          return;
        }
        this.options.onFinished(result);
        if (this.pushAgain) this.requestPush();
        resolve({
          outOfMemory: false,
          settle: () => {
            if (failure) throw failure;
            return result;
          },
        });
      });
    });
  }

  /**
   * Statuses were queued (their outbox ids): push the outbox shortly (debounced), or after the run in progress.
   * Their fate is reported by onPushed, also when that run is the one that sent them.
   */
  requestPush(outboxIds: readonly number[] = []): void {
    if (this.options.suspended) return;
    for (const id of outboxIds) this.awaited.add(id);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      void this.pushNow().catch(() => undefined);
    }, this.options.pushDebounceMs ?? PUSH_DEBOUNCE_MS);
  }

  /**
   * Sends what the outbox holds and is due, now, without pulling anything. Undefined when a run or a push is busy
   * (this one follows it).
   */
  async pushNow(): Promise<OutboxPushResult | undefined> {
    if (this.options.suspended) return undefined;
    this.pushAgain = false;
    if (this.running || this.pushing) {
      this.pushAgain = true;
      return undefined;
    }
    const push = this.push();
    this.pushing = push.catch(() => undefined);
    try {
      const result = await push;
      if (result) this.options.onPushed?.(result);
      return result;
    } finally {
      this.pushing = undefined;
      if (this.pushAgain) this.requestPush();
    }
  }

  private async dueOutboxIds(): Promise<number[]> {
    const rows = await this.options.db.all<{ id: number }>(
      `SELECT id FROM outbox WHERE state IN ('pending', 'in_flight') AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY id`,
      [new Date().toISOString()],
    );
    return rows.map((r) => r.id);
  }

  private async push(): Promise<OutboxPushResult | undefined> {
    // Another workstation syncs: it sends them; their fate is told here once it is known there.
    if (!(await this.lease.confirm().catch(() => false))) return this.sentElsewhere();
    const due = await this.dueOutboxIds();
    // Reported: what is due now, and what was asked for though a run may have handled it meanwhile.
    const reported = [...new Set([...due, ...this.awaited])].sort((a, b) => a - b);
    this.awaited.clear();
    if (reported.length === 0) return undefined;
    if (due.length === 0) return this.outcomeOf(reported, false);
    let data: SyncRunSettings;
    try {
      data = await this.options.workerData();
    } catch (error) {
      // Nothing could be attempted (no certificate…): the next push, after the next run, reports them.
      for (const id of reported) this.awaited.add(id);
      throw error;
    }
    let transport: Transport;
    if (data.transport.via === 'node') transport = createNodeTransport(data.transport.config);
    else {
      const openSender = this.options.mainHttpSender;
      if (!openSender)
        throw new AppError('INTERNAL', 'La connexion par la carte n’est possible que dans l’application de bureau.');
      transport = createSdoTransport(data.transport.endpoints, openSender);
    }
    const db = this.options.db;
    try {
      try {
        await transport.getToken();
      } catch {
        return this.outcomeOf(reported, true);
      }
      const counters = emptyCounters();
      await sendOutbox(
        {
          db,
          transport,
          journal: new Journal(db),
          now: () => new Date(),
          sdo: sdoContextOf(data.sdo),
          retry: PUSH_RETRY,
          concurrency: 1,
          limits: await readSyncLimits(db),
        },
        counters,
      );
      return this.outcomeOf(reported, false);
    } finally {
      transport.close();
    }
  }

  /** Not the syncer: the statuses queued here that the holder has sent or that were refused, once. */
  private async sentElsewhere(): Promise<OutboxPushResult | undefined> {
    if (this.awaited.size === 0) return undefined;
    const ids = [...this.awaited].sort((x, y) => x - y);
    const outcome = await this.outcomeOf(ids, false);
    const settled = new Set([...outcome.sent, ...outcome.rejected]);
    // Sent or refused: told now. Still waiting: followed at the next sweep. Abandoned or gone: no longer followed.
    const waiting = await this.options.db.all<{ id: number }>(
      `SELECT id FROM outbox WHERE state IN ('pending', 'in_flight') AND id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    const stillWaiting = new Set(waiting.map((r) => r.id));
    for (const id of ids) if (!stillWaiting.has(id)) this.awaited.delete(id);
    return settled.size > 0 ? outcome : undefined;
  }

  /** Where these outbox items stand now. */
  private async outcomeOf(ids: readonly number[], offline: boolean): Promise<OutboxPushResult> {
    const states = await this.options.db.all<{ id: number; state: string }>(
      `SELECT id, state FROM outbox WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
      ids,
    );
    return {
      sent: states.filter((s) => s.state === 'sent').map((s) => s.id),
      rejected: states.filter((s) => s.state === 'rejected').map((s) => s.id),
      waiting: states.filter((s) => s.state === 'pending' || s.state === 'in_flight').length,
      offline,
    };
  }

  private openRelay(): HttpRelay {
    if (!this.options.mainHttpSender) {
      throw new AppError('INTERNAL', 'La connexion par la carte n’est possible que dans l’application de bureau.');
    }
    const sender = this.options.mainHttpSender();
    const { port1, port2 } = new MessageChannel();
    servePortHttpSender(port1, sender);
    return {
      workerPort: port2,
      close: () => {
        port1.close();
        sender.close();
      },
    };
  }

  private checkpoint(): void {
    const db = this.options.db;
    if (!(db instanceof SqliteDatabase)) return;
    try {
      db.connection.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A closed or busy connection: the next checkpoint (or SQLite's own at the next local write) catches up.
    }
  }

  cancel(): boolean {
    if (!this.worker) return false;
    this.worker.postMessage({ type: 'cancel' });
    return true;
  }

  async status(): Promise<SyncStatusDto> {
    // One consistent view of the counts and the runs.
    return this.options.db.transaction(
      async (tx) => {
        const runs = await tx.all<{
          id: number;
          started_at: string;
          finished_at: string | null;
          outcome: SyncOutcome | null;
          summary_json: string | null;
        }>('SELECT id, started_at, finished_at, outcome, summary_json FROM sync_run ORDER BY id DESC LIMIT 10');
        const lastRuns: SyncRunDto[] = runs.map((r) => ({
          id: r.id,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          outcome: r.outcome,
          summary: r.summary_json ? (JSON.parse(r.summary_json) as SyncSummary) : null,
        }));
        const counts = await tx.get<{ pending: number; quarantined: number; toReread: number }>(
          `SELECT (SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')) AS pending,
                  (SELECT count(*) FROM quarantine WHERE resolved_at IS NULL) AS quarantined,
                  (SELECT count(*) FROM quarantine WHERE resolved_at IS NULL AND kind = 'à relire') AS "toReread"`,
        );
        return {
          running: this.running,
          lease: leaseDto(this.lease.state()),
          progress: this.progress,
          lastRuns,
          nextScheduledAt: this.nextAt && this.lease.holds() ? this.nextAt.toISOString() : null,
          pendingOutbox: counts?.pending ?? 0,
          quarantined: counts?.quarantined ?? 0,
          toReread: counts?.toReread ?? 0,
          gaps: await listGaps(tx),
        };
      },
      { readOnly: true },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopSchedule();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = undefined;
    await this.pushing;
    if (this.worker) {
      this.cancel();
      await new Promise((r) => setTimeout(r, 200));
      await this.worker?.terminate();
    }
    // Released once nothing of this workstation writes any more: the next holder starts on a quiet outbox.
    this.stopFollowingLease?.();
    await this.lease.close();
  }
}
