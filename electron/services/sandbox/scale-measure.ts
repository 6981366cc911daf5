/**
 * Measures the sandbox at scale: `npx tsx electron/services/sandbox/scale-measure.ts [count]` (default 50,000).
 * Seeds `count` fake decisions, then times flux 1.1 pages over real mTLS and reports the process memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from './sandbox-server';
import { fetchToken, mtlsRequest } from './sandbox-test-client';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50_000);
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-scale-'));
  const mb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
  try {
    const sandbox = await startSandbox({ dataDir: dir, initialDecisions: 0 });
    const t0 = performance.now();
    const { created } = sandbox.operations.generateDecisions(count);
    const seedMs = performance.now() - t0;
    console.log(`seed: ${created} decisions (+ evaluations) in ${(seedMs / 1000).toFixed(1)} s, RSS ${mb()} MB`);

    const cert = sandbox.pki.clients['010000001'];
    if (!cert) throw new Error('no client certificate');
    const tokenResponse = await fetchToken({
      tokenUrl: sandbox.tokenUrl,
      cert,
      caPem: sandbox.caBundlePem,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
    });
    const token = tokenResponse.json<{ access_token: string }>().access_token;
    const headers = { Authorization: `Bearer ${token}`, struct_idnat: '1010000019' };
    let url: string | undefined =
      `${sandbox.fhirBaseUrl}/DocumentReference?type=57830-2&_lastUpdated=gt2000-01-01T00%3A00%3A00Z&_elements=id`;
    let pages = 0;
    let ids = 0;
    const times: number[] = [];
    while (url) {
      const start = performance.now();
      const page = await mtlsRequest({ url, cert, caPem: sandbox.caBundlePem, headers });
      times.push(performance.now() - start);
      const bundle = page.json<{ entry?: unknown[]; link: { relation: string; url: string }[] }>();
      ids += bundle.entry?.length ?? 0;
      url = bundle.link.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    const max = times[times.length - 1] ?? 0;
    console.log(
      `flux 1.1 for one EG: ${ids} ids in ${pages} pages of 500; page median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms (first page includes total)`,
    );
    const readStart = performance.now();
    const tasks = await mtlsRequest({
      url: `${sandbox.fhirBaseUrl}/Task?_lastUpdated=gt2000-01-01T00%3A00%3A00Z`,
      cert,
      caPem: sandbox.caBundlePem,
      headers,
    });
    console.log(
      `flux 5 search: HTTP ${tasks.status} in ${(performance.now() - readStart).toFixed(1)} ms; RSS ${mb()} MB`,
    );
    await sandbox.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
