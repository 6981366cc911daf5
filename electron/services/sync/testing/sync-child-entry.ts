/**
 * One sync in a child process, for the crash-safety test: `node --import tsx sync-child-entry.ts <config.json>`.
 * Writes one JSON line per progress event and a last `done` line on stdout (with the process's peak RSS); exit 0
 * on 'succès', 1 otherwise.
 * The test kills it with SIGKILL at random points, so nothing here may rely on running to the end.
 */
import fs from 'node:fs';
import { openStore } from '../../db/open-store';
import { Journal } from '../../journal/journal';
import { createNodeTransport } from '../../transport/node-transport';
import type { RetryPolicy } from '../net/retry-policy';
import { storeLocationFromJson, type StoreLocationJson } from '../runner/store-transfer';
import { runSyncOnce } from '../sync-engine';

export interface SyncChildConfig {
  /** The store to sync into (SQLite file or PostgreSQL), opened by this process with its own connection. */
  readonly store: StoreLocationJson;
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly p12Path: string;
  readonly p12Password: string;
  readonly caBundlePem: string;
  readonly maxSockets: number;
  readonly concurrency: number;
  readonly legalEntity: { finessEj: string; name: string };
  readonly retry: RetryPolicy;
}

async function main(): Promise<number> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error('usage: sync-child-entry.ts <config.json>');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as SyncChildConfig;
  const db = await openStore(storeLocationFromJson(config.store));
  const transport = createNodeTransport({
    fhirBaseUrl: config.fhirBaseUrl,
    tokenUrl: config.tokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    clientCertificate: { kind: 'p12', p12: fs.readFileSync(config.p12Path), password: config.p12Password },
    trustAnchorsPem: [config.caBundlePem],
    proxyMode: 'none',
    maxSockets: config.maxSockets,
  });
  const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  try {
    const result = await runSyncOnce({
      db,
      journal: new Journal(db),
      transport,
      legalEntity: config.legalEntity,
      activateNewEgs: true,
      retry: config.retry,
      concurrency: config.concurrency,
      onProgress: (progress) => line({ type: 'progress', phase: progress.phase, done: progress.done }),
    });
    line({
      type: 'done',
      outcome: result.outcome,
      summary: result.summary,
      // Peak resident set size of this process (kio): what a bad input costs, measured apart from the sandbox.
      maxRssKib: process.resourceUsage().maxRSS,
    });
    return result.outcome === 'succès' ? 0 : 1;
  } finally {
    transport.close();
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
