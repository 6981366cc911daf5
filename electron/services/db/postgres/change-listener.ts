/**
 * The live link of a workstation in organisation mode (issue 15): one dedicated connection (never one of the pool's)
 * LISTENs on the schema's change channel (migration 0005), so a commit on any workstation, or of any sync, reaches
 * this one within milliseconds, without polling. The link repairs itself: after an error, the end of the connection
 * (server restart) or a failed liveness check (network cut), it reconnects with a capped, jittered backoff, and on
 * each connection compares the change counter with the last value it saw, so what was committed while it was away
 * is announced too. Bursts (a sync commits many transactions) are coalesced into one announcement per short window.
 * Nothing here throws into the app: the link is a convenience over data the screens can always reload.
 */
import pg from 'pg';
import { changeChannel } from './migrations/0005-change-notify';
import type { PostgresDatabase } from '../sql/postgres-database';

/** Where the link tells its losses and returns: the app's log file, given by the caller (Logger's shape). */
export interface LiveLinkLog {
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

const silent: LiveLinkLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export type LiveLinkState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface ChangeNotice {
  /** The change counter's value the notice brings the workstation up to. */
  readonly token: string;
  /** 'notify': announced by the server; 'catch-up': found missing on a (re)connection. */
  readonly cause: 'notify' | 'catch-up';
}

export interface ChangeListenerOptions {
  /** An unconnected client to the organisation's server, working in `schema`; a new one per attempt. */
  readonly newClient: () => pg.Client;
  readonly schema: string;
  /** Called once per coalescing window in which something changed; its exceptions are logged, never thrown. */
  readonly onChange: (notice: ChangeNotice) => void;
  readonly onStateChange?: (state: LiveLinkState) => void;
  /** Default: silent. Given codes and durations only, never a message of node-postgres (it may quote settings). */
  readonly log?: LiveLinkLog;
  /**
   * Backend pids of this workstation's own pooled connections: their commits are already announced by the handler
   * that made them, so their echo is skipped (the counter still moves on). Default: none skipped.
   */
  readonly isOwnSession?: (pid: number) => boolean;
  /** Window during which notices are gathered into one onChange (default 100 ms: well under the 2 s promise). */
  readonly coalesceMs?: number;
  /**
   * Least time between two onChange (default 500 ms): a sync commits transaction after transaction for minutes,
   * and each announcement makes every open screen of every workstation reload; a lone change still comes after
   * coalesceMs only, a sustained stream at most twice a second.
   */
  readonly minIntervalMs?: number;
  /** First reconnection delay, doubled at each failure up to maxBackoffMs (defaults 250 ms, 5 s). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Liveness check of the idle connection (default every 20 s, answered within 10 s): a network cut leaves a TCP
   * connection silently dead for many minutes otherwise. It reads nothing: changes still come only by NOTIFY.
   */
  readonly livenessIntervalMs?: number;
  readonly livenessTimeoutMs?: number;
}

export class ChangeListener {
  private state: LiveLinkState = 'connecting';
  private client: pg.Client | undefined;
  /** The last change counter value this workstation knows of (undefined before the first connection). */
  private lastToken: bigint | undefined;
  private pendingCause: ChangeNotice['cause'] | undefined;
  private coalesceTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastAnnouncedAt = Number.NEGATIVE_INFINITY;
  private lostAt: number | undefined;
  private readonly stateWaiters = new Set<() => void>();
  private readonly channel: string;
  private readonly log: LiveLinkLog;

  constructor(private readonly options: ChangeListenerOptions) {
    this.channel = changeChannel(options.schema);
    this.log = options.log ?? silent;
  }

  /** Starts connecting; returns at once (the first connection, like every later one, happens in the background). */
  start(): this {
    void this.connect();
    return this;
  }

  currentState(): LiveLinkState {
    return this.state;
  }

  /** The last change counter value seen (tests, diagnostics). */
  knownToken(): string | undefined {
    return this.lastToken === undefined ? undefined : String(this.lastToken);
  }

