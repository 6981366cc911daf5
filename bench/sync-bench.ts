/**
 * `npm run bench:sync`: N decisions (default 10,000; BENCH_DECISIONS to change) from the sandbox over mTLS. The
 * sandbox runs in its own process, so the figures (CPU, peak RSS) are the client's. Engine at 0 ms and 20 ms injected
 * latency (fresh encrypted database each), a naive sequential client (one connection, one read after the other,
 * nothing stored) and a raw download of the same bytes (same concurrency as the engine, the transport's JSON decoding
 * only: no validation, CDA parsing or storage). Last line: one JSON object with the figures.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../electron/services/db/database';
import { Journal } from '../electron/services/journal/journal';
import { SandboxAdmin } from '../electron/services/sandbox/sandbox-admin';
import { mapBounded } from '../electron/services/sync/net/retry-policy';
import { runSyncOnce } from '../electron/services/sync/sync-engine';
import type { SandboxChildReady, SandboxChildRequest } from '../electron/services/sync/testing/sandbox-child-entry';
import { createNodeTransport } from '../electron/services/transport/node-transport';
import type { Transport } from '../electron/services/transport/transport';

const N = Number(process.env.BENCH_DECISIONS ?? 10_000);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 200);
/** Parallel reads (and sockets) of the engine and the raw download, per latency. */
const CONCURRENCY_0MS = Number(process.env.BENCH_CONCURRENCY_0MS ?? 16);
const CONCURRENCY_20MS = Number(process.env.BENCH_CONCURRENCY_20MS ?? 48);
const EJ = { finessEj: '010000001', name: 'ASSOCIATION FICTIVE LES TILLEULS' };
const EG = '010000019';
const SANDBOX_ENTRY = fileURLToPath(
  new URL('../electron/services/sync/testing/sandbox-child-entry.ts', import.meta.url),
);

// The client's memory only: the sandbox runs in its own process. maxRSS is the kernel's high-water mark.
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
};
const sampler = setInterval(sampleRss, 50);

function startSandboxChild(dir: string): Promise<{ ready: SandboxChildReady; stop: () => void }> {
  const child = fork(SANDBOX_ENTRY, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const request: SandboxChildRequest = {
    dataDir: path.join(dir, 'sandbox'),
    decisions: N,
    legalEntities: [{ ...EJ, establishments: [{ finessEg: EG, name: 'ESAT FICTIF LES TILLEULS', kind: 'esat' }] }],
    finessEj: EJ.finessEj,
    generateFor: [EG],
  };
  child.send(request);
  return new Promise((resolve, reject) => {
    child.once('message', (ready: SandboxChildReady) => resolve({ ready, stop: () => child.disconnect() }));
    child.once('exit', (code) => reject(new Error(`bac à sable arrêté (code ${code})`)));
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-bench-'));
  const { ready: sandbox, stop } = await startSandboxChild(dir);
  console.log(`Bac à sable (processus séparé) : ${N} décisions générées en ${sandbox.generationSeconds.toFixed(1)} s`);
  const admin = new SandboxAdmin(sandbox.adminUrl, sandbox.adminToken);
  const p12 = Buffer.from(sandbox.p12Base64, 'base64');
  const makeTransport = (maxSockets: number): Transport =>
    createNodeTransport({
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenUrl: sandbox.tokenUrl,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      clientCertificate: { kind: 'p12', p12, password: sandbox.p12Password },
      trustAnchorsPem: [sandbox.caBundlePem],
      proxyMode: 'none',
      maxSockets,
    });
  const concurrencyAt = (latencyMs: number) => (latencyMs > 0 ? CONCURRENCY_20MS : CONCURRENCY_0MS);

  async function engine(latencyMs: number): Promise<number> {
    await admin.setFaults({ latencyMs });
    const db = openDatabase({ file: path.join(dir, `bench-${latencyMs}.db`), key: crypto.randomBytes(32) });
    const concurrency = concurrencyAt(latencyMs);
    const transport = makeTransport(concurrency);
    const start = performance.now();
    const result = await runSyncOnce({
      db,
      journal: new Journal(db),
      transport,
      legalEntity: EJ,
      activateNewEgs: true,
      concurrency,
    });
    const seconds = (performance.now() - start) / 1000;
    const stored = db.prepare('SELECT count(*) FROM decision').pluck().get() as number;
    if (stored !== N) throw new Error(`${stored} décisions enregistrées au lieu de ${N} (${result.outcome})`);
    transport.close();
    db.close();
    const rate = N / seconds;
    console.log(`Moteur, latence ${latencyMs} ms : ${seconds.toFixed(1)} s, ${rate.toFixed(0)} décisions/s`);
    return rate;
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

  const raw0 = await raw(0);
  const e0 = await engine(0);
  const e20 = await engine(20);
  const naive20 = await naive(20);
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
  };
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  clearInterval(sampler);
  console.error(error);
  process.exit(1);
});
