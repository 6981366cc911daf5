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
import { Journal } from '../../journal/journal';
import { localToday } from '@shared/domain/local-day';
import type { Db } from '../../db/database';
import { performAction } from '../../worklist/notification-actions';
import { DEFAULT_SDO_CONTEXT } from '../../fhir';
import { SyncService, type OutboxPushResult } from './sync-service';
import type { SyncWorkerData } from './sync-worker-entry';

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ initialDecisions: 300 });
}, 60_000);
afterAll(async () => f?.close());

/** The worker's data for a database of the fixture, synced from its sandbox with Node's transport. */
function workerDataFor(file: string, key: Buffer): SyncWorkerData {
  return {
    databaseFile: file,
    databaseKey: new Uint8Array(key),
    transport: { via: 'node', config: f.transportConfig() },
    legalEntity: TEST_EJ,
    activateNewEgs: true,
  };
}

it('runs flux 1 in its worker, reports progress, refuses a second run meanwhile and checkpoints the WAL itself', async () => {
  const { db, file, key } = f.openDb();
  const workerData = workerDataFor(file, key);
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
    // The code apart, for the Journal's « détail technique ».
    detail: 'Aucun certificat n’est choisi pour cet environnement : importez-en un. [CERT_NOT_FOUND]',
  });
  // Not running: the next "Synchroniser maintenant" is not refused as "déjà en cours".
  expect(service.running).toBe(false);
});

/** Queues "Demande d'admission reçue" on the first unread notification of an EG that has a unit, as the referent does. */
function queueStatus(db: Db): { outboxId: number; clientId: string } {
  const row = db
    .prepare(
      `SELECT n.id AS notificationId, u.id AS unitId FROM notification n JOIN ror_unit u ON u.finess_eg = n.finess_eg
        WHERE n.esms_status = '39' AND u.categorie_organisation IS NOT NULL AND u.mode_prise_charge IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.notification_id = n.id)
        ORDER BY n.id LIMIT 1`,
    )
    .get() as { notificationId: number; unitId: number };
  const now = () => new Date();
  const { outboxIds } = performAction(
    { db, journal: new Journal(db), now, today: () => localToday(now()), sdo: () => DEFAULT_SDO_CONTEXT },
    { notificationId: row.notificationId, action: 'demande-admission', date: localToday(now()), unitId: row.unitId },
  );
  const outboxId = outboxIds[0] as number;
  const clientId = db.prepare('SELECT client_identifier FROM outbox WHERE id = ?').pluck().get(outboxId) as string;
  return { outboxId, clientId };
}

it('pushes a confirmed status at once without a sync run, never beside a run, and waits when offline', async () => {
  const { db, file, key } = f.openDb('pushed.db');
  const workerData = workerDataFor(file, key);
  const pushes: OutboxPushResult[] = [];
  let onPush: ((r: OutboxPushResult) => void) | undefined;
  const service = new SyncService({
    db,
    workerData: () => Promise.resolve(workerData),
    onProgress: () => undefined,
    onFinished: () => undefined,
    onPushed: (r) => {
      pushes.push(r);
      onPush?.(r);
    },
  });
  const nextPush = () => new Promise<OutboxPushResult>((resolve) => (onPush = resolve));
  expect((await service.runNow())?.outcome).toBe('succès');
  const runs = () => db.prepare('SELECT count(*) FROM sync_run').pluck().get() as number;
  const received = (clientId: string) =>
    f.sandbox.operations.receivedTasks().filter((t) => t.clientIdentifier?.endsWith(`|${clientId}`)).length;
  const stateOf = (id: number) => db.prepare('SELECT state FROM outbox WHERE id = ?').pluck().get(id);
  const runsBefore = runs();

  // 1. Confirmed, pushed shortly after, accepted by ViaTrajectoire; no sync run for it.
  const first = queueStatus(db);
  const pushed = nextPush();
  service.requestPush();
  expect(await pushed).toEqual({ sent: [first.outboxId], rejected: [], waiting: 0, offline: false });
  expect(stateOf(first.outboxId)).toBe('sent');
  expect(received(first.clientId)).toBe(1);
  expect(runs()).toBe(runsBefore);

  // 2. Asked while a run is in progress: the push stands aside, the run's sender sends the status, once.
  const second = queueStatus(db);
  const run = service.runNow();
  expect(await service.pushNow()).toBeUndefined();
  await run;
  expect(stateOf(second.outboxId)).toBe('sent');
  expect(received(second.clientId)).toBe(1);
  // And a run asked while a push is in progress waits for it, then runs.
  const third = queueStatus(db);
  const push = service.pushNow();
  const runAfter = service.runNow();
  expect((await push)?.sent).toEqual([third.outboxId]);
  expect((await runAfter)?.outcome).toBe('succès');
  expect(received(third.clientId)).toBe(1);
  // Confirmed while a run is in progress: the run sends it, and the push asked for it then still reports it sent
  // (the screen waits for that report: without it, it stayed on « envoi en cours… »).
  const duringRun = queueStatus(db);
  const running = service.runNow();
  const reported = nextPush();
  service.requestPush([duringRun.outboxId]);
  expect((await running)?.outcome).toBe('succès');
  expect(await reported).toEqual({ sent: [duringRun.outboxId], rejected: [], waiting: 0, offline: false });
  expect(received(duringRun.clientId)).toBe(1);

  // 3. Offline (nothing listens where ViaTrajectoire should be): the status waits, untouched, for the next run.
  const offline = new SyncService({
    db,
    workerData: () =>
      Promise.resolve({
        ...workerData,
        transport: {
          via: 'node',
          config: {
            ...f.transportConfig(),
            tokenUrl: 'https://127.0.0.1:9/token',
            fhirBaseUrl: 'https://127.0.0.1:9/fhir',
          },
        },
      }),
    onProgress: () => undefined,
    onFinished: () => undefined,
  });
  const fourth = queueStatus(db);
  expect(await offline.pushNow()).toEqual({ sent: [], rejected: [], waiting: 1, offline: true });
  expect(db.prepare('SELECT state, attempts FROM outbox WHERE id = ?').get(fourth.outboxId)).toEqual({
    state: 'pending',
    attempts: 0,
  });
  expect(received(fourth.clientId)).toBe(0);
  await service.close();
}, 120_000);
