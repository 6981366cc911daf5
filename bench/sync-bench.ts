/**
 * `npm run bench:sync [-- --decisions N] [-- --no-postgres]`: N decisions (default 10,000; `--decisions 100000` for
 * an organisation's load) from the sandbox over mTLS. The sandbox runs in its own process, so the figures (CPU, peak
 * RSS) are the client's. Engine at 0 ms and 20 ms injected latency (fresh encrypted database each, the app's sync
 * worker thread), a naive sequential client (one connection, one read after the other, nothing stored) and a raw
 * download of the same bytes (same concurrency as the engine, the transport's JSON decoding only: no validation, CDA
 * parsing or storage). The CPU each decision costs (this process, every thread, and the sandbox's) gives the
 * engine's ceiling on this machine's cores. Where PostgreSQL's server programs are installed, the engine at 0 ms
 * also syncs into a PostgreSQL cluster the bench starts (the test cluster: fsync off, so it measures the engine and
 * the server's work, not the disk) and the JSON compares the two stores. Last line: one JSON object with the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sizeOption } from './bench-options';
import { BENCH_EG, BENCH_EJ, startBenchSandbox } from './bench-sandbox';
import { SandboxAdmin } from '../electron/services/sandbox/sandbox-admin';
import { mapBounded } from '../electron/services/sync/net/retry-policy';
import { SyncService } from '../electron/services/sync/runner/sync-service';
import { findPostgresBin } from '../electron/services/testing/postgres-cluster';
import startPostgresTestCluster from '../electron/services/testing/postgres-global-setup';
import { openTestStore, type TestBackend } from '../electron/services/testing/test-stores';
import { createNodeTransport } from '../electron/services/transport/node-transport';
import type { NodeTransportConfig, Transport } from '../electron/services/transport/transport';

const N = sizeOption('decisions', 10_000, 'BENCH_DECISIONS');
const { values: flags } = parseArgs({ options: { 'no-postgres': { type: 'boolean' } }, strict: false });
const WITH_POSTGRES = flags['no-postgres'] !== true && findPostgresBin() !== undefined;
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 200);
/** Parallel reads (and sockets) of the engine and the raw download, per latency. */
const CONCURRENCY_0MS = Number(process.env.BENCH_CONCURRENCY_0MS ?? 16);
const CONCURRENCY_20MS = Number(process.env.BENCH_CONCURRENCY_20MS ?? 48);
const EJ = BENCH_EJ;
const EG = BENCH_EG;
/** The sync worker as the app ships it (`npm run build`), not the sources through tsx. */
const BUNDLED_SYNC_WORKER = new URL('../out/main/sync-worker.js', import.meta.url);

// The client's memory only: the sandbox runs in its own process. maxRSS is the kernel's high-water mark.
let peakRss = 0;
/** Highest RSS sampled during the phase running now (reset by withCpu): which phase makes the peak. */
let phasePeakRss = 0;
let sandboxPid = 0;
const sampleRss = () => {
  const rss = process.memoryUsage().rss;
  phasePeakRss = Math.max(phasePeakRss, rss);
  peakRss = Math.max(peakRss, rss, process.resourceUsage().maxRSS * 1024);
};
const sampler = setInterval(sampleRss, 50);

/** CPU time (user + system, ms) of a process so far, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}
const CLOCK_TICKS_PER_S = 100;

interface CpuPerDecision {
  readonly client_us: number;
  readonly sandbox_us: number;
  /** This process's RSS when the phase began and the highest sampled during it (MB). */
  readonly rss_start_mb: number;
  readonly rss_peak_mb: number;
}

