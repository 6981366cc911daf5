/**
 * SyncService under the sync lease: on the organisation's PostgreSQL only the workstation holding the lease runs
 * (its run is recorded as its own), the other answers "Synchroniser maintenant" with a French error naming the
 * syncer, both status DTOs name it; the holder closing hands the sync over. A desk (SQLite) always syncs itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../db/open-store';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { testCluster } from '../../testing/postgres-test-cluster';
import { startSandboxFixture, TEST_EJ, type SandboxFixture } from '../testing/sandbox-fixture';
import { OrganisationSyncLease, type SyncLease, type SyncLeaseState } from '../lease/sync-lease';
import { localToday } from '@shared/domain/local-day';
import { DEFAULT_SDO_CONTEXT } from '../../fhir';
import { Journal } from '../../journal/journal';
import { performAction } from '../../worklist/notification-actions';
import { SyncService, type OutboxPushResult } from './sync-service';
import type { SyncRunSettings } from './sync-worker-entry';

const TIMINGS = { heartbeatMs: 200, ttlMs: 3_000 };

function until(lease: SyncLease, accept: (state: SyncLeaseState) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bail : ${JSON.stringify(lease.state())}`)), 30_000);
    const stop = lease.onChange((state) => {
      if (!accept(state)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
    if (accept(lease.state())) {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}

describe('sync service on a desk', () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ initialDecisions: 0 });
  }, 60_000);
  afterAll(async () => f?.close());

  it('is always its own syncer', async () => {
    const { db, location } = await f.openDb();
    const service = new SyncService({
      db,
      store: location,
      workerData: () => Promise.reject(new Error('pas de synchronisation ici')),
      onProgress: () => undefined,
      onFinished: () => undefined,
    });
    service.startLease();
    const status = await service.status();
    expect(status.lease).toMatchObject({ shared: false, eligible: true, holder: { thisWorkstation: true } });
    await service.close();
  });
});

describe.skipIf(!testCluster())('sync service in organisation mode (PostgreSQL)', () => {
  let f: SandboxFixture;
  const pools: SqlDatabase[] = [];
  beforeAll(async () => {
    f = await startSandboxFixture({ initialDecisions: 40, backend: 'postgres' });
  }, 60_000);
  afterAll(async () => {
    for (const pool of pools) await pool.close().catch(() => undefined);
    await f?.close();
  });

  it('lets only the holder run, names it to the other workstation, and hands over when it closes', async () => {
    const { db: observer, location } = await f.openDb();
    const settings: SyncRunSettings = {
      transport: { via: 'node', config: f.transportConfig() },
      legalEntity: TEST_EJ,
      activateNewEgs: true,
    };
    const workstation = async (label: string) => {
      const db = await openStore(location);
      pools.push(db);
      const lease = new OrganisationSyncLease({ db, label, timings: TIMINGS, eligible: () => Promise.resolve(true) });
      const changes: string[] = [];
      const pushed: OutboxPushResult[] = [];
      const pushWaiters: (() => void)[] = [];
      const service = new SyncService({
        db,
        store: location,
        workerData: () => Promise.resolve(settings),
        onProgress: () => undefined,
        onFinished: () => undefined,
        lease,
        outboxSweepMs: TIMINGS.heartbeatMs,
        onLeaseChange: (dto) => changes.push(dto.holder?.label ?? 'personne'),
        onPushed: (result) => {
          pushed.push(result);
          for (const wake of pushWaiters.splice(0)) wake();
        },
      });
      /** Resolves once a push report satisfies `accept` (already received or coming). */
      const pushedUntil = async (accept: (result: OutboxPushResult) => boolean): Promise<void> => {
        while (!pushed.some(accept)) await new Promise<void>((wake) => pushWaiters.push(wake));
      };
      return { lease, service, changes, pushed, pushedUntil, db };
    };
    const a = await workstation('Poste A (dupont)');
    a.service.startLease();
    await until(a.lease, (s) => s.holder?.thisWorkstation === true);
    const b = await workstation('Poste B (martin)');
    b.service.startLease();
    await until(b.lease, (s) => s.holder?.label === 'Poste A (dupont)');

    const statusA = await a.service.status();
    expect(statusA.lease).toMatchObject({
      shared: true,
      eligible: true,
      holder: { label: 'Poste A (dupont)', thisWorkstation: true },
    });
    const statusB = await b.service.status();
    expect(statusB.lease).toMatchObject({ holder: { label: 'Poste A (dupont)', thisWorkstation: false } });
    expect(statusB.lease.holder?.since).toBe(statusA.lease.holder?.since);
    expect(b.changes).toContain('Poste A (dupont)');

    // The other workstation neither runs nor records a run: it names the syncer.
    const refused = b.service.runNow();
    await expect(refused).rejects.toMatchObject({ code: 'SYNC_OTHER_HOLDER' });
    await expect(refused).rejects.toThrow(/assurée par le poste « Poste A \(dupont\) »/);
    expect(await observer.value('SELECT count(*) FROM sync_run')).toBe(0);

    // The holder's run is recorded as its own.
    const result = await a.service.runNow();
    expect(result?.outcome).toBe('succès');
    expect(await observer.get('SELECT holder_label FROM sync_run WHERE id = ?', [result?.runId])).toEqual({
      holder_label: 'Poste A (dupont)',
    });

    // A status confirmed on B leaves through A; B tells its fate (the action panel waits for it).
    const candidate = await b.db.get<{ notificationId: number; unitId: number }>(
      `SELECT n.id AS "notificationId", u.id AS "unitId" FROM notification n JOIN ror_unit u ON u.finess_eg = n.finess_eg
        WHERE n.esms_status = '39' AND u.categorie_organisation IS NOT NULL AND u.mode_prise_charge IS NOT NULL
        ORDER BY n.id, u.id LIMIT 1`,
    );
    expect(candidate).toBeDefined();
    const now = () => new Date();
    const { outboxIds } = await performAction(
      { db: b.db, journal: new Journal(b.db), now, today: () => localToday(now()), sdo: () => DEFAULT_SDO_CONTEXT },
      {
        notificationId: candidate!.notificationId,
        action: 'demande-admission',
        date: localToday(now()),
        unitId: candidate!.unitId,
      },
    );
    b.service.requestPush(outboxIds);
    await b.pushedUntil((p) => outboxIds.every((id) => p.sent.includes(id)));
    expect(await observer.value('SELECT state FROM outbox WHERE id = ?', [outboxIds[0]])).toBe('sent');
    expect(a.pushed.some((p) => p.sent.includes(outboxIds[0]!))).toBe(true);

    // A closes: B takes over and may run.
    await a.service.close();
    await until(b.lease, (s) => s.holder?.thisWorkstation === true);
    expect((await b.service.status()).lease.holder).toMatchObject({ label: 'Poste B (martin)', thisWorkstation: true });
    const second = await b.service.runNow();
    expect(second?.outcome).toBe('succès');
    await b.service.close();
    expect(await observer.value('SELECT count(*) FROM sync_lease')).toBe(0);
  }, 120_000);
});
