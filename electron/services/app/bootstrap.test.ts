import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { environmentPaths } from '../environments/environment-store';
import { makeTempDir } from '../testing/temp-dir';
import { startTestApplication } from './testing/test-application';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.cleanup());

it('opens the app on what it holds when the embedded sandbox cannot start, and says so in the journal', async () => {
  const { dataDir } = environmentPaths(tmp.dir, 'sandbox-local');
  fs.mkdirSync(dataDir, { recursive: true });
  // A file where the sandbox's folder should be: its start fails.
  fs.writeFileSync(path.join(dataDir, 'sandbox'), 'pas un dossier');
  const app = await startTestApplication(tmp.dir);
  try {
    expect(app.sandbox).toBeUndefined();
    const entries = await app.ctx.journal.list({ limit: 10 });
    expect(entries.find((e) => e.action === 'Bac à sable local non démarré')?.outcome).toBe('échec');
    const info = await app.handlers['app:info']({});
    expect(info.environmentId).toBe('sandbox-local');
  } finally {
    await app.close();
  }
});

it('with the sandbox in the background, returns before it listens, and a sync begun meanwhile waits for it', async () => {
  const app = await startTestApplication(tmp.dir, {
    sandboxInBackground: true,
    sandboxInitialDecisions: 3,
  });
  try {
    // A brand-new sandbox generates its keys first: it cannot be listening yet.
    expect(app.sandbox).toBeUndefined();
    // Started before the connection is configured: without the wait, it would find no ViaTrajectoire address.
    const result = await app.sync.runNow();
    const sandbox = await app.sandboxReady;
    expect(app.sandbox).toBe(sandbox);
    expect(result?.outcome).toBe('succès');
    const stored = await app.ctx.db.value<number>('SELECT count(*) FROM decision');
    expect(stored).toBe(sandbox?.operations?.decisionCount());
    expect(stored).toBeGreaterThan(0);
  } finally {
    await app.close();
  }
});

it('closed while the sandbox still starts: the start is given up, no sync starts, nothing is left listening', async () => {
  const app = await startTestApplication(tmp.dir, { sandboxInBackground: true, sandboxInitialDecisions: 3 });
  // A brand-new sandbox generates its keys first: it is still starting when the app closes.
  expect(app.sandbox).toBeUndefined();
  const run = app.sync.runNow();
  await app.close();
  // Given up, not started then stopped: no sandbox, no state file for the other tools, no sync run.
  expect(await app.sandboxReady).toBeUndefined();
  expect(app.sandbox).toBeUndefined();
  expect(await run).toBeUndefined();
  const { dataDir } = environmentPaths(tmp.dir, 'sandbox-local');
  expect(fs.existsSync(path.join(dataDir, 'sandbox', 'sandbox.json'))).toBe(false);
});