const toMb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** Runs one phase and tells the CPU each decision cost this process (every thread) and the sandbox's. */
async function withCpu<T>(count: number, phase: () => Promise<T>): Promise<[T, CpuPerDecision]> {
  const client0 = process.cpuUsage();
  const sandbox0 = processCpuMs(sandboxPid);
  const rssStart = process.memoryUsage().rss;
  phasePeakRss = rssStart;
  const value = await phase();
  sampleRss();
  const client = process.cpuUsage(client0);
  const perDecision = (ms: number) => Math.round((ms * 1000) / count);
  return [
    value,
    {
      client_us: perDecision((client.user + client.system) / 1000),
      sandbox_us: perDecision(processCpuMs(sandboxPid) - sandbox0),
      rss_start_mb: toMb(rssStart),
      rss_peak_mb: toMb(phasePeakRss),
    },
  ];
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0] ?? 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-bench-'));
  const { ready: sandbox, pid, stop } = await startBenchSandbox(dir, N);
  sandboxPid = pid;
  console.log(`Bac à sable (processus séparé) : ${N} décisions générées en ${sandbox.generationSeconds.toFixed(1)} s`);
  const admin = new SandboxAdmin(sandbox.adminUrl, sandbox.adminToken);
  const p12 = Buffer.from(sandbox.p12Base64, 'base64');
  const transportConfig = (maxSockets: number): NodeTransportConfig => ({
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    clientCertificate: { kind: 'p12', p12, password: sandbox.p12Password },
    trustAnchorsPem: [sandbox.caBundlePem],
    proxyMode: 'none',
    maxSockets,
  });
  const makeTransport = (maxSockets: number): Transport => createNodeTransport(transportConfig(maxSockets));
  const concurrencyAt = (latencyMs: number) => (latencyMs > 0 ? CONCURRENCY_20MS : CONCURRENCY_0MS);

  /**
   * The engine as the app runs it: SyncService starts the sync's worker thread (its own connection, the flux 1
   * reads, validation, CDA parsing and writes) while this thread checkpoints the WAL. The rate is taken over the
   * run recorded in sync_run; the worker's start is printed apart.
   */
  async function engine(latencyMs: number, backend: TestBackend = 'sqlite'): Promise<number> {
    await admin.setFaults({ latencyMs });
    const store = await openTestStore(backend);
    const db = store.db;
    const concurrency = concurrencyAt(latencyMs);
    const service = new SyncService({
      db,
      store: store.location,
      workerData: () =>
        Promise.resolve({
          transport: { via: 'node', config: transportConfig(concurrency) },
          legalEntity: EJ,
          activateNewEgs: true,
          concurrency,
        }),
      onProgress: () => undefined,
      onFinished: () => undefined,
      workerUrl: BUNDLED_SYNC_WORKER,
    });
    try {
      const start = performance.now();
      const result = await service.runNow();
      const total = (performance.now() - start) / 1000;
      const run = await db.get<{ startedAt: string; finishedAt: string }>(
        'SELECT started_at AS "startedAt", finished_at AS "finishedAt" FROM sync_run WHERE id = ?',
        [result?.runId],
      );
      if (!run) throw new Error(`synchronisation non enregistrée (${result?.outcome ?? 'échec'})`);
      const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
      const stored = await db.value<number>('SELECT count(*) FROM decision');
      if (stored !== N) throw new Error(`${stored} décisions enregistrées au lieu de ${N} (${result?.outcome})`);
      const rate = N / seconds;
      console.log(
        `Moteur vers ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, latence ${latencyMs} ms : ` +
          `${seconds.toFixed(1)} s, ${rate.toFixed(0)} décisions/s ` +
          `(démarrage du fil de synchronisation : ${(total - seconds).toFixed(1)} s)`,
      );
      return rate;
    } finally {
      await store.close();
    }
  }

  async function listIds(transport: Transport): Promise<string[]> {
    const ids: string[] = [];
    let p: string | undefined =
      `DocumentReference?type=57830-2&_lastUpdated=gt${encodeURIComponent('2000-01-01T00:00:00.000+00:00')}&_elements=id`;
    while (p) {
      const res = await transport.request({ method: 'GET', path: p, finessEg: EG });
      const bundle = res.body as {
        entry?: { resource?: { id?: string } }[];
        link?: { relation: string; url: string }[];
      };
      for (const e of bundle.entry ?? []) if (e.resource?.id) ids.push(e.resource.id);
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      p = next ? next.slice(next.indexOf('/fhir/') + 6) : undefined;
    }
    return ids;
  }

  /** The same bytes, nothing done with them: the ceiling of what the network and the server allow. */
  async function raw(latencyMs: number): Promise<number> {
    await admin.setFaults({ latencyMs });
    const concurrency = concurrencyAt(latencyMs);
    const transport = makeTransport(concurrency);
    const start = performance.now();
    const ids = await listIds(transport);
    // Each body is dropped once received (kept, 10,000 of them would make the bench's own peak RSS).
    await mapBounded(ids, concurrency, async (id) => {
      await transport.request({ method: 'GET', path: `DocumentReference/${id}`, finessEg: EG });
    });
    const rate = ids.length / ((performance.now() - start) / 1000);
    transport.close();
    console.log(`Téléchargement brut, latence ${latencyMs} ms : ${rate.toFixed(0)} décisions/s`);
    return rate;
  }

  /** A naive client: one connection, reads one after the other (measured on a sample, rate extrapolated). */
  async function naive(latencyMs: number): Promise<number> {
    await admin.setFaults({ latencyMs });
    const transport = makeTransport(1);
    const ids = (await listIds(transport)).slice(0, NAIVE_SAMPLE);
    const start = performance.now();
    for (const id of ids) await transport.request({ method: 'GET', path: `DocumentReference/${id}`, finessEg: EG });
    const rate = ids.length / ((performance.now() - start) / 1000);
    transport.close();
    console.log(
      `Client naïf séquentiel, latence ${latencyMs} ms (${ids.length} lectures) : ${rate.toFixed(1)} décisions/s`,
    );
    return rate;
  }

  const [raw0, rawCpu] = await withCpu(N, () => raw(0));
  const [e0, engineCpu] = await withCpu(N, () => engine(0));
  const cores = os.availableParallelism();
  // What the engine could reach if every core were busy all the time: cores / CPU per decision (client + sandbox).
  const ceiling = (cores * 1e6) / (engineCpu.client_us + engineCpu.sandbox_us);
  console.log(
    `CPU par décision, latence 0 ms (µs, client / bac à sable) : brut ${rawCpu.client_us} / ${rawCpu.sandbox_us}, ` +
      `moteur ${engineCpu.client_us} / ${engineCpu.sandbox_us} ; plafond des ${cores} cœurs pour le moteur : ` +
      `${ceiling.toFixed(0)} décisions/s (${(ceiling / raw0).toFixed(2)} du brut)`,
  );
  const [e20, engine20Cpu] = await withCpu(N, () => engine(20));
  const naive20 = await naive(20);
  let postgres: { rate: number; cpu: CpuPerDecision } | undefined;
  // The tests' cluster and template: a coordinator role on a migrated schema, as an organisation's desk connects.
  const stopCluster = WITH_POSTGRES ? await startPostgresTestCluster() : undefined;
  if (stopCluster) {
    try {
      const [rate, cpu] = await withCpu(N, () => engine(0, 'postgres'));
      postgres = { rate, cpu };
    } finally {
      await stopCluster();
    }
  } else {
    console.log('PostgreSQL : non mesuré (serveur absent ou arrêté, ou --no-postgres).');
  }
  stop();
  sampleRss();
  clearInterval(sampler);
  fs.rmSync(dir, { recursive: true, force: true });
  const figures = {
    decisions: N,
    decisions_per_s_0ms: Math.round(e0),
    decisions_per_s_20ms: Math.round(e20),
    naive_decisions_per_s_20ms: Number(naive20.toFixed(1)),
    raw_decisions_per_s_0ms: Math.round(raw0),
    ratio_vs_naive_20ms: Number((e20 / naive20).toFixed(1)),
    ratio_vs_raw_0ms: Number((e0 / raw0).toFixed(2)),
    peak_rss_mb: Math.round(peakRss / (1024 * 1024)),
    cores,
    // The machine's 1-minute load when the bench began and ended: on a shared machine the rates move with it.
    load_average: [Number(loadAtStart.toFixed(2)), Number((os.loadavg()[0] ?? 0).toFixed(2))],
    cpu_us_per_decision: engineCpu.client_us,
    cpu_us_per_decision_raw_0ms: rawCpu,
    cpu_us_per_decision_engine_0ms: engineCpu,
    cpu_us_per_decision_engine_20ms: engine20Cpu,
    cpu_ceiling_ratio_vs_raw_0ms: Number((ceiling / raw0).toFixed(2)),
    ...(postgres
      ? {
          postgres_decisions_per_s_0ms: Math.round(postgres.rate),
          sqlite_decisions_per_s_0ms: Math.round(e0),
          postgres_vs_sqlite_0ms: Number((postgres.rate / e0).toFixed(2)),
          // This process only: the server's own processes are not counted.
          cpu_us_per_decision_postgres_0ms: postgres.cpu.client_us,
        }
      : { postgres_decisions_per_s_0ms: null }),
  };
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  clearInterval(sampler);
  console.error(error);
  process.exit(1);
});
