/**
 * `npm run bench:org [-- --workstations N] [-- --decisions D] [-- --actions A] [-- --rounds R]`: the organisation
 * mode with N referents' workstations at once (default 3), each its own process (the workstation harness of the
 * multi-process tests, electron/services/organisation/testing/workstation-process.ts), against one PostgreSQL (the
 * test cluster: fsync off, so it measures the app and the server, not the disk) and one sandbox in its own process.
 * 1. Sync throughput into PostgreSQL: one workstation (whichever holds the sync lease) syncs D decisions (default
 *    1,000) from the sandbox; decisions per second over the run recorded in sync_run, as bench:sync computes it.
 * 2. Propagation: R rounds (default 20), one action at a time from each workstation in turn; the time from the
 *    action's request to the data:changed event (GET /api/events) on each other workstation that brings the
 *    action's commit (its changeToken ≥ the change counter read once the action answered) — the moment its screens
 *    reload. Between rounds the outbox is left to drain. When no event comes (live propagation absent), the figure
 *    is null, not made up.
 * 3. Actions: every workstation performs A actions (default 60) at once, one after the other on each (a referent
 *    clicks one action at a time), on distinct notifications; actions per second over the whole, p95 latency of a
 *    request (POST /api/invoke/notifications:perform-action, recorded in PostgreSQL when it answers).
 * Last line: one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sizeOption } from './bench-options';
import { startBenchSandbox } from './bench-sandbox';
import { percentile } from './process-stats';
import {
  organisationServerOf,
  startWorkstation,
  waitUntil,
  type WorkstationEvents,
  type WorkstationProcess,
} from '../electron/services/organisation/testing/workstation-process';
import type { PostgresDatabase } from '../electron/services/db/sql/postgres-database';
import startPostgresTestCluster from '../electron/services/testing/postgres-global-setup';
import { testCluster } from '../electron/services/testing/postgres-test-cluster';
import { openTestStore, type TestStore } from '../electron/services/testing/test-stores';

const WORKSTATIONS = sizeOption('workstations', 3, 'BENCH_WORKSTATIONS');
const DECISIONS = sizeOption('decisions', 1_000, 'BENCH_DECISIONS');
const ACTIONS = sizeOption('actions', 60, 'BENCH_ACTIONS');
const ROUNDS = sizeOption('rounds', 20, 'BENCH_ROUNDS');
/** An observer that has seen nothing after this long is counted as "not propagated". */
const PROPAGATION_TIMEOUT_MS = 10_000;
const ACTION = 'marquer-lue';

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The day of the actions (Europe/Paris), the date a referent would type. */
function today(): string {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });
}

/** Syncs from whichever workstation may (the lease holder); decisions per second over the recorded run. */
async function syncThroughput(store: TestStore, workstations: readonly WorkstationProcess[]): Promise<number> {
  const started = performance.now();
  const answered = await waitUntil(
    async () => {
      for (const w of workstations) {
        const result = await w.invokeResult('sync:run-now', {});
        if (result.ok) return w.label;
      }
      return undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: 'un poste accepte de synchroniser' },
  );
  const run = await waitUntil(
    () =>
      store.db.get<{ startedAt: string; finishedAt: string; outcome: string }>(
        `SELECT started_at AS "startedAt", finished_at AS "finishedAt", outcome FROM sync_run
          WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`,
      ),
    { timeoutMs: 600_000, intervalMs: 250, what: 'synchronisation terminée' },
  );
  const stored = Number(await store.db.value('SELECT count(*) FROM decision'));
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  console.log(
    `Synchronisation (${answered}) : ${stored} décisions en ${seconds.toFixed(1)} s (${run.outcome}), ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s de bout en bout`,
  );
  if (stored !== DECISIONS) throw new Error(`${stored} décisions enregistrées au lieu de ${DECISIONS}`);
  return stored / seconds;
}

/**
 * The workstations' connections to the organisation's database (pg_stat_activity, asked from another database so
 * the question is not counted), less the bench's own pool: sampled while a phase runs, its peak kept.
 */
