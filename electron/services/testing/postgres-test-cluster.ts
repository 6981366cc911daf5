/**
 * What the Vitest global setup hands to the test workers about the PostgreSQL test cluster (through the
 * environment, which forked workers inherit): where it is, the migrated template database each test store copies,
 * and the coordinator role the stores connect as (a real, non-superuser role: grants and row security apply).
 */
import { clusterHandle, type PostgresCluster, type PostgresClusterInfo } from './postgres-cluster';

export const TEST_CLUSTER_ENV = 'REFERENT_VT_TEST_POSTGRES_CLUSTER';

export interface TestClusterData extends PostgresClusterInfo {
  readonly template: string;
  readonly storeUser: string;
  readonly storePassword: string;
}

export function testClusterData(): TestClusterData | undefined {
  const raw = process.env[TEST_CLUSTER_ENV];
  return raw ? (JSON.parse(raw) as TestClusterData) : undefined;
}

/** The running test cluster, or undefined on a machine without PostgreSQL. */
export function testCluster(): (PostgresCluster & TestClusterData) | undefined {
  const data = testClusterData();
  return data ? { ...clusterHandle(data), ...data } : undefined;
}
