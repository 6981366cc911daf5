/**
 * Vitest global setup: starts one PostgreSQL test cluster for the whole run and migrates a template database once,
 * so each `openTestStore('postgres')` is a quick CREATE DATABASE … TEMPLATE. REFERENT_VT_TEST_POSTGRES=required
 * (CI) makes a failure to start fatal; =off skips it; otherwise a machine without PostgreSQL runs SQLite only.
 */
import crypto from 'node:crypto';
import { migratePostgres } from '../db/postgres/migrations';
import { PostgresDatabase } from '../db/sql/postgres-database';
import { GROUP_ROLES } from '../db/postgres/migrations/0003-roles-and-row-security';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster';
import { TEST_CLUSTER_ENV, type TestClusterData } from './postgres-test-cluster';

export const TEMPLATE_DATABASE = 'referent_vt_template';
export const TEST_SCHEMA = 'referent_vt';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const mode = process.env.REFERENT_VT_TEST_POSTGRES;
  if (mode === 'off') return undefined;
  let cluster: PostgresCluster | undefined;
  try {
    cluster = await startPostgresCluster();
    const data = await prepare(cluster);
    process.env[TEST_CLUSTER_ENV] = JSON.stringify(data);
  } catch (e) {
    await cluster?.stop();
    if (mode === 'required')
      throw new Error(`PostgreSQL requis pour les tests : ${(e as Error).message}`, { cause: e });
    console.log(`Tests sur SQLite seulement : ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const started = cluster;
  return async () => {
    delete process.env[TEST_CLUSTER_ENV];
    await started.stop();
  };
}

async function prepare(cluster: PostgresCluster): Promise<TestClusterData> {
  await cluster.createDatabase(TEMPLATE_DATABASE);
  const admin = cluster.admin(TEMPLATE_DATABASE);
  const db = PostgresDatabase.fromSettings({ ...admin, ssl: false, schema: TEST_SCHEMA, maxConnections: 1 });
  try {
    await migratePostgres(db);
  } finally {
    await db.close();
  }
  const storeUser = 'referent_vt_test_store';
  const storePassword = crypto.randomBytes(18).toString('base64url');
  await cluster.adminQuery(
    `CREATE ROLE ${storeUser} LOGIN PASSWORD '${storePassword}' IN ROLE ${GROUP_ROLES.coordinator}`,
  );
  // A template nobody may connect to cannot be copied while in use.
  await cluster.adminQuery(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH ALLOW_CONNECTIONS false`);
  return {
    socketDir: cluster.socketDir,
    port: cluster.port,
    caPem: cluster.caPem,
    otherCaPem: cluster.otherCaPem,
    template: TEMPLATE_DATABASE,
    storeUser,
    storePassword,
  };
}
