/** Test fixture: the embedded sandbox over real mTLS, an encrypted database file and the Node transport. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from '../../db/database';
import { Journal } from '../../journal/journal';
import type { SandboxSettings } from '../../sandbox/admin-api';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox-server';
import { makeTempDir } from '../../testing/temp-dir';
import { createNodeTransport } from '../../transport/node-transport';
import type { NodeTransportConfig, Transport } from '../../transport/transport';
import { runSyncOnce, type SyncEngineOptions, type SyncRunResult } from '../sync-engine';
import type { SyncChildConfig } from './sync-child-entry';

export const TEST_EJ = { finessEj: '010000001', name: 'ASSOCIATION FICTIVE LES TILLEULS' };
export const FAST_RETRY = { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 5_000 };

export interface SandboxFixture {
  readonly dir: string;
  readonly sandbox: RunningSandbox;
  /** The sandbox's client (.p12 of the test EJ), trust anchors, endpoints and credentials. */
  transportConfig(options?: { maxSockets?: number }): NodeTransportConfig;
  transport(options?: { maxSockets?: number }): Transport;
  openDb(name?: string): { db: Db; journal: Journal; file: string; key: Buffer };
  sync(db: Db, journal: Journal, transport: Transport, extra?: Partial<SyncEngineOptions>): Promise<SyncRunResult>;
  close(): Promise<void>;
}

export async function startSandboxFixture(
  options: { initialDecisions?: number; dir?: string; settings?: Partial<SandboxSettings> } = {},
): Promise<SandboxFixture> {
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
  const dbs: Db[] = [];
  return {
    dir: tmp.dir,
    sandbox,
    transportConfig(opts = {}) {
      return sandboxTransportConfig(opts);
    },
    transport(opts = {}) {
      const t = createNodeTransport(sandboxTransportConfig(opts));
      transports.push(t);
      return t;
    },
    openDb(name = 'referent-vt.db') {
      const file = path.join(tmp.dir, name);
      const keyFile = `${file}.key`;
      const key = fs.existsSync(keyFile) ? fs.readFileSync(keyFile) : crypto.randomBytes(32);
      fs.writeFileSync(keyFile, key);
      const db = openDatabase({ file, key });
      dbs.push(db);
      return { db, journal: new Journal(db), file, key };
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
      for (const db of dbs) if (db.open) db.close();
      await sandbox.close();
      tmp.cleanup();
    },
  };
}

/** What a child sync process (sync-child-entry) needs to sync this fixture's sandbox into the database opened here. */
export function syncChildConfig(f: SandboxFixture, opened: { file: string; key: Buffer }): SyncChildConfig {
  const client = f.sandbox.pki.clients[TEST_EJ.finessEj];
  if (!client) throw new Error('client .p12 absent');
  return {
    databaseFile: opened.file,
    databaseKeyHex: opened.key.toString('hex'),
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
