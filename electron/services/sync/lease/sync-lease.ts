/**
 * Who syncs (docs/decisions.md, « Une seule synchronisation par organisation »). A desk is its own syncer. On the
 * organisation's PostgreSQL, the workstations able to sync contend for one lease row (migration 0004-sync-lease):
 * the holder renews it every `heartbeatMs` for `ttlMs` of the server's clock; a holder that closes deletes it, one
 * that crashes or loses the network stops renewing and another takes it once it has expired. A holder stops
 * starting runs and pushes as soon as its own deadline (measured from before its last successful renewal, on its
 * monotonic clock) has passed, before the server can give the lease to anyone else; the run itself is fenced in
 * the database (fenceRun): it is recorded only while the lease is still this holder's.
 */
import crypto from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase, SqlExecutor } from '../../db/sql/sql-database';
import { createLogger } from '../../logging/logger';

const log = createLogger('sync-lease');

/** One lease per organisation database: one legal entity per schema (see the migration). */
export const SYNC_LEASE_SCOPE = 'organisation';

export interface SyncLeaseTimings {
  /** Between two renewals (or, for a non-holder, two attempts to take it). */
  readonly heartbeatMs: number;
  /** How long a renewal holds on the server's clock. */
  readonly ttlMs: number;
}

/** A crashed holder is replaced within ttl + heartbeat = 55 s: under the minute the issue asks. */
export const DEFAULT_SYNC_LEASE_TIMINGS: SyncLeaseTimings = { heartbeatMs: 10_000, ttlMs: 45_000 };

/** Environment variables overriding the timings (tests, multi-process harness): milliseconds. */
export const SYNC_LEASE_HEARTBEAT_ENV = 'REFERENT_VT_SYNC_LEASE_HEARTBEAT_MS';
export const SYNC_LEASE_TTL_ENV = 'REFERENT_VT_SYNC_LEASE_TTL_MS';

export function checkSyncLeaseTimings(timings: SyncLeaseTimings): SyncLeaseTimings {
  const { heartbeatMs, ttlMs } = timings;
  // Two renewals may fail before the lease lapses: a single lost packet never hands the sync over.
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 50 || !Number.isInteger(ttlMs) || ttlMs < 3 * heartbeatMs) {
    throw new AppError(
      'INVALID_INPUT',
      'Réglage du bail de synchronisation invalide : la durée doit valoir au moins trois fois l’intervalle de ' +
        'renouvellement (en millisecondes, intervalle ≥ 50).',
      `heartbeat=${heartbeatMs} ttl=${ttlMs}`,
    );
  }
  return timings;
}

/** The timings from the environment (SYNC_LEASE_*_ENV), the defaults otherwise. */
export function syncLeaseTimingsFromEnv(env: NodeJS.ProcessEnv = process.env): SyncLeaseTimings {
  const heartbeat = env[SYNC_LEASE_HEARTBEAT_ENV];
  const ttl = env[SYNC_LEASE_TTL_ENV];
  if (!heartbeat && !ttl) return DEFAULT_SYNC_LEASE_TIMINGS;
  const heartbeatMs = heartbeat ? Number(heartbeat) : DEFAULT_SYNC_LEASE_TIMINGS.heartbeatMs;
  return checkSyncLeaseTimings({ heartbeatMs, ttlMs: ttl ? Number(ttl) : heartbeatMs * 4 });
}

export interface SyncLeaseHolder {
  readonly holderId: string;
  /** Host name and OS user, or the service's name (`referent-vt serve`). */
  readonly label: string;
  /** When it took the lease (server's clock), ISO. */
  readonly since: string;
  readonly thisWorkstation: boolean;
}

export interface SyncLeaseState {
  /** Several workstations share the store (organisation mode); false on a desk, always its own syncer. */
  readonly shared: boolean;
  /** This workstation may sync (a usable certificate, a role that sees every EG). */
  readonly eligible: boolean;
  /** Who syncs now, as last seen; null when nobody does. */
  readonly holder: SyncLeaseHolder | null;
}

/** What a run needs to fence itself: plain data, it crosses to the sync worker. */
export interface RunFence {
  readonly scope: string;
  readonly holderId: string;
  readonly holderLabel: string;
}

