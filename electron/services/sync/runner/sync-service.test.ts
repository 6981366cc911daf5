/**
 * The sync as the app runs it: SyncService starts the worker thread (sources through tsx), which syncs the sandbox
 * over mTLS into the encrypted database file while this thread keeps its own connection and checkpoints the WAL.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SyncProgress } from '@shared/domain/sync';
import { AppError } from '@shared/errors/app-error';
import { startSandboxFixture, TEST_EJ, type SandboxFixture } from '../testing/sandbox-fixture';
import { createNodeHttpSender } from '../../transport/node-transport';
import { SyncService } from './sync-service';
import type { SyncWorkerData } from './sync-worker-entry';

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ initialDecisions: 300 });
}, 60_000);
afterAll(async () => f?.close());

it('runs flux 1 in its worker, reports progress, refuses a second run meanwhile and checkpoints the WAL itself', async () => {
  const { db, file, key } = f.openDb();
  const workerData: SyncWorkerData = {
    databaseFile: file,
    databaseKey: new Uint8Array(key),
    transport: { via: 'node', config: f.transportConfig() },
    legalEntity: TEST_EJ,
    activateNewEgs: true,
  };
  const progress: SyncProgress[] = [];
  let finished = 0;
  const service = new SyncService({
    db,
    workerData: () => Promise.resolve(workerData),
    onProgress: (p) => progress.push(p),
    onFinished: () => finished++,
  });
  const sizeBefore = fs.statSync(file).size;

  const run = service.runNow();
  await expect(service.runNow()).rejects.toMatchObject({ code: 'SYNC_ALREADY_RUNNING' });
  const result = await run;

  expect(result?.outcome).toBe('succès');
  expect(db.prepare('SELECT count(*) FROM decision').pluck().get()).toBe(f.sandbox.operations.decisionCount());
  expect(progress.some((p) => p.phase === 'décisions' && p.done > 0)).toBe(true);
  expect(finished).toBe(1);
  expect(service.status()).toMatchObject({ running: false, progress: null });
  // The worker's connection never checkpoints and this connection wrote nothing: the decisions are in the
  // database file (not only in its WAL) because the service copied them there.
  expect(fs.statSync(file).size - sizeBefore).toBeGreaterThan(1_000_000);
}, 60_000);

it('relays the worker’s exchanges to this thread’s sender when its transport goes via main (the smart-card path)', async () => {
  const { db, file, key } = f.openDb('relayed.db');
  const config = f.transportConfig();
  const workerData: SyncWorkerData = {
    databaseFile: file,
    databaseKey: new Uint8Array(key),
    // The worker gets the endpoints only: no certificate material crosses to it.
    transport: {
      via: 'main',
      endpoints: {
        fhirBaseUrl: config.fhirBaseUrl,
        tokenUrl: config.tokenUrl,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
      },
    },
    legalEntity: TEST_EJ,
    activateNewEgs: true,
  };
  let exchanges = 0;
  const service = new SyncService({
    db,
    workerData: () => Promise.resolve(workerData),
    onProgress: () => undefined,
    onFinished: () => undefined,
    // Node's sender stands in for Chromium's net, which only exists inside Electron.
    mainHttpSender: () => {
      const sender = createNodeHttpSender(config);
      return {
        send: (...args) => {
          exchanges++;
          return sender.send(...args);
        },
        close: () => sender.close(),
      };
    },
  });
  const result = await service.runNow();
  expect(result?.outcome).toBe('succès');
  expect(db.prepare('SELECT count(*) FROM decision').pluck().get()).toBe(f.sandbox.operations.decisionCount());
  expect(exchanges).toBeGreaterThan(f.sandbox.operations.decisionCount());

  const withoutSender = new SyncService({
    db,
    workerData: () => Promise.resolve(workerData),
    onProgress: () => undefined,
    onFinished: () => undefined,
  });
  await expect(withoutSender.runNow()).rejects.toThrow(/application de bureau/);
  expect(withoutSender.running).toBe(false);
}, 60_000);

it('a sync refused before it starts (no certificate) is in the history and the journal with its French reason', async () => {
  const { db } = f.openDb('refused.db');
  let finished = 0;
  const service = new SyncService({
    db,
    workerData: () =>
      Promise.reject(
        new AppError('CERT_NOT_FOUND', 'Aucun certificat n’est choisi pour cet environnement : importez-en un.'),
      ),
    onProgress: () => undefined,
    onFinished: () => finished++,
  });
  await expect(service.runNow()).rejects.toMatchObject({ code: 'CERT_NOT_FOUND' });
  expect(finished).toBe(1);
  const [run] = service.status().lastRuns;
  expect(run).toMatchObject({
    outcome: 'échec',
    summary: {
      decisions: 0,
      errors: ['Aucun certificat n’est choisi pour cet environnement : importez-en un.'],
      notice: { kind: 'refusée', message: 'Aucun certificat n’est choisi pour cet environnement : importez-en un.' },
    },
  });
  expect(run?.finishedAt).not.toBeNull();
  const entry = db
    .prepare("SELECT action, outcome, detail FROM journal WHERE action = 'Synchronisation refusée'")
    .get() as { action: string; outcome: string; detail: string };
  expect(entry).toEqual({
    action: 'Synchronisation refusée',
    outcome: 'échec',
    detail: 'Aucun certificat n’est choisi pour cet environnement : importez-en un. (CERT_NOT_FOUND)',
  });
  // Not running: the next "Synchroniser maintenant" is not refused as "déjà en cours".
  expect(service.running).toBe(false);
});
