/**
 * Issue 15's first "Done when": three workstation processes (the browser host in organisation mode, each its own
 * process and data folder) on one PostgreSQL and one shared sandbox. Exactly one syncs (the sync lease); a SIGKILL
 * of that one hands the sync over to another within a minute; 1,000 statuses queued through the real
 * `notifications:perform-action` channel, spread over the three (consecutive statuses of one notification
 * deliberately queued on different workstations) while the syncer is killed 5 times (and restarted on its folder
 * each time, so that three stay open), end with each Task received exactly once by the sandbox, in queue order
 * per notification.
 *
 * Short lease and outbox-claim lifetimes (test options, environment of the workstation processes) keep the
 * handovers and a killed sender's claims to seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatusDto } from '@shared/domain/sync';
import { CLAIM_TTL_ENV } from '../sync/outbox/outbox-sender';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { testCluster } from '../testing/postgres-test-cluster';
import { openTestStore, type TestStore } from '../testing/test-stores';
import {
  organisationServerOf,
  sharedSandboxOf,
  startWorkstation,
  waitUntil,
  WorkstationCallError,
  type WorkstationOptions,
  type WorkstationProcess,
} from './testing/workstation-process';

const WORKSTATIONS = 3;
const STATUSES = 1_000;
const KILLS = 5;
/** Notifications acted on; each gets STATUSES / NOTIFICATIONS statuses, queued one after the other. */
const NOTIFICATIONS = 40;
/** Notifications whose statuses are being queued at the same moment. */
const PARALLEL_CHAINS = 20;
const HANDOVER_DEADLINE_MS = 60_000;
const TEST_TIMINGS = {
  REFERENT_VT_SYNC_LEASE_HEARTBEAT_MS: '500',
  REFERENT_VT_SYNC_LEASE_TTL_MS: '3000',
  [CLAIM_TTL_ENV]: '3000',
};

interface Target {
  readonly notificationId: number;
  readonly unitId: number;
}