  /** Settles once the link is connected (at once if it is), or when it is stopped. */
  whenConnected(): Promise<void> {
    if (this.state === 'connected' || this.state === 'stopped') return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = (): void => {
        if (this.state !== 'connected' && this.state !== 'stopped') return;
        this.stateWaiters.delete(waiter);
        resolve();
      };
      this.stateWaiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.setState('stopped');
    clearTimeout(this.coalesceTimer);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.livenessTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await this.discard(client);
  }

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return;
    let client: pg.Client;
    try {
      client = this.options.newClient();
    } catch (e) {
      this.retryLater(e);
      return;
    }
    this.client = client;
    // Attached before connect: an error event without a listener would crash the process.
    client.on('error', (e: Error) => this.lose(client, e));
    client.on('end', () => this.lose(client, undefined));
    client.on('notification', (message) => {
      if (this.client === client && message.channel === this.channel) this.noticed(message.payload);
    });
    try {
      await client.connect();
      // LISTEN before reading the counter: a commit after the read is notified, one before is in the value read.
      await client.query(`LISTEN "${this.channel}"`);
      const read = await client.query<{ value: string }>(
        `SELECT value::text AS value FROM ${this.options.schema}.change_counter WHERE id = 1`,
      );
      if (this.client !== client || this.stopped()) return;
      this.connected(BigInt(read.rows[0]?.value ?? '0'));
    } catch (e) {
      this.lose(client, e);
    }
  }

  private connected(token: bigint): void {
    const firstConnection = this.lastToken === undefined;
    const missed = !firstConnection && token !== this.lastToken;
    if (this.lostAt !== undefined) {
      this.log.info('Lien en direct avec le serveur de l’organisation rétabli', {
        absentMs: Date.now() - this.lostAt,
        tentatives: this.failures,
        changementsManques: missed,
      });
    }
    this.lostAt = undefined;
    this.failures = 0;
    if (firstConnection || token > this.lastToken!) this.lastToken = token;
    this.setState('connected');
    this.watchLiveness();
    if (missed) this.schedule('catch-up');
  }

  private noticed(payload: string | undefined): void {
    let token: bigint | undefined;
    let writer: number | undefined;
    try {
      const parsed = JSON.parse(payload ?? '') as { v?: unknown; pid?: unknown };
      if (typeof parsed.v === 'number' || typeof parsed.v === 'string') token = BigInt(parsed.v);
      if (typeof parsed.pid === 'number') writer = parsed.pid;
    } catch {
      // An unreadable payload still means "something changed".
    }
    if (token !== undefined) {
      // Already counted by the catch-up read of this connection.
      if (this.lastToken !== undefined && token <= this.lastToken) return;
      this.lastToken = token;
    }
    if (writer !== undefined && this.options.isOwnSession?.(writer)) return;
    this.schedule('notify');
  }

  private schedule(cause: ChangeNotice['cause']): void {
    // A catch-up in the window is worth reporting as such (the log and tests tell the two apart).
    if (this.pendingCause !== 'catch-up') this.pendingCause = cause;
    if (this.coalesceTimer) return;
    const coalesceMs = this.options.coalesceMs ?? 100;
    const delay = Math.max(coalesceMs, this.lastAnnouncedAt + (this.options.minIntervalMs ?? 500) - Date.now());
    this.coalesceTimer = setTimeout(() => {
      this.coalesceTimer = undefined;
      this.lastAnnouncedAt = Date.now();
      const notice: ChangeNotice = { token: String(this.lastToken ?? 0n), cause: this.pendingCause ?? cause };
      this.pendingCause = undefined;
      if (this.state === 'stopped') return;
      try {
        this.options.onChange(notice);
      } catch (e) {
        this.log.error('Annonce d’un changement en direct en échec', e);
      }
    }, delay);
  }

  /** The connection `client` failed or ended: drop it and try again later (once per client). */
  private lose(client: pg.Client, error: unknown): void {
    if (this.client !== client || this.state === 'stopped') return;
    this.client = undefined;
    clearInterval(this.livenessTimer);
    void this.discard(client);
    this.retryLater(error);
  }

