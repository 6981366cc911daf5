/**
 * `npm run bench:soak [-- --syncs N]`: N syncs in a row (default 500) of the embedded sandbox through the app's own
 * service (startApplication, its SyncService and the bundled sync worker), in this process, as the host runs them
 * every 15 minutes. Prints the RSS at start and end and its slope in kB per sync, by least squares over the runs
 * after the warm-up (the first tenth, at most 50), which a leak would make grow steadily. `--new-per-sync N` adds N
 * decisions to the sandbox before each run (default 0: the usual run that finds little new). Last line: JSON.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApplication } from '../electron/services/app/bootstrap';
import { sizeOption } from './bench-options';

const SYNCS = sizeOption('syncs', 500);
const NEW_PER_SYNC = process.argv.includes('--new-per-sync') ? sizeOption('new-per-sync', 1) : 0;
const INITIAL_DECISIONS = 200;
const WARM_UP = Math.min(50, Math.floor(SYNCS / 10));
const BUNDLED_SYNC_WORKER = new URL('../out/main/sync-worker.js', import.meta.url);

/** Slope of y over x by least squares. */
function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += (xs[i]! - meanX) * (ys[i]! - meanY);
    den += (xs[i]! - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

async function main(): Promise<void> {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-soak-'));
  const key = crypto.randomBytes(32);
  const app = await startApplication({
    dataRoot,
    shell: 'navigateur',
    version: 'bench',
    databaseKey: () => key,
    syncIntervalMs: 0,
    sandboxInitialDecisions: INITIAL_DECISIONS,
    syncWorker: { url: BUNDLED_SYNC_WORKER, execArgv: [] },
  });
  const started = performance.now();
  try {
    const sandbox = app.sandbox;
    // Started by this process, the sandbox's operations are at hand (to add decisions between runs).
    const operations = sandbox?.operations;
    if (!operations) throw new Error("le bac à sable intégré n'a pas démarré dans ce processus");
    const rssStart = process.memoryUsage().rss;
    const rssAfter: number[] = [];
    const outcomes: Record<string, number> = {};
    for (let run = 1; run <= SYNCS; run += 1) {
      if (NEW_PER_SYNC > 0) operations.generateDecisions(NEW_PER_SYNC);
      const result = await app.sync.runNow();
      const outcome = result?.outcome ?? 'sans résultat';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      rssAfter.push(process.memoryUsage().rss);
      if (run % 50 === 0 || run === SYNCS) {
        console.log(`${run} synchronisations, RSS ${mb(rssAfter.at(-1)!)} Mo`);
      }
    }
    const measured = rssAfter.slice(WARM_UP);
    const slopeBytes = leastSquaresSlope(
      measured.map((_, i) => i + WARM_UP + 1),
      measured,
    );
    const figures = {
      syncs: SYNCS,
      new_decisions_per_sync: NEW_PER_SYNC,
      warm_up_syncs: WARM_UP,
      outcomes,
      rss_start_mb: mb(rssStart),
      rss_end_mb: mb(rssAfter.at(-1)!),
      rss_slope_kb_per_sync: Math.round((slopeBytes / 1024) * 10) / 10,
      seconds: Math.round((performance.now() - started) / 1000),
    };
    console.log(JSON.stringify(figures));
  } finally {
    await app.close();
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
