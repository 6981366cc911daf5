/**
 * The live link on real PostgreSQL servers: a commit on one connection wakes the listener of another; the echo of
 * the workstation's own pool is skipped; a link cut while changes are committed catches up on reconnection; and a
 * restart of the database server is survived (private cluster: the shared one must never be stopped).
 */
import crypto from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../open-store';
import type { SqlDatabase } from '../sql/sql-database';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from '../../testing/postgres-cluster';
import { testCluster } from '../../testing/postgres-test-cluster';
import { openTestStore, type TestStore } from '../../testing/test-stores';
import { migratePostgres } from './migrations';
import { PostgresDatabase } from '../sql/postgres-database';
import type { PostgresConnectionOptions } from './postgres-connection';
import { ChangeListener, listenForChanges, type ChangeNotice, type LiveLinkState } from './change-listener';

const SCHEMA = 'referent_vt';

/** What a listener reported, with a way to wait for the notice or state a test expects. */
function recorder() {
  const notices: ChangeNotice[] = [];
  const states: LiveLinkState[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const until = <T>(find: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`Non reçu à temps : ${what}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    notices,
    states,
    onChange: (notice: ChangeNotice) => {
      notices.push(notice);
      wake();
    },
    onStateChange: (state: LiveLinkState) => {
      states.push(state);
      wake();
    },
    notice: (predicate: (n: ChangeNotice) => boolean, what: string) => until(() => notices.find(predicate), what),
    state: (state: LiveLinkState, after = 0) =>
      until(() => (states.slice(after).includes(state) ? state : undefined), `état ${state}`),
  };
}

/** One committed change, as any screen-visible write makes it; returns the counter value it committed. */
async function writeChange(db: SqlDatabase): Promise<string> {
  await db.run('INSERT INTO setting (key, value) VALUES (?, ?)', [`live-${crypto.randomUUID()}`, 'x']);
  return (db as PostgresDatabase).changeToken();
}

function clientFor(connection: PostgresConnectionOptions, overrides: pg.ClientConfig = {}): pg.Client {
  return new pg.Client({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: connection.password,
    application_name: 'referent-vt-direct-test',
    ...overrides,
  });
}

/**
 * A TCP relay to the test cluster that can be cut like a network: while cut, bytes are dropped both ways and new
 * connections are accepted but never answered (no FIN, no RST, as when a cable or a VPN goes away).
 */
async function cuttableNetwork(serverPort: number) {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    inbound.on('error', () => undefined);
    if (cut) return;
    const outbound = net.connect(serverPort, '127.0.0.1');
    sockets.add(outbound);
    outbound.on('error', () => inbound.destroy());
    inbound.on('error', () => outbound.destroy());
    inbound.on('data', (bytes) => {
      if (!cut) outbound.write(bytes);
    });
    outbound.on('data', (bytes) => {
      if (!cut) inbound.write(bytes);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () => {
      cut = true;
    },
    restore: () => {
      cut = false;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** Settles once the listener has counted `token` (its notification received), announced or not. */
function knows(listener: ChangeListener, token: string): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const known = listener.knownToken();
      if (known !== undefined && BigInt(known) >= BigInt(token)) {
        clearInterval(check);
        resolve();
      }
    }, 10);
  });
}

describe.skipIf(!testCluster())('live link on the PostgreSQL test cluster', () => {
  let store: TestStore;
  /** Another workstation's store, on the same database. */
  let other: SqlDatabase;
  const listeners: ChangeListener[] = [];

  beforeAll(async () => {
    store = await openTestStore('postgres');
    if (store.location.kind !== 'postgres') throw new Error('magasin PostgreSQL attendu');
    other = await openStore(store.location);
  });

  afterEach(async () => {
    for (const l of listeners.splice(0)) await l.stop();
  });

  afterAll(async () => {
    await other?.close();
    await store?.close();
  });

  it('wakes on another connection’s commit, announces a burst up to its last commit, skips its own pool’s echo', async () => {
    const seen = recorder();
    const listener = listenForChanges(store.db as PostgresDatabase, { ...seen, coalesceMs: 50 });
    listeners.push(listener);
    await listener.whenConnected();
    expect(listener.currentState()).toBe('connected');

    const token = await writeChange(other);
    const notice = await seen.notice((n) => n.token === token, 'le changement d’un autre poste');
    expect(notice.cause).toBe('notify');

    // A burst of commits from the other workstation ends announced with its last value.
    const burst = await Promise.all(Array.from({ length: 8 }, () => writeChange(other)));
    const last = String(Math.max(...burst.map(Number)));
    await seen.notice((n) => n.token === last, 'la fin de la rafale');
    expect(seen.notices.length).toBeLessThanOrEqual(1 + burst.length);

    // This workstation's own commit: counted, not announced (its handler already did).
    const own = await writeChange(store.db);
    await knows(listener, own);
    const after = await writeChange(other);
    await seen.notice((n) => n.token === after, 'le changement suivant d’un autre poste');
    expect(seen.notices.map((n) => n.token)).not.toContain(own);
  });

  it('announces a stream of commits at most once per interval, the latest value last', async () => {
    const seen = recorder();
    const listener = listenForChanges(store.db as PostgresDatabase, {
      ...seen,
      coalesceMs: 10,
      minIntervalMs: 600_000,
    });
    listeners.push(listener);
    await listener.whenConnected();
    const first = await writeChange(other);
    await seen.notice((n) => n.token === first, 'la première annonce');
    let last = first;
    for (let i = 0; i < 4; i++) last = await writeChange(other);
    await knows(listener, last);
    // Counted at once, announced only when the interval is over (not within this test).
    expect(seen.notices.map((n) => n.token)).toEqual([first]);
  });

  it('catches up on reconnection with what was committed while the link was cut', async () => {
    if (store.location.kind !== 'postgres') throw new Error('magasin PostgreSQL attendu');
    const connection = store.location.connection;
    let cut = false;
    const seen = recorder();
    const listener = new ChangeListener({
      ...seen,
      schema: SCHEMA,
      coalesceMs: 20,
      initialBackoffMs: 20,
      maxBackoffMs: 200,
      // While "the network is cut", every attempt fails to reach the server.
      newClient: () => clientFor(connection, cut ? { host: '/nonexistent-socket-dir' } : {}),
    }).start();
    listeners.push(listener);
    await listener.whenConnected();
    const before = listener.knownToken();

    cut = true;
    const mark = seen.states.length;
    await other.value(
      `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'referent-vt-direct-test'`,
    );
    await seen.state('reconnecting', mark);
    const missed = await writeChange(other);
    expect(missed).not.toBe(before);

    cut = false;
    const notice = await seen.notice((n) => n.token === missed, 'le rattrapage à la reconnexion');
    expect(notice.cause).toBe('catch-up');
    expect(listener.currentState()).toBe('connected');
    // And the link works again afterwards.
    const next = await writeChange(other);
    expect((await seen.notice((n) => n.token === next, 'un changement après le retour')).cause).toBe('notify');
  });

  it('notices a silent network cut by its liveness check, and catches up once the network is back', async () => {
    if (store.location.kind !== 'postgres') throw new Error('magasin PostgreSQL attendu');
    const connection = store.location.connection;
    const cluster = testCluster()!;
    const network = await cuttableNetwork(cluster.port);
    try {
      const seen = recorder();
      const listener = new ChangeListener({
        ...seen,
        schema: SCHEMA,
        coalesceMs: 20,
        initialBackoffMs: 50,
        maxBackoffMs: 300,
        livenessIntervalMs: 200,
        livenessTimeoutMs: 500,
        // Over TCP and TLS through the network that will be cut (the socket has no network to cut).
        newClient: () =>
          clientFor(connection, {
            host: '127.0.0.1',
            port: network.port,
            ssl: { ca: cluster.caPem, rejectUnauthorized: true },
            connectionTimeoutMillis: 1_000,
          }),
      }).start();
      listeners.push(listener);
      await listener.whenConnected();

      const mark = seen.states.length;
      // Packets lost both ways, no FIN, no RST: only the liveness check can tell.
      network.cut();
      await seen.state('reconnecting', mark);
      const missed = await writeChange(other);
      network.restore();
      const notice = await seen.notice((n) => n.token === missed, 'le rattrapage après la coupure');
      expect(notice.cause).toBe('catch-up');
    } finally {
      network.close();
    }
  });

  it('never throws into the app when the handler fails, and stops cleanly', async () => {
    let calls = 0;
    const listener = listenForChanges(store.db as PostgresDatabase, {
      coalesceMs: 10,
      onChange: () => {
        calls++;
        throw new Error('écran indisponible');
      },
    });
    listeners.push(listener);
    await listener.whenConnected();
    await writeChange(other);
    const second = await writeChange(other);
    await knows(listener, second);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (calls > 0) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    await listener.stop();
    expect(listener.currentState()).toBe('stopped');
  });
});

describe.skipIf(!findPostgresBin())('live link across a restart of the database server (private cluster)', () => {
  let cluster: PostgresCluster | undefined;
  let admin: PostgresDatabase | undefined;
  let writer: PostgresDatabase | undefined;
  let listener: ChangeListener | undefined;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    await cluster.createDatabase('live');
    const settings = { ...cluster.admin('live'), ssl: false as const, schema: SCHEMA };
    admin = PostgresDatabase.fromSettings({ ...settings, maxConnections: 1 });
    await migratePostgres(admin);
    writer = PostgresDatabase.fromSettings({ ...settings, maxConnections: 1 });
  }, 180_000);

  afterAll(async () => {
    await listener?.stop();
    await writer?.close();
    await admin?.close();
    await cluster?.stop();
  });

  it('reconnects by itself after the server restarts, then hears changes again', async () => {
    const seen = recorder();
    listener = listenForChanges(admin!, { ...seen, coalesceMs: 20, initialBackoffMs: 50, maxBackoffMs: 1_000 });
    await listener.whenConnected();
    const first = await writeChange(writer!);
    await seen.notice((n) => n.token === first, 'un changement avant le redémarrage');

    const mark = seen.states.length;
    await cluster!.restart(async () => {
      // The server is down: the link knows it and keeps trying.
      await seen.state('reconnecting', mark);
    });
    await seen.state('connected', mark);
    const afterRestart = await writeChange(writer!);
    const notice = await seen.notice((n) => n.token === afterRestart, 'un changement après le redémarrage');
    expect(['notify', 'catch-up']).toContain(notice.cause);
    expect(seen.states.slice(mark)).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
  }, 180_000);
});
