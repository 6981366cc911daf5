/**
 * Runs Référent VT without Electron: the domain services plus the browser host, on the embedded sandbox.
 * Usage: tsx electron/services/host/host-main.ts [--data <dir>] [--port <n>] [--json]
 * or, built (`npm start`): node out/main/host.js [same options].
 * With --json, prints one JSON line {url, origin, token, dataDir, sandbox} once the embedded sandbox is up (used by
 * the end-to-end tests). Otherwise the address is printed as soon as the host listens: the embedded sandbox starts
 * and the first sync runs behind it.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startApplication } from '../app/bootstrap';
import { getOrCreateDatabaseKey } from '../secrets';
import { logProcessFaults } from '../logging/logger';
import { startBrowserHost } from './browser-host';
import fs from 'node:fs';

/** Built, this file sits beside the bundled sync worker; run from its sources, the worker goes through tsx. */
const BUNDLED_SYNC_WORKER = path.join(__dirname, 'sync-worker.js');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: path.resolve('.data/app') },
      port: { type: 'string', default: '0' },
      renderer: { type: 'string', default: path.resolve('out/renderer') },
      json: { type: 'boolean', default: false },
      // 0 = no automatic sync (tests drive it); otherwise minutes between automatic syncs.
      'sync-minutes': { type: 'string', default: '15' },
      'sandbox-decisions': { type: 'string' },
      // Leave the sandbox-local environment unconfigured (tests that configure a connection by hand).
      'no-embedded-sandbox': { type: 'boolean', default: false },
    },
  });
  const app = await startApplication({
    dataRoot: path.resolve(values.data),
    shell: 'navigateur',
    version: (JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as { version: string }).version,
    databaseKey: (databaseFile) => getOrCreateDatabaseKey(`${databaseFile}.key`, databaseFile),
    syncIntervalMs: Number(values['sync-minutes']) * 60_000,
    embeddedSandbox: !values['no-embedded-sandbox'],
    sandboxInBackground: true,
    ...(fs.existsSync(BUNDLED_SYNC_WORKER)
      ? { syncWorker: { url: pathToFileURL(BUNDLED_SYNC_WORKER), execArgv: [] } }
      : {}),
    ...(values['sandbox-decisions'] ? { sandboxInitialDecisions: Number(values['sandbox-decisions']) } : {}),
  });
  // From here the log file is open: a fault nothing caught is written there.
  logProcessFaults();
  const host = await startBrowserHost({ app, rendererDir: values.renderer, port: Number(values.port) });
  if (values.json) {
    const sandbox = await app.sandboxReady;
    process.stdout.write(
      JSON.stringify({
        url: host.url,
        origin: host.origin,
        token: host.token,
        dataDir: app.ctx.dataDir,
        sandbox: sandbox ? { adminUrl: sandbox.adminUrl, adminToken: sandbox.adminToken } : null,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `Référent VT (${app.ctx.environmentLabel}) est servi dans le navigateur :\n  ${host.url}\n` +
        `Ouvrez cette adresse dans Chromium. Ctrl+C pour arrêter.\n`,
    );
  }
  if (Number(values['sync-minutes']) > 0) {
    // A first sync right away, so the referent sees the day's notifications without waiting for the schedule; only
    // now, so that its worker thread does not compete with the first page.
    app.sync.runNow().catch(() => undefined);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Everything is committed transaction by transaction: if closing hangs (a socket, the sync worker), leaving
    // loses nothing, and a stuck host must never outlive its terminal or its test.
    let step = 'hôte navigateur';
    setTimeout(() => {
      process.stderr.write(`Arrêt forcé : la fermeture (${step}) n'a pas abouti en 5 s.\n`);
      process.exit(0);
    }, 5_000).unref();
    await host.close();
    step = 'services';
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`Référent VT n'a pas pu démarrer : ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