export interface SyncLease {
  readonly shared: boolean;
  /** Starts contending (PostgreSQL); nothing on a desk. */
  start(): void;
  /** Whether this workstation holds the lease now, as far as it knows without asking the server. */
  holds(): boolean;
  /**
   * Asks the server (taking the lease if it is free and this workstation is eligible): whether this workstation may
   * start a run or a push now. Called before each run and each push.
   */
  confirm(): Promise<boolean>;
  state(): SyncLeaseState;
  /** Called when the holder, this workstation's hold or its eligibility changes. Returns the unsubscribe. */
  onChange(listener: (state: SyncLeaseState) => void): () => void;
  /** For the run (undefined on a desk). */
  fence(): RunFence | undefined;
  /** Stops contending and releases the lease if held. */
  close(): Promise<void>;
}

/** "Synchroniser maintenant" on a workstation that does not sync. */
export function notHolderError(state: SyncLeaseState): AppError {
  if (!state.eligible) {
    return new AppError(
      'SYNC_NOT_ELIGIBLE',
      'Ce poste ne peut pas synchroniser : il n’a pas de certificat utilisable (certificat de l’organisation, ou ' +
        'carte insérée et code PIN saisi) ou son compte ne voit pas tous les établissements. ' +
        (state.holder
          ? `La synchronisation est assurée par le poste « ${state.holder.label} ».`
          : 'Aucun poste ne synchronise pour l’instant.'),
    );
  }
  return new AppError(
    'SYNC_OTHER_HOLDER',
    state.holder
      ? `La synchronisation de l’organisation est assurée par le poste « ${state.holder.label} » depuis le ` +
          `${frenchDateTime(state.holder.since)} : ce poste ne la lance pas en même temps. Vos statuts enregistrés ` +
          'partent par ce poste.'
      : 'La synchronisation de l’organisation passe d’un poste à un autre : réessayez dans un instant.',
  );
}

function frenchDateTime(iso: string): string {
  return new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
}

/** A desk (SQLite): one workstation, always its own syncer. */
export function deskSyncLease(label: string, now: () => Date = () => new Date()): SyncLease {
  const since = now().toISOString();
  const state: SyncLeaseState = {
    shared: false,
    eligible: true,
    holder: { holderId: 'poste', label, since, thisWorkstation: true },
  };
  return {
    shared: false,
    start: () => undefined,
    holds: () => true,
    confirm: () => Promise.resolve(true),
    state: () => state,
    onChange: () => () => undefined,
    fence: () => undefined,
    close: () => Promise.resolve(),
  };
}

export interface OrganisationSyncLeaseOptions {
  /** The organisation's PostgreSQL. */
  readonly db: SqlDatabase;
  /** Shown to the other workstations: host name and OS user, or the service's name. */
  readonly label: string;
  /** Whether this workstation may sync now (re-asked at each heartbeat: a card pulled out, a certificate removed). */
  readonly eligible: () => Promise<boolean>;
  readonly timings?: SyncLeaseTimings;
  /** This contender's id (default: random, one per process start). */
  readonly holderId?: string;
  /** Monotonic milliseconds (tests). */
  readonly monotonicMs?: () => number;
}

interface LeaseRow {
  holder_id: string;
  holder_label: string;
  since_ms: number;
}

const SINCE_MS = '(extract(epoch FROM acquired_at) * 1000)::bigint';

/**
 * Takes the lease when it is free, expired or already this holder's, renewing it; otherwise changes nothing. One
 * statement, so one short transaction; rows locked by a concurrent contender are waited for and re-checked, so two
 * contenders never both win. Answers the holder after the statement (nobody: no row).
 */
const ACQUIRE_SQL = `
  WITH taken AS (
    INSERT INTO sync_lease AS l (scope, holder_id, holder_label, generation, acquired_at, heartbeat_at, expires_at)
    VALUES (@scope, @holder, @label, 1, now(), now(), now() + make_interval(secs => CAST(@ttl AS double precision)))
    ON CONFLICT (scope) DO UPDATE SET
      holder_id = excluded.holder_id,
      holder_label = excluded.holder_label,
      generation = CASE WHEN l.holder_id = excluded.holder_id THEN l.generation ELSE l.generation + 1 END,
      acquired_at = CASE WHEN l.holder_id = excluded.holder_id THEN l.acquired_at ELSE now() END,
      heartbeat_at = now(),
      expires_at = excluded.expires_at,
      run_id = CASE WHEN l.holder_id = excluded.holder_id THEN l.run_id END
    WHERE l.holder_id = excluded.holder_id OR l.expires_at <= now()
    RETURNING l.holder_id, l.holder_label, l.acquired_at
  )
  SELECT holder_id, holder_label, ${SINCE_MS} AS since_ms FROM taken
  UNION ALL
  SELECT holder_id, holder_label, ${SINCE_MS} FROM sync_lease
   WHERE scope = @scope AND expires_at > now() AND NOT EXISTS (SELECT 1 FROM taken)`;

