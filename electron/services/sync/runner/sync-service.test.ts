/**
 * The sync as the app runs it: SyncService starts the worker thread (sources through tsx), which syncs the sandbox
 * over mTLS into the store — the encrypted database file, whose WAL this thread checkpoints on its own connection,
 * or PostgreSQL — while this thread keeps its own connection.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncProgress } from '@shared/domain/sync';
import { AppError } from '@shared/errors/app-error';
import { startSandboxFixture, TEST_EJ, type SandboxFixture } from '../testing/sandbox-fixture';
import { createNodeHttpSender } from '../../transport/node-transport';
import { Journal } from '../../journal/journal';
import { localToday } from '@shared/domain/local-day';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { TEST_BACKENDS } from '../../testing/test-stores';
import { performAction } from '../../worklist/notification-actions';
import { DEFAULT_SDO_CONTEXT } from '../../fhir';
import { SyncService, type OutboxPushResult } from './sync-service';
import type { SyncRunSettings } from './sync-worker-entry';

let f: SandboxFixture;

/** What the worker needs besides its store: the fixture's sandbox, reached with Node's transport. */
function runSettings(): SyncRunSettings {
  return {
    transport: { via: 'node', config: f.transportConfig() },
    legalEntity: TEST_EJ,
    activateNewEgs: true,
  };
}