describe.skipIf(!testCluster())('three workstations on one organisation: one sync, each status sent once', () => {
  let fixture: SandboxFixture;
  let organisation: TestStore;
  let options: WorkstationOptions;
  /** The open workstations, by slot (a killed one is replaced by its restart on the same folder). */
  const slots: WorkstationProcess[] = [];
  const everyProcess: WorkstationProcess[] = [];

  beforeAll(async () => {
    fixture = await startSandboxFixture({ initialDecisions: 40 });
    organisation = await openTestStore('postgres');
    options = {
      organisation: organisationServerOf(organisation.location),
      sandbox: sharedSandboxOf(fixture.sandbox),
      env: TEST_TIMINGS,
    };
    const started = await Promise.all(
      Array.from({ length: WORKSTATIONS }, (_, i) => startWorkstation({ ...options, label: `poste-${i + 1}` })),
    );
    slots.push(...started);
    everyProcess.push(...started);
  }, 120_000);

  afterAll(async () => {
    for (const w of everyProcess) await w.stop();
    await organisation?.close();
    await fixture?.close();
  });

  /** Which open workstations say they hold the sync (each asked for its own view). */
  async function holders(): Promise<WorkstationProcess[]> {
    const views = await Promise.all(
      slots.map(async (w) => {
        if (!w.alive()) return undefined;
        const status = await w.invoke<SyncStatusDto>('sync:status', {}).catch(() => undefined);
        return status?.lease.holder?.thisWorkstation ? w : undefined;
      }),
    );
    return views.filter((w): w is WorkstationProcess => w !== undefined);
  }

  /** Waits for exactly one open workstation to sync, and returns it. */
  async function theSyncer(timeoutMs = HANDOVER_DEADLINE_MS): Promise<WorkstationProcess> {
    const found = await waitUntil(
      async () => {
        const now = await holders();
        return now.length === 1 ? now : undefined;
      },
      { timeoutMs, intervalMs: 200, what: 'un seul poste synchronise' },
    );
    return found[0]!;
  }

  const count = async (sql: string, params: unknown[] = []) => Number(await organisation.db.value(sql, params));

  it('hands the sync over at each SIGKILL and sends each of 1,000 statuses exactly once, in order', async () => {
    const syncer = await theSyncer();
    expect(await holders()).toEqual([syncer]);
    // The lease is the same for all: the others see who syncs.
    for (const w of slots.filter((s) => s !== syncer)) {
      const status = await w.invoke<SyncStatusDto>('sync:status', {});
      expect(status.lease).toMatchObject({ shared: true, holder: { thisWorkstation: false } });
    }

    // The syncer brings the sandbox's decisions into the organisation's store; a non-holder is refused a run.
    const refused = await slots
      .find((s) => s !== syncer)!
      .invoke('sync:run-now', {})
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkstationCallError);
    expect((refused as WorkstationCallError).error.code).toBe('SYNC_OTHER_HOLDER');
    const startedAt = Date.now();
    const phase = (what: string) => console.log(`${Math.round((Date.now() - startedAt) / 1000)} s : ${what}`);
    await syncer.invoke('sync:run-now', {});
    phase('première synchronisation faite');
    const targets = await organisation.db.all<Target>(
      `SELECT n.id AS "notificationId",
              (SELECT min(u.id) FROM ror_unit u WHERE u.finess_eg = n.finess_eg) AS "unitId"
         FROM notification n
        WHERE n.esms_status = '39' AND n.terminated = 0
          AND EXISTS (SELECT 1 FROM ror_unit u WHERE u.finess_eg = n.finess_eg)
        ORDER BY n.id LIMIT ?`,
      [NOTIFICATIONS],
    );
    expect(targets).toHaveLength(NOTIFICATIONS);

    // --- The statuses: per notification, « demande d'admission » then « retrait de la liste d'attente », again and
    // again, each decided from the stored unit line (an answer lost with a killed process is no guess), each sent
    // to the next open workstation in turn.
    const today = new Date().toISOString().slice(0, 10);
    let queued = 0;
    let turn = 0;
    let lostAnswers = 0;
    const nextWorkstation = (): WorkstationProcess => {
      for (let i = 0; i < slots.length; i++) {
        const w = slots[turn++ % slots.length]!;
        if (w.alive()) return w;
      }
      throw new Error('aucun poste ouvert');
    };
    /** Where each notification stands as this test last knew it (read again from the store after a lost answer). */
    const known = new Map(targets.map((t) => [t.notificationId, { waiting: false, queued: 0, stale: false }]));
    let aborted = false;
    const actionMs: number[] = [];
    const queueOne = async (target: Target): Promise<void> => {
      const state = known.get(target.notificationId)!;
      if (state.stale) {
        const line = await organisation.db.value<string>(
          'SELECT status FROM unit_line WHERE notification_id = ? AND ror_unit_id = ?',
          [target.notificationId, target.unitId],
        );
        state.waiting = line === '182';
        state.queued = await count('SELECT count(*) FROM outbox WHERE notification_id = ?', [target.notificationId]);
        state.stale = false;
      }
      const request = state.waiting
        ? { action: 'retirer-liste-attente', motif: '100' }
        : { action: 'demande-admission' as const };
      const workstation = nextWorkstation();
      const sentAt = Date.now();
      try {
        const done = await workstation.invoke<{ outboxIds: number[] }>('notifications:perform-action', {
          notificationId: target.notificationId,
          unitId: target.unitId,
          date: today,
          ...request,
        });
        actionMs.push(Date.now() - sentAt);
        queued += done.outboxIds.length;
        state.queued += done.outboxIds.length;
        state.waiting = !state.waiting;
      } catch (e) {
        // The workstation was killed under the request: whether it was recorded, the store tells next turn.
        if (e instanceof WorkstationCallError) throw e;
        if (workstation.alive())
          throw new Error(`${workstation.label} : ${String(e)}\n${workstation.stderrTail()}`, { cause: e });
        lostAnswers++;
        state.stale = true;
      }
    };
    const chains = async (): Promise<void> => {
      const pending = [...targets];
      const chain = async () => {
        for (let target = pending.shift(); target; target = pending.shift()) {
          const state = known.get(target.notificationId)!;
          while (!aborted && queued < STATUSES && (state.stale || state.queued < STATUSES / NOTIFICATIONS)) {
            await queueOne(target);
          }
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_CHAINS }, chain));
    };

    // --- The syncer killed 5 times while statuses are queued and sent, restarted each time on its folder (in the
    // background: the next kill needs only two open workstations, one to kill and one to take over).
    const handovers: number[] = [];
    const restarts: Promise<void>[] = [];
    const openCount = () => slots.filter((w) => w.alive()).length;
    const killer = async (): Promise<void> => {
      for (let kill = 1; kill <= KILLS && !aborted; kill++) {
        // Each kill once a further share of the statuses is queued and some of it already sent.
        await waitUntil(
          async () =>
            aborted ||
            (queued >= (kill * STATUSES) / (KILLS + 2) &&
              openCount() >= 2 &&
              (await count("SELECT count(*) FROM outbox WHERE state = 'sent'")) > 0),
          { timeoutMs: 180_000, what: `statuts en file avant l'arrêt ${kill}` },
        );
        if (aborted) break;
        const victim = await theSyncer();
        const slot = slots.indexOf(victim);
        victim.kill('SIGKILL');
        const killedAt = Date.now();
        await victim.exited;
        const successor = await theSyncer(HANDOVER_DEADLINE_MS);
        expect(successor).not.toBe(victim);
        handovers.push(Date.now() - killedAt);
        phase(`arrêt ${kill} : relève en ${handovers.at(-1)} ms, ${queued} statuts en file`);
        restarts.push(
          startWorkstation({ ...options, dataRoot: victim.dataRoot, label: victim.label }).then((restarted) => {
            everyProcess.push(restarted);
            slots[slot] = restarted;
          }),
        );
      }
      await Promise.all(restarts);
    };
    // Both run to their end whatever happens (no workstation started after the test is over); the first failure wins.
    const outcomes = await Promise.allSettled(
      [chains(), killer()].map((p) =>
        p.catch((e: unknown) => {
          aborted = true;
          throw e;
        }),
      ),
    );
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    expect(handovers).toHaveLength(KILLS);
    phase('statuts tous en file');

    // --- Everything leaves: the current syncer sweeps the outbox (claims of the killed ones lapse in seconds).
    const total = await count('SELECT count(*) FROM outbox');
    expect(total).toBeGreaterThanOrEqual(STATUSES);
    await waitUntil(async () => (await count("SELECT count(*) FROM outbox WHERE state <> 'sent'")) === 0 || undefined, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'tous les statuts envoyés',
    });
    expect(await holders()).toHaveLength(1);
    phase('statuts tous envoyés');

    // Each Task received once by the sandbox, and per notification in the order the statuses were queued.
    const outbox = await organisation.db.all<{ id: number; notification_id: number; client_identifier: string }>(
      'SELECT id, notification_id, client_identifier FROM outbox ORDER BY id',
    );
    const notificationOf = new Map(outbox.map((o) => [o.client_identifier, o.notification_id]));
    const received = fixture.sandbox.operations
      .receivedTasks()
      .map((t) => t.clientIdentifier?.split('|').at(-1) ?? '')
      .filter((clientId) => notificationOf.has(clientId));
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort()).toEqual(outbox.map((o) => o.client_identifier).sort());
    for (const { notificationId } of targets) {
      const inQueueOrder = outbox.filter((o) => o.notification_id === notificationId).map((o) => o.client_identifier);
      expect(received.filter((c) => notificationOf.get(c) === notificationId)).toEqual(inQueueOrder);
    }
    console.log(
      JSON.stringify({
        workstations: WORKSTATIONS,
        statuses: total,
        kills: KILLS,
        handoverMs: handovers,
        answersLostWithAKill: lostAnswers,
        performActionMeanMs: Math.round(actionMs.reduce((a, b) => a + b, 0) / Math.max(1, actionMs.length)),
      }),
    );
  }, 600_000);
});
