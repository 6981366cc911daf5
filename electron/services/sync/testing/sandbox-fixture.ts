/**
 * Test fixture: the embedded sandbox over real mTLS, stores of the chosen backend (the desk's encrypted SQLite file or
 * a PostgreSQL test database) and the Node transport.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StoreLocation } from '../../db/open-store';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { Journal } from '../../journal/journal';
import type { SandboxSettings } from '../../sandbox/admin-api';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox-server';
import { makeTempDir } from '../../testing/temp-dir';
import { openTestStore, type TestBackend, type TestStore } from '../../testing/test-stores';
import { createNodeTransport } from '../../transport/node-transport';
import type { NodeTransportConfig, Transport } from '../../transport/transport';
import { runSyncOnce, type SyncEngineOptions, type SyncRunResult } from '../sync-engine';
import { storeLocationToJson } from '../runner/store-transfer';
import type { SyncChildConfig } from './sync-child-entry';

export const TEST_EJ = { finessEj: '010000001', name: 'ASSOCIATION FICTIVE LES TILLEULS' };
export const FAST_RETRY = { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 5_000 };

/** A store opened by the fixture (closed with it), its journal, and where it is for a worker or child process. */
export interface FixtureStore {
  readonly db: SqlDatabase;
  readonly journal: Journal;
  readonly location: StoreLocation;
}

export interface SandboxFixture {
  readonly dir: string;
  readonly sandbox: RunningSandbox;
  readonly backend: TestBackend;
  /** The sandbox's client (.p12 of the test EJ), trust anchors, endpoints and credentials. */
  transportConfig(options?: { maxSockets?: number }): NodeTransportConfig;
  transport(options?: { maxSockets?: number }): Transport;
  /** A new, empty store of the fixture's backend. */
  openDb(): Promise<FixtureStore>;
  sync(
    db: SqlDatabase,
    journal: Journal,
    transport: Transport,
    extra?: Partial<SyncEngineOptions>,
  ): Promise<SyncRunResult>;
  close(): Promise<void>;
}

export async function startSandboxFixture(
  options: {
    initialDecisions?: number;
    dir?: string;
    settings?: Partial<SandboxSettings>;
    /** Where the stores opened by openDb live (default SQLite). */
    backend?: TestBackend;
  } = {},
): Promise<SandboxFixture> {
  const backend = options.backend ?? 'sqlite';
  const tmp = options.dir ? { dir: options.dir, cleanup: () => undefined } : makeTempDir('referent-vt-sync-');
  const sandbox = await startSandbox({
    dataDir: path.join(tmp.dir, 'sandbox'),
    initialDecisions: options.initialDecisions ?? 20,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const client = sandbox.pki.clients[TEST_EJ.finessEj];
  if (!client) throw new Error('client .p12 absent');
  const sandboxTransportConfig = (opts: { maxSockets?: number } = {}): NodeTransportConfig => ({
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    clientCertificate: { kind: 'p12', p12: fs.readFileSync(client.p12Path), password: client.password },
    trustAnchorsPem: [sandbox.caBundlePem],
    proxyMode: 'none',
    maxSockets: opts.maxSockets ?? 8,
  });
  const transports: Transport[] = [];
  const stores: TestStore[] = [];
  return {
    dir: tmp.dir,
    sandbox,
    backend,
    transportConfig(opts = {}) {
      return sandboxTransportConfig(opts);
    },
    transport(opts = {}) {
      const t = createNodeTransport(sandboxTransportConfig(opts));
      transports.push(t);
      return t;
    },
    async openDb() {
      const store = await openTestStore(backend);
      stores.push(store);
      return { db: store.db, journal: new Journal(store.db), location: store.location };
    },
    sync(db, journal, transport, extra = {}) {
      return runSyncOnce({
        db,
        journal,
        transport,
        legalEntity: TEST_EJ,
        activateNewEgs: true,
        retry: FAST_RETRY,
        ...extra,
      });
    },
    async close() {
      for (const t of transports) t.close();
      for (const store of stores) await store.close().catch(() => undefined);
      await sandbox.close();
      tmp.cleanup();
    },
  };
}

/** What a child sync process (sync-child-entry) needs to sync this fixture's sandbox into a store opened here. */
export function syncChildConfig(f: SandboxFixture, opened: Pick<FixtureStore, 'location'>): SyncChildConfig {
  const client = f.sandbox.pki.clients[TEST_EJ.finessEj];
  if (!client) throw new Error('client .p12 absent');
  return {
    store: storeLocationToJson(opened.location),
    fhirBaseUrl: f.sandbox.fhirBaseUrl,
    tokenUrl: f.sandbox.tokenUrl,
    clientId: f.sandbox.clientId,
    clientSecret: f.sandbox.clientSecret,
    p12Path: client.p12Path,
    p12Password: client.password,
    caBundlePem: f.sandbox.caBundlePem,
    maxSockets: 4,
    concurrency: 4,
    legalEntity: TEST_EJ,
    retry: FAST_RETRY,
  };
}
