/**
 * `npx tsx bench/org-sizes.ts [--notifications N]`: the measurements behind docs/scaling.md. Seeds an organisation's
 * PostgreSQL (the test cluster, a coordinator's connection) with N notifications (default 20,000) through the desk
 * fixture (generated fake decisions with their CDA, statuses recorded through the real action path, outbox, journal,
 * received statuses, consents, evaluations), then reports per table: rows, heap, TOAST, indexes, bytes per row; each
 * index's size; and pg_dump (custom format) / pg_restore times and sizes with the cluster's own binaries.
 * Last line: one JSON object.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sizeOption } from './bench-options';
import { seedDesk } from '../electron/services/organisation/testing/desk-fixture';
import { CLUSTER_SUPERUSER, findPostgresBin } from '../electron/services/testing/postgres-cluster';
import startPostgresTestCluster from '../electron/services/testing/postgres-global-setup';
import { testCluster } from '../electron/services/testing/postgres-test-cluster';
import { openTestStore } from '../electron/services/testing/test-stores';

const run = promisify(execFile);
const N = sizeOption('notifications', 20_000, 'BENCH_NOTIFICATIONS');

/** Where pg_dump and pg_restore are: beside the server programs, else Debian's folders, else the PATH. */
function findClientBin(): string | undefined {
  const dirs = [findPostgresBin() ?? '', ...(process.env.PATH ?? '').split(path.delimiter)];
  try {
    for (const v of fs.readdirSync('/usr/lib/postgresql').sort().reverse())
      dirs.splice(1, 0, `/usr/lib/postgresql/${v}/bin`);
  } catch {
    // no Debian PostgreSQL package
  }
  return dirs.find((d) => d && fs.existsSync(path.join(d, 'pg_dump')) && fs.existsSync(path.join(d, 'pg_restore')));
}

async function main(): Promise<void> {
  const bin = findClientBin();
  const stopCluster = await startPostgresTestCluster();
  if (!stopCluster || !bin) throw new Error('PostgreSQL introuvable');
  const cluster = testCluster()!;
  const store = await openTestStore('postgres');
  const database = store.location.kind === 'postgres' ? store.location.connection.database : '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-sizes-'));
  const restored = `${database}_restored`;
  try {
    let t = performance.now();
    await seedDesk(store.db, { count: N });
    const seedSeconds = (performance.now() - t) / 1000;
    console.log(`${N} notifications semées en ${seedSeconds.toFixed(1)} s`);
    await cluster.adminQuery('VACUUM (ANALYZE)', database);

    const tables = (
      await cluster.adminQuery(
        `SELECT c.relname AS name, c.oid::regclass::text AS qualified,
                pg_relation_size(c.oid) AS heap,
                coalesce(pg_total_relation_size(c.reltoastrelid), 0) AS toast,
                pg_indexes_size(c.oid) AS indexes,
                pg_total_relation_size(c.oid) AS total
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'referent_vt' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC`,
        database,
      )
    ).rows as { name: string; qualified: string; heap: string; toast: string; indexes: string; total: string }[];
    const perTable: Record<string, { rows: number; heap: number; toast: number; indexes: number; total: number }> = {};
    for (const r of tables) {
      const rows = Number(
        ((await cluster.adminQuery(`SELECT count(*) AS n FROM ${r.qualified}`, database)).rows[0] as { n: string }).n,
      );
      perTable[r.name] = {
        rows,
        heap: Number(r.heap),
        toast: Number(r.toast),
        indexes: Number(r.indexes),
        total: Number(r.total),
      };
    }
    const indexes = Object.fromEntries(
      (
        await cluster.adminQuery(
          `SELECT i.relname AS name, pg_relation_size(i.oid) AS size FROM pg_class i
             JOIN pg_namespace n ON n.oid = i.relnamespace
            WHERE n.nspname = 'referent_vt' AND i.relkind = 'i' ORDER BY pg_relation_size(i.oid) DESC`,
          database,
        )
      ).rows.map((r: { name: string; size: string }) => [r.name, Number(r.size)]),
    );
    const databaseBytes = Number(
      ((await cluster.adminQuery(`SELECT pg_database_size('${database}') AS s`)).rows[0] as { s: string }).s,
    );

    const conn = ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', CLUSTER_SUPERUSER];
    const dump = path.join(dir, 'org.dump');
    t = performance.now();
    await run(path.join(bin, 'pg_dump'), [...conn, '-Fc', '-f', dump, database]);
    const dumpSeconds = (performance.now() - t) / 1000;
    await cluster.adminQuery(`CREATE DATABASE ${restored}`);
    t = performance.now();
    await run(path.join(bin, 'pg_restore'), [...conn, '-j', '2', '-d', restored, dump]);
    const restoreSeconds = (performance.now() - t) / 1000;
    const figures = {
      notifications: N,
      decisions: perTable.decision?.rows ?? 0,
      seed_s: Math.round(seedSeconds),
      database_bytes: databaseBytes,
      dump_bytes: fs.statSync(dump).size,
      dump_s: Number(dumpSeconds.toFixed(2)),
      restore_s: Number(restoreSeconds.toFixed(2)),
      cores: os.availableParallelism(),
      load_average_1m: Number(os.loadavg()[0]!.toFixed(1)),
      tables: perTable,
      indexes,
    };
    for (const [name, s] of Object.entries(perTable)) {
      if (s.rows === 0) continue;
      console.log(
        `${name.padEnd(20)} ${String(s.rows).padStart(8)} lignes  ${(s.total / 1024 / 1024).toFixed(2).padStart(8)} Mo` +
          `  (tas ${(s.heap / s.rows).toFixed(0)} o/ligne, TOAST ${(s.toast / s.rows).toFixed(0)}, index ` +
          `${(s.indexes / s.rows).toFixed(0)})`,
      );
    }
    console.log(JSON.stringify(figures));
  } finally {
    await store.close();
    await cluster.adminQuery(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`).catch(() => undefined);
    await stopCluster();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