const OBSERVE_SQL = `SELECT holder_id, holder_label, ${SINCE_MS} AS since_ms FROM sync_lease
  WHERE scope = ? AND expires_at > now()`;

/** A statement stuck on a dead connection must not stop the heartbeats: the next tick goes on without it. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('délai dépassé')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The organisation's lease on its PostgreSQL: one contender per workstation process. */
export class OrganisationSyncLease implements SyncLease {
  readonly shared = true;
  readonly holderId: string;
  private readonly timings: SyncLeaseTimings;
  private readonly monotonicMs: () => number;
  /** Monotonic deadline of this workstation's hold (0: not holding). */
  private heldUntil = 0;
  private holder: SyncLeaseHolder | null = null;
  private eligible = false;
  private lastSignature = '';
  private readonly listeners = new Set<(state: SyncLeaseState) => void>();
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private started = false;
  private closed = false;
  private failing = false;

  constructor(private readonly options: OrganisationSyncLeaseOptions) {
    this.timings = checkSyncLeaseTimings(options.timings ?? DEFAULT_SYNC_LEASE_TIMINGS);
    this.holderId = options.holderId ?? crypto.randomUUID();
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.tick();
  }

  holds(): boolean {
    return !this.closed && this.heldUntil > this.monotonicMs();
  }

  async confirm(): Promise<boolean> {
    if (this.closed) return false;
    await this.tick();
    return this.holds();
  }

  state(): SyncLeaseState {
    const holds = this.holds();
    const holder = this.holder && (holds || !this.holder.thisWorkstation) ? this.holder : null;
    return {
      shared: true,
      eligible: this.eligible,
      holder: holder ? { ...holder, thisWorkstation: holder.holderId === this.holderId && holds } : null,
    };
  }

  onChange(listener: (state: SyncLeaseState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fence(): RunFence {
    return { scope: SYNC_LEASE_SCOPE, holderId: this.holderId, holderLabel: this.options.label };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    // An attempt in progress ends first (its answer decides whether there is anything to release), not for long.
    if (this.ticking) await withinMs(this.ticking, 2_000).catch(() => undefined);
    // Held, or maybe still held on the server (its deadline passed while it could not renew): released if it is.
    const mayHold = this.heldUntil > 0;
    this.heldUntil = 0;
    if (mayHold) {
      // Released at once so another workstation takes over at its next attempt; an unreachable server lets it expire.
      await withinMs(
        this.options.db.run('DELETE FROM sync_lease WHERE scope = ? AND holder_id = ?', [
          SYNC_LEASE_SCOPE,
          this.holderId,
        ]),
        Math.min(this.timings.ttlMs, 3_000),
      ).then(
        () => log.info('Bail de synchronisation rendu'),
        () => log.warn('Bail de synchronisation non rendu : il expirera de lui-même'),
      );
    }
    this.notify();
    this.listeners.clear();
  }

  /** One attempt; concurrent callers share the one in progress. */
  private tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.ticking) {
      this.ticking = withinMs(this.attempt(), this.timings.ttlMs)
        .catch((e: unknown) => {
          if (!this.failing) log.warn('Bail de synchronisation : serveur injoignable', { error: (e as Error).name });
          this.failing = true;
        })
        .finally(() => {
          this.ticking = undefined;
          this.notify();
          this.schedule();
        });
    }
    return this.ticking;
  }