  private retryLater(error: unknown): void {
    if (this.lostAt === undefined) {
      this.lostAt = Date.now();
      // Codes only: node-postgres' messages may quote the connection settings.
      this.log.warn('Lien en direct avec le serveur de l’organisation perdu ; reconnexion automatique', {
        code: errorCode(error),
        etaitConnecte: this.state === 'connected',
      });
    }
    this.setState('reconnecting');
    const initial = this.options.initialBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 5_000;
    const base = Math.min(max, initial * 2 ** Math.min(this.failures, 20));
    this.failures++;
    // Jitter: after a server restart, fifty workstations must not all knock at the same instant.
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private watchLiveness(): void {
    clearInterval(this.livenessTimer);
    const client = this.client;
    if (!client) return;
    const timeoutMs = this.options.livenessTimeoutMs ?? 10_000;
    this.livenessTimer = setInterval(() => {
      if (this.client !== client) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('liveness'), { code: 'LIVENESS_TIMEOUT' })), timeoutMs);
      });
      Promise.race([client.query('SELECT 1'), timeout]).then(
        () => clearTimeout(timer),
        (e: unknown) => {
          clearTimeout(timer);
          this.lose(client, e);
        },
      );
    }, this.options.livenessIntervalMs ?? 20_000);
    this.livenessTimer.unref();
  }

  private async discard(client: pg.Client): Promise<void> {
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    // A dead peer (network cut) may never answer the goodbye: wait a moment, then drop the socket ourselves.
    const ended = await Promise.race([
      client.end().then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 2_000).unref()),
    ]);
    if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  /** Read afresh after an await (stop() may have been called meanwhile). */
  private stopped(): boolean {
    return this.state === 'stopped';
  }

  private setState(state: LiveLinkState): void {
    if (this.state === state) return;
    this.state = state;
    for (const waiter of [...this.stateWaiters]) waiter();
    try {
      this.options.onStateChange?.(state);
    } catch (e) {
      this.log.error('Suivi de l’état du lien en direct en échec', e);
    }
  }
}

/**
 * The live link of an open organisation store: a dedicated client with the pool's own settings (server, account,
 * TLS, schema), named so an administrator tells it apart in pg_stat_activity.
 */
export function listenForChanges(
  db: PostgresDatabase,
  handlers: Pick<ChangeListenerOptions, 'onChange' | 'onStateChange'> &
    Partial<Omit<ChangeListenerOptions, 'newClient' | 'schema' | 'onChange' | 'onStateChange' | 'isOwnSession'>>,
): ChangeListener {
  const settings = db.pool.options;
  // The pool's connections as they come and go (processID: the server's backend pid, known once connected).
  const ownSessions = new Set<number>();
  const sessionOf = (client: pg.PoolClient): number | undefined =>
    (client as pg.PoolClient & { processID?: number | null }).processID ?? undefined;
  // Those already open (the store's opening checks): pg-pool keeps them in `_clients`, its only list of them.
  for (const client of (db.pool as unknown as { _clients?: pg.PoolClient[] })._clients ?? []) {
    const pid = sessionOf(client);
    if (pid !== undefined) ownSessions.add(pid);
  }
  db.pool.on('connect', (client) => {
    const pid = sessionOf(client);
    if (pid !== undefined) ownSessions.add(pid);
  });
  db.pool.on('remove', (client) => {
    const pid = sessionOf(client);
    if (pid !== undefined) ownSessions.delete(pid);
  });
  const newClient = (): pg.Client =>
    new pg.Client({
      host: settings.host,
      port: settings.port,
      database: settings.database,
      user: settings.user,
      password: settings.password,
      ssl: settings.ssl,
      options: settings.options,
      application_name: 'referent-vt-direct',
      keepAlive: true,
      connectionTimeoutMillis: 15_000,
    });
  return new ChangeListener({
    ...handlers,
    newClient,
    schema: db.schema,
    isOwnSession: (pid) => ownSessions.has(pid),
  }).start();
}

function errorCode(e: unknown): string {
  if (e === undefined) return 'fin de connexion';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'erreur';
}