describe.each(TEST_BACKENDS)('sync service (%s)', (backend) => {
  beforeAll(async () => {
    f = await startSandboxFixture({ initialDecisions: 300, backend });
  }, 60_000);
  afterAll(async () => f?.close());

  it('runs flux 1 in its worker, reports progress, refuses a second run meanwhile and checkpoints the WAL itself', async () => {
    const { db, location } = await f.openDb();
    const settings = runSettings();
    const progress: SyncProgress[] = [];
    let finished = 0;
    const service = new SyncService({
      db,
      store: location,
      workerData: () => Promise.resolve(settings),
      onProgress: (p) => progress.push(p),
      onFinished: () => finished++,
    });
    const fileSize = () => (location.kind === 'sqlite' ? fs.statSync(location.file).size : 0);
    const sizeBefore = fileSize();

    const run = service.runNow();
    await expect(service.runNow()).rejects.toMatchObject({ code: 'SYNC_ALREADY_RUNNING' });
    const result = await run;

    expect(result?.outcome).toBe('succès');
    expect(await db.value('SELECT count(*) FROM decision')).toBe(f.sandbox.operations.decisionCount());
    expect(progress.some((p) => p.phase === 'décisions' && p.done > 0)).toBe(true);
    expect(finished).toBe(1);
    expect(await service.status()).toMatchObject({ running: false, progress: null });
    if (location.kind === 'sqlite') {
      // The worker's connection never checkpoints and this connection wrote nothing: the decisions are in the
      // database file (not only in its WAL) because the service copied them there.
      expect(fileSize() - sizeBefore).toBeGreaterThan(1_000_000);
    }
  }, 60_000);

  it('does a run again without its heap bound when the worker runs out of memory under it', async () => {
    const { db, location } = await f.openDb();
    const settings = runSettings();
    let finished = 0;
    const service = new SyncService({
      db,
      store: location,
      workerData: () => Promise.resolve(settings),
      onProgress: () => undefined,
      onFinished: () => finished++,
      // Far below what the worker needs to load its modules: the first worker ends out of memory.
      workerHeapMb: 4,
    });
    const result = await service.runNow();
    expect(result?.outcome).toBe('succès');
    expect(await db.value('SELECT count(*) FROM decision')).toBe(f.sandbox.operations.decisionCount());
    expect(finished).toBe(1);
    expect(await service.status()).toMatchObject({ running: false, progress: null });
  }, 60_000);

  it('relays the worker’s exchanges to this thread’s sender when its transport goes via main (the smart-card path)', async () => {
    const { db, location } = await f.openDb();
    const config = f.transportConfig();
    const settings: SyncRunSettings = {
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
      store: location,
      workerData: () => Promise.resolve(settings),
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
    expect(await db.value('SELECT count(*) FROM decision')).toBe(f.sandbox.operations.decisionCount());
    expect(exchanges).toBeGreaterThan(f.sandbox.operations.decisionCount());

    const withoutSender = new SyncService({
      db,
      store: location,
      workerData: () => Promise.resolve(settings),
      onProgress: () => undefined,
      onFinished: () => undefined,
    });
    await expect(withoutSender.runNow()).rejects.toThrow(/application de bureau/);
    expect(withoutSender.running).toBe(false);
  }, 60_000);

  it('a sync refused before it starts (no certificate) is in the history and the journal with its French reason', async () => {
    const { db, location } = await f.openDb();
    let finished = 0;
    const service = new SyncService({
      db,
      store: location,
      workerData: () =>
        Promise.reject(
          new AppError('CERT_NOT_FOUND', 'Aucun certificat n’est choisi pour cet environnement : importez-en un.'),
        ),
      onProgress: () => undefined,
      onFinished: () => finished++,
    });
    await expect(service.runNow()).rejects.toMatchObject({ code: 'CERT_NOT_FOUND' });
    expect(finished).toBe(1);
    const [run] = (await service.status()).lastRuns;
    expect(run).toMatchObject({
      outcome: 'échec',
      summary: {
        decisions: 0,
        errors: ['Aucun certificat n’est choisi pour cet environnement : importez-en un.'],
        notice: { kind: 'refusée', message: 'Aucun certificat n’est choisi pour cet environnement : importez-en un.' },
      },
    });
    expect(run?.finishedAt).not.toBeNull();
    const entry = await db.get("SELECT action, outcome, detail FROM journal WHERE action = 'Synchronisation refusée'");
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
  async function queueStatus(db: SqlDatabase): Promise<{ outboxId: number; clientId: string }> {
    const row = await db.get<{ notificationId: number; unitId: number }>(
      `SELECT n.id AS "notificationId", u.id AS "unitId" FROM notification n JOIN ror_unit u ON u.finess_eg = n.finess_eg
      WHERE n.esms_status = '39' AND u.categorie_organisation IS NOT NULL AND u.mode_prise_charge IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.notification_id = n.id)
      ORDER BY n.id, u.id LIMIT 1`,
    );
    if (!row) throw new Error('aucune notification à traiter');
    const now = () => new Date();
    const { outboxIds } = await performAction(
      { db, journal: new Journal(db), now, today: () => localToday(now()), sdo: () => DEFAULT_SDO_CONTEXT },
      { notificationId: row.notificationId, action: 'demande-admission', date: localToday(now()), unitId: row.unitId },
    );
    const outboxId = outboxIds[0] as number;
    const clientId = (await db.value<string>('SELECT client_identifier FROM outbox WHERE id = ?', [outboxId])) ?? '';
    return { outboxId, clientId };
  }

  it('pushes a confirmed status at once without a sync run, never beside a run, and waits when offline', async () => {
    const { db, location } = await f.openDb();
    const settings = runSettings();
    const pushes: OutboxPushResult[] = [];
    let onPush: ((r: OutboxPushResult) => void) | undefined;
    const service = new SyncService({
      db,
      store: location,
      workerData: () => Promise.resolve(settings),
      onProgress: () => undefined,
      onFinished: () => undefined,
      onPushed: (r) => {
        pushes.push(r);
        onPush?.(r);
      },
    });
    const nextPush = () => new Promise<OutboxPushResult>((resolve) => (onPush = resolve));
    expect((await service.runNow())?.outcome).toBe('succès');
    const runs = async () => Number(await db.value('SELECT count(*) FROM sync_run'));
    const received = (clientId: string) =>
      f.sandbox.operations.receivedTasks().filter((t) => t.clientIdentifier?.endsWith(`|${clientId}`)).length;
    const stateOf = (id: number) => db.value('SELECT state FROM outbox WHERE id = ?', [id]);
    const runsBefore = await runs();

    // 1. Confirmed, pushed shortly after, accepted by ViaTrajectoire; no sync run for it.
    const first = await queueStatus(db);
    const pushed = nextPush();
    service.requestPush();
    expect(await pushed).toEqual({ sent: [first.outboxId], rejected: [], waiting: 0, offline: false });
    expect(await stateOf(first.outboxId)).toBe('sent');
    expect(received(first.clientId)).toBe(1);
    expect(await runs()).toBe(runsBefore);

    // 2. Asked while a run is in progress: the push stands aside, the run's sender sends the status, once.
    const second = await queueStatus(db);
    const run = service.runNow();
    expect(await service.pushNow()).toBeUndefined();
    await run;
    expect(await stateOf(second.outboxId)).toBe('sent');
    expect(received(second.clientId)).toBe(1);
    // And a run asked while a push is in progress waits for it, then runs.
    const third = await queueStatus(db);
    const push = service.pushNow();
    const runAfter = service.runNow();
    expect((await push)?.sent).toEqual([third.outboxId]);
    expect((await runAfter)?.outcome).toBe('succès');
    expect(received(third.clientId)).toBe(1);
    // Confirmed while a run is in progress: the run sends it, and the push asked for it then still reports it sent
    // (the screen waits for that report: without it, it stayed on « envoi en cours… »).
    const duringRun = await queueStatus(db);
    const running = service.runNow();
    const reported = nextPush();
    service.requestPush([duringRun.outboxId]);
    expect((await running)?.outcome).toBe('succès');
    expect(await reported).toEqual({ sent: [duringRun.outboxId], rejected: [], waiting: 0, offline: false });
    expect(received(duringRun.clientId)).toBe(1);

    // 3. Offline (nothing listens where ViaTrajectoire should be): the status waits, untouched, for the next run.
    const offline = new SyncService({
      db,
      store: location,
      workerData: () =>
        Promise.resolve({
          ...settings,
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
    const fourth = await queueStatus(db);
    expect(await offline.pushNow()).toEqual({ sent: [], rejected: [], waiting: 1, offline: true });
    expect(await db.get('SELECT state, attempts FROM outbox WHERE id = ?', [fourth.outboxId])).toEqual({
      state: 'pending',
      attempts: 0,
    });
    expect(received(fourth.clientId)).toBe(0);
    await service.close();
  }, 120_000);
});