  private schedule(): void {
    if (this.closed || !this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), this.timings.heartbeatMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    const eligible = await this.options.eligible().catch(() => false);
    if (!eligible && this.eligible !== eligible) log.info('Poste non éligible à la synchronisation');
    this.eligible = eligible;
    const askedAt = this.monotonicMs();
    if (!eligible) {
      if (this.heldUntil > 0) {
        // No longer able to sync (card pulled out): hand over now rather than at expiry.
        this.heldUntil = 0;
        await this.options.db.run('DELETE FROM sync_lease WHERE scope = ? AND holder_id = ?', [
          SYNC_LEASE_SCOPE,
          this.holderId,
        ]);
      }
      this.seen(await this.options.db.get<LeaseRow>(OBSERVE_SQL, [SYNC_LEASE_SCOPE]), askedAt);
      return;
    }
    let row: LeaseRow | undefined;
    try {
      row = await this.options.db.get<LeaseRow>(ACQUIRE_SQL, {
        scope: SYNC_LEASE_SCOPE,
        holder: this.holderId,
        label: this.options.label,
        ttl: this.timings.ttlMs / 1000,
      });
    } catch (e) {
      // A role that may only read the lease (a referent) never syncs.
      if ((e as { code?: string }).code === 'DB_PERMISSION_DENIED') {
        this.eligible = false;
        this.seen(await this.options.db.get<LeaseRow>(OBSERVE_SQL, [SYNC_LEASE_SCOPE]), askedAt);
        return;
      }
      throw e;
    }
    this.seen(row, askedAt);
  }

  private seen(row: LeaseRow | undefined, askedAt: number): void {
    // Closing while this attempt took the lease: close() must still know, to release it.
    if (this.closed) {
      if (row?.holder_id === this.holderId) this.heldUntil = askedAt + this.timings.ttlMs;
      return;
    }
    if (this.failing) log.info('Bail de synchronisation : serveur de nouveau joignable');
    this.failing = false;
    const mine = row?.holder_id === this.holderId;
    if (mine) {
      if (!(this.heldUntil > this.monotonicMs())) log.info('Bail de synchronisation obtenu : ce poste synchronise');
      // From before the request: the server's expiry is later than this whatever the network's delay.
      this.heldUntil = askedAt + this.timings.ttlMs;
      this.armDeadline();
    } else if (this.heldUntil > 0) {
      this.heldUntil = 0;
      log.warn('Bail de synchronisation perdu : ce poste cesse de synchroniser');
    }
    this.holder = row
      ? {
          holderId: row.holder_id,
          label: row.holder_label,
          since: new Date(Number(row.since_ms)).toISOString(),
          thisWorkstation: mine,
        }
      : null;
  }

  /** Tells the listeners the moment the hold lapses, even while a renewal hangs on a dead connection. */
  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => {
        if (!this.holds() && this.heldUntil > 0)
          log.warn('Bail de synchronisation expiré : ce poste cesse de synchroniser');
        this.notify();
      },
      Math.max(0, this.heldUntil - this.monotonicMs()) + 1,
    );
    this.deadlineTimer.unref();
  }

  private notify(): void {
    const state = this.state();
    const signature = JSON.stringify(state);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (e) {
        log.error('Abonné au bail de synchronisation en échec', e);
      }
    }
  }
}

/**
 * In the transaction recording a new run: records it as this holder's, or refuses it (SYNC_LEASE_LOST, the
 * transaction rolls back) when the lease is no longer this holder's on the server's clock.
 */
export async function fenceRun(tx: SqlExecutor, fence: RunFence, runId: number): Promise<void> {
  const { changes } = await tx.run(
    'UPDATE sync_lease SET run_id = ? WHERE scope = ? AND holder_id = ? AND expires_at > now()',
    [runId, fence.scope, fence.holderId],
  );
  if (changes === 0) {
    throw new AppError(
      'SYNC_LEASE_LOST',
      'Synchronisation non lancée : un autre poste de l’organisation a pris le relais de la synchronisation.',
    );
  }
  await tx.run('UPDATE sync_run SET holder_id = ?, holder_label = ? WHERE id = ?', [
    fence.holderId,
    fence.holderLabel,
    runId,
  ]);
}

/**
 * The open runs a new run may close as interrupted: all of them on a desk; in organisation mode, all but those of
 * another holder whose lease is still alive (it may be running them).
 */
export const OPEN_RUNS_SQL = 'SELECT id, summary_json FROM sync_run WHERE finished_at IS NULL ORDER BY id';

export function interruptedRunsQuery(fence: RunFence | undefined): { sql: string; params: unknown[] } {
  if (!fence) return { sql: OPEN_RUNS_SQL, params: [] };
  return {
    sql: `SELECT id, summary_json FROM sync_run r WHERE finished_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM sync_lease l
             WHERE l.holder_id = r.holder_id AND l.holder_id <> ? AND l.expires_at > now())
          ORDER BY id`,
    params: [fence.holderId],
  };
}
