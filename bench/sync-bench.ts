/**
 * `npm run bench:sync`: N decisions (default 10,000; BENCH_DECISIONS to change) from the embedded sandbox over mTLS.
 * Engine at 0 ms and 20 ms injected latency (fresh encrypted database each), a naive sequential client (one
 * connection, one read after the other, no paging concurrency) and a raw download of the same bytes (same
 * concurrency, no validation, parsing or storage). Last line: one JSON object with the figures.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../electron/services/db/database';
import { Journal } from '../electron/services/journal/journal';
import { startSandbox } from '../electron/services/sandbox/sandbox-server';
import { mapBounded } from '../electron/services/sync/net/retry-policy';
import { runSyncOnce } from '../electron/services/sync/sync-engine';
import { createNodeTransport } from '../electron/services/transport/node-transport';
import type { Transport } from '../electron/services/transport/transport';

const N = Number(process.env.BENCH_DECISIONS ?? 10_000);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 200);
const EJ = { finessEj: '010000001', name: 'ASSOCIATION FICTIVE LES TILLEULS' };
const EG = '010000019';

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-bench-'));
  const sandbox = await startSandbox({
    dataDir: path.join(dir, 'sandbox'),
    initialDecisions: 0,
    legalEntities: [{ ...EJ, establishments: [{ finessEg: EG, name: 'ESAT FICTIF LES TILLEULS', kind: 'esat' }] }],
  });
  const t0 = Date.now();
  sandbox.operations.generateDecisions(N, [EG]);
  console.log(`Bac à sable : ${N} décisions générées en ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const client = sandbox.pki.clients[EJ.finessEj];
  if (!client) throw new Error('certificat client absent');
  const makeTransport = (maxSockets: number): Transport =>
    createNodeTransport({
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenUrl: sandbox.tokenUrl,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      clientCertificate: { kind: 'p12', p12: fs.readFileSync(client.p12Path), password: client.password },
      trustAnchorsPem: [sandbox.caBundlePem],
      proxyMode: 'none',
      maxSockets,
    });

  async function engine(latencyMs: number): Promise<number> {
    sandbox.operations.setFaults({ latencyMs });
    const db = openDatabase({ file: path.join(dir, `bench-${latencyMs}.db`), key: crypto.randomBytes(32) });
    const transport = makeTransport(16);
    const start = performance.now();
    const result = await runSyncOnce({
      db,
      journal: new Journal(db),
      transport,
      legalEntity: EJ,
      activateNewEgs: true,
      concurrency: 16,
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
    sandbox.operations.setFaults({ latencyMs });
    const transport = makeTransport(16);
    const start = performance.now();
    const ids = await listIds(transport);
    await mapBounded(ids, 16, (id) =>
      transport.request({ method: 'GET', path: `DocumentReference/${id}`, finessEg: EG }),
    );
    const rate = ids.length / ((performance.now() - start) / 1000);
    transport.close();
    console.log(`Téléchargement brut, latence ${latencyMs} ms : ${rate.toFixed(0)} décisions/s`);
    return rate;
  }

  /** A naive client: one connection, reads one after the other (measured on a sample, rate extrapolated). */
  async function naive(latencyMs: number): Promise<number> {
    sandbox.operations.setFaults({ latencyMs });
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
  sandbox.operations.setFaults({ latencyMs: 0 });
  await sandbox.close();
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
