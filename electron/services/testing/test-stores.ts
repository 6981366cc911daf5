/**
 * The stores the store, sync and worklist suites run against: SQLite always, PostgreSQL when the test cluster is up
 * (started once by the Vitest global setup, postgres-global-setup.ts; required in CI). `describe.each(TEST_BACKENDS)`
 * runs a suite on each. A PostgreSQL test store is a fresh database copied from the migrated template, reached as a
 * coordinator role (not a superuser: grants and row security apply as in an organisation).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { openStore, type StoreLocation } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import { testCluster } from './postgres-test-cluster';
import { makeTempDir } from './temp-dir';

export type TestBackend = 'sqlite' | 'postgres';

export interface TestStore {
  readonly db: SqlDatabase;
  /** Where it is, for a child process (sync worker) to open it too. */
  readonly location: StoreLocation;
  close(): Promise<void>;
}

export const TEST_BACKENDS: readonly TestBackend[] = testCluster() ? ['sqlite', 'postgres'] : ['sqlite'];

export async function openTestStore(backend: TestBackend = 'sqlite'): Promise<TestStore> {
  if (backend === 'postgres') return openPostgresTestStore();
  const tmp = makeTempDir('referent-vt-store-');
  const location: StoreLocation = { kind: 'sqlite', file: path.join(tmp.dir, 'store.db'), key: crypto.randomBytes(32) };
  const db = await openStore(location);
  return {
    db,
    location,
    close: async () => {
      await db.close();
      tmp.cleanup();
    },
  };
}

async function openPostgresTestStore(): Promise<TestStore> {
  const cluster = testCluster();
  if (!cluster) throw new Error('Pas de serveur PostgreSQL de test (voir postgres-global-setup.ts).');
  const database = `t_${crypto.randomBytes(8).toString('hex')}`;
  await cluster.createDatabase(database, cluster.template);
  const location: StoreLocation = {
    kind: 'postgres',
    connection: {
      host: cluster.socketDir,
      port: cluster.port,
      database,
      user: cluster.storeUser,
      password: cluster.storePassword,
      tls: { mode: 'disable' },
    },
  };
  const db = await openStore(location);
  return {
    db,
    location,
    close: async () => {
      await db.close();
      await cluster.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}