function connectionSampler(store: TestStore): {
  sample(): Promise<number>;
  peakDuring<T>(phase: () => Promise<T>): Promise<[T, number]>;
} {
  const cluster = testCluster()!;
  const database = store.location.kind === 'postgres' ? store.location.connection.database : '';
  const sample = async (): Promise<number> => {
    const row = (
      await cluster.adminQuery(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${database}' AND backend_type = 'client backend'`,
      )
    ).rows[0] as { n: string };
    return Number(row.n) - (store.db as PostgresDatabase).pool.totalCount;
  };
  return {
    sample,
    async peakDuring(phase) {
      let peak = await sample();
      let sampling = Promise.resolve();
      const timer = setInterval(() => {
        sampling = sampling.then(async () => {
          peak = Math.max(peak, await sample().catch(() => 0));
        });
      }, 250);
      try {
        const value = await phase();
        return [value, peak];
      } finally {
        clearInterval(timer);
        await sampling;
      }
    },
  };
}

/** Waits until no status waits in the outbox and the workstations' event streams have been quiet for a moment. */
async function settle(store: TestStore, streams: readonly WorkstationEvents[]): Promise<void> {
  await waitUntil(
    async () =>
      Number(await store.db.value("SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')")) === 0,
    { timeoutMs: 60_000, intervalMs: 100, what: 'boîte d’envoi vidée' },
  );
  let seen = streams.reduce((n, s) => n + s.received.length, 0);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = streams.reduce((n, s) => n + s.received.length, 0);
    if (now === seen) return;
    seen = now;
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-bench-org-'));
  const stopCluster = await startPostgresTestCluster();
  if (!stopCluster) throw new Error('PostgreSQL est nécessaire à bench:org (serveur introuvable).');
  const loadBefore = os.loadavg()[0]!;
  const { ready: sandbox, stop: stopSandbox } = await startBenchSandbox(dir, DECISIONS);
  console.log(`Bac à sable (processus séparé) : ${DECISIONS} décisions en ${sandbox.generationSeconds.toFixed(1)} s`);
  const p12Path = path.join(dir, 'client.p12');
  fs.writeFileSync(p12Path, Buffer.from(sandbox.p12Base64, 'base64'), { mode: 0o600 });
  const store = await openTestStore('postgres');
  const workstations: WorkstationProcess[] = [];
  const streams: WorkstationEvents[] = [];
  try {
    const t0 = performance.now();
    const started = await Promise.all(
      Array.from({ length: WORKSTATIONS }, (_, i) =>
        startWorkstation({
          organisation: organisationServerOf(store.location),
          sandbox: { ...sandbox, p12Path },
          label: `poste-${i + 1}`,
        }),
      ),
    );
    workstations.push(...started);
    console.log(`${WORKSTATIONS} postes démarrés en ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const connections = connectionSampler(store);
    const [syncRate, connectionsDuringSync] = await connections.peakDuring(() => syncThroughput(store, workstations));
    const ids = (
      await store.db.all<{ id: number }>(
        "SELECT id FROM notification WHERE esms_status = '39' AND terminated = 0 ORDER BY id",
      )
    ).map((r) => Number(r.id));
    const needed = ROUNDS + WORKSTATIONS * ACTIONS;
    if (ids.length < needed) throw new Error(`${ids.length} notifications à traiter, ${needed} nécessaires`);
    for (const w of workstations) streams.push(await w.events());
    await settle(store, streams);
    const connectionsIdle = await connections.sample();

    // 2. Propagation, one action at a time.
    const propagation: number[] = [];
    let missed = 0;
    let available = WORKSTATIONS > 1;
    for (let r = 0; r < ROUNDS && available; r++) {
      const actor = r % WORKSTATIONS;
      const observers = streams.filter((_, i) => i !== actor);
      const startedAt = performance.now();
      // Each observer's data:changed events from now on, with their arrival time and the change token they bring.
      const committed: { token?: bigint } = {};
      const arrivals = observers.map(
        (s) =>
          new Promise<number | undefined>((resolve) => {
            const seen: { at: number; token: bigint | undefined }[] = [];
            const done = (latency: number | undefined) => {
              clearTimeout(timer);
              off();
              clearInterval(check);
              resolve(latency);
            };
            const timer = setTimeout(() => done(undefined), PROPAGATION_TIMEOUT_MS);
            // The first event that brings the action's commit (token ≥ the counter read after it); an event
            // without a token (older live link) counts as soon as it comes.
            const match = () => {
              if (committed.token === undefined) return;
              const hit = seen.find((e) => e.token === undefined || e.token >= committed.token!);
              if (hit) done(hit.at - startedAt);
            };
            const off = s.on((e) => {
              if (e.event !== 'data:changed') return;
              const token = (e.payload as { changeToken?: unknown }).changeToken;
              seen.push({ at: performance.now(), token: typeof token === 'string' ? BigInt(token) : undefined });
              match();
            });
            const check = setInterval(match, 20);
          }),
      );
      await workstations[actor]!.invoke('notifications:perform-action', {
        notificationId: ids.shift()!,
        action: ACTION,
        date: today(),
      });
      committed.token = BigInt(await store.db.changeToken());
      for (const latency of await Promise.all(arrivals)) {
        if (latency === undefined) missed++;
        else propagation.push(latency);
      }
      // Nothing ever arrives: the workstations are not told of each other's changes.
      if (r === 2 && propagation.length === 0) available = false;
      await settle(store, streams);
    }
    console.log(
      available
        ? `Propagation : ${propagation.length} mesures, ${missed} sans événement en ${PROPAGATION_TIMEOUT_MS / 1000} s`
        : 'Propagation : aucun événement data:changed sur les autres postes (propagation en direct absente).',
    );

    // 3. Actions from every workstation at once.
    const latencies: number[] = [];
    const pools = workstations.map((_, i) => ids.slice(i * ACTIONS, (i + 1) * ACTIONS));
    const burstStart = performance.now();
    const [, connectionsDuringActions] = await connections.peakDuring(() =>
      Promise.all(
        workstations.map(async (w, i) => {
          for (const notificationId of pools[i]!) {
            const t = performance.now();
            await w.invoke('notifications:perform-action', { notificationId, action: ACTION, date: today() });
            latencies.push(performance.now() - t);
          }
        }),
      ),
    );
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const recorded = Number(await store.db.value("SELECT count(*) FROM notification WHERE esms_status = '40'"));
    console.log(
      `Actions : ${latencies.length} en ${burstSeconds.toFixed(1)} s sur ${WORKSTATIONS} postes ; ` +
        `${recorded} notifications « lues » dans PostgreSQL`,
    );

    const figures = {
      workstations: WORKSTATIONS,
      actions: latencies.length,
      actions_per_s: round1(latencies.length / burstSeconds),
      action_p50_ms: round1(percentile(latencies, 50)),
      action_p95_ms: round1(percentile(latencies, 95)),
      propagation_p50_ms: available && propagation.length ? round1(percentile(propagation, 50)) : null,
      propagation_p95_ms: available && propagation.length ? round1(percentile(propagation, 95)) : null,
      propagation_samples: propagation.length,
      propagation_missed: missed,
      propagation: available ? 'live' : 'not available',
      sync_decisions: DECISIONS,
      sync_decisions_per_s_postgres: Math.round(syncRate),
      // Every workstation's connections together (pool, live link, sync worker while it runs).
      connections_idle: connectionsIdle,
      connections_peak_sync: connectionsDuringSync,
      connections_peak_actions: connectionsDuringActions,
      cores: os.availableParallelism(),
      // The machine is shared: its load says how much of the two cores the bench really had.
      load_average_1m_start: round1(loadBefore),
      load_average_1m_end: round1(os.loadavg()[0]!),
    };
    console.log(JSON.stringify(figures));
  } finally {
    for (const s of streams) s.close();
    await Promise.all(workstations.map((w) => w.stop()));
    await store.close();
    stopSandbox();
    await stopCluster();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
