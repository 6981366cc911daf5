/**
 * `npx tsx bench/offline-snapshot-bench.ts [--notifications N]`: the cost of the offline snapshot (docs/decisions.md
 * §18). Seeds an organisation's PostgreSQL (the test cluster, a coordinator's connection) with N notifications
 * (default 10,000) through the desk fixture (fake decisions with their CDA, statuses, outbox, consents), then times
 * refreshSnapshot into an encrypted SQLite file: the first copy (everything), a second with nothing changed, and one
 * after 100 notifications changed. Last line: one JSON object.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sizeOption } from './bench-options';
import { openSqliteConnection } from '../electron/services/db/database';
import { refreshSnapshot } from '../electron/services/organisation/offline-snapshot';
import { seedDesk } from '../electron/services/organisation/testing/desk-fixture';
import startPostgresTestCluster from '../electron/services/testing/postgres-global-setup';
import { openTestStore } from '../electron/services/testing/test-stores';

const N = sizeOption('notifications', 10_000);

async function main(): Promise<void> {
  const stopCluster = await startPostgresTestCluster();
  if (!stopCluster) throw new Error('PostgreSQL introuvable');
  const store = await openTestStore('postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-offline-bench-'));
  try {
    let t = performance.now();
    await seedDesk(store.db, { count: N });
    console.log(`${N} notifications semées en ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const file = path.join(dir, 'organisation-hors-ligne.db');
    const snapshot = openSqliteConnection({ file, key: crypto.randomBytes(32) });
    const now = () => new Date();
    const timed = async () => {
      const start = performance.now();
      const rssBefore = process.memoryUsage().rss;
      const tables: Record<string, number> = {};
      const report = await refreshSnapshot(store.db, snapshot, 'bench', now, (table, ms) => {
        tables[table] = Math.round(ms);
      });
      return {
        seconds: Number(((performance.now() - start) / 1000).toFixed(2)),
        rowsWritten: report.rowsWritten,
        decisionsFetched: report.decisionsFetched,
        rssGrowthMb: Math.round((process.memoryUsage().rss - rssBefore) / 1e6),
        tablesMs: tables,
      };
    };
    const first = await timed();
    console.log('première copie', first);
    const unchanged = await timed();
    console.log('sans changement', unchanged);
    t = performance.now();
    await store.db.run(
      `UPDATE notification SET updated_at = ? WHERE id IN (SELECT id FROM notification ORDER BY id LIMIT 100)`,
      [new Date().toISOString()],
    );
    const after100 = await timed();
    console.log('après 100 notifications modifiées', after100);
    snapshot.pragma('wal_checkpoint(TRUNCATE)');
    const notifications = Number(snapshot.prepare('SELECT count(*) FROM notification').pluck().get());
    snapshot.close();
    const fileMb = Number((fs.statSync(file).size / 1e6).toFixed(1));
    console.log(
      JSON.stringify({
        notifications,
        fileMb,
        first,
        unchanged,
        after100,
        cpus: os.cpus().length,
        load: os.loadavg()[0],
      }),
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await stopCluster();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
