/**
 * Several senders on one outbox (issue 15): each on its own connection, at the same time, against the sandbox over
 * mTLS. Every Task reaches the sandbox once, in order per notification; an item a crashed sender still holds
 * waits for its claim to lapse, and so do the later items of its notification; the sandbox's conditional create
 * holds under concurrent POSTs of the same Task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '@shared/domain/status-report';
import { openStore } from '../../db/open-store';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { CLIENT_ID_SYSTEM, DEFAULT_SDO_CONTEXT } from '../../fhir';
import { Journal } from '../../journal/journal';
import { TEST_BACKENDS } from '../../testing/test-stores';
import type { Transport } from '../../transport/transport';
import { readSyncLimits } from '../items/item-store';
import { emptyCounters, type SyncCounters } from '../sync-context';
import { FAST_RETRY, startSandboxFixture, type FixtureStore, type SandboxFixture } from '../testing/sandbox-fixture';
import { sendOutbox } from './outbox-sender';
import { enqueueStatusReport } from './status-outbox';

const EG = '010000019';

describe.each(TEST_BACKENDS)('outbox claims, several senders (%s)', (backend) => {
  let f: SandboxFixture;
  let store: FixtureStore;
  let db: SqlDatabase;
  let transport: Transport;
  /**
   * The other senders' connections. PostgreSQL: connections of their own, as on several workstations. SQLite: the
   * same connection (one writer at a time; two connections of one thread would block each other's busy wait), as
   * the app's push and a run's sender on one desk.
   */
  const others: SqlDatabase[] = [];

  beforeAll(async () => {
    f = await startSandboxFixture({ initialDecisions: 60, backend });
    store = await f.openDb();
    db = store.db;
    transport = f.transport();
    expect((await f.sync(db, store.journal, transport)).outcome).toBe('succès');
    for (let i = 0; i < 2; i++) others.push(backend === 'postgres' ? await openStore(store.location) : db);
  }, 90_000);
  afterAll(async () => {
    if (backend === 'postgres') for (const other of others) await other.close();
    await f?.close();
  });

  let nextDecision = 0;
  /** Fresh notifications of the EG (not used by another test), with what a Task about them needs. */
  async function notifications(count: number) {
    const rows = await db.all<{ id: number; id_decision: string; id_nat_decision: string }>(
      `SELECT n.id, d.id_decision, d.id_nat_decision FROM notification n JOIN decision d ON d.id = n.decision_id
        WHERE n.finess_eg = ? ORDER BY n.id LIMIT ? OFFSET ?`,
      [EG, count, nextDecision],
    );
    nextDecision += count;
    expect(rows).toHaveLength(count);
    return rows;
  }

  /** Queues `perNotification` statuses on each notification, interleaved; returns the outbox ids in queue order. */
  async function queue(
    targets: readonly { id: number; id_decision: string; id_nat_decision: string }[],
    perNotification: number,
  ): Promise<number[]> {
    return db.transaction(async (tx) => {
      const ids: number[] = [];
      for (let round = 0; round < perNotification; round++) {
        for (const n of targets) {
          const report: StatusReport = {
            idNatStruct: `1${EG}`,
            nomESMS: 'ESAT FICTIF LES TILLEULS',
            idDecision: n.id_decision,
            idNatDecision: n.id_nat_decision,
            statutESMS: round % 2 === 0 ? '40' : '41',
            ...(round % 2 === 0 ? {} : { motifESMS: '151' }),
            dateStatutESMS: `2026-07-${String(round + 1).padStart(2, '0')}`,
          };
          const { outboxId } = await enqueueStatusReport(tx, {
            notificationId: n.id,
            finessEg: EG,
            report,
            now: new Date(),
            sdo: DEFAULT_SDO_CONTEXT,
          });
          ids.push(outboxId);
        }
      }
      return ids;
    });
  }

  function send(on: SqlDatabase, counters: SyncCounters, now: () => Date = () => new Date()): Promise<void> {
    return readSyncLimits(on).then((limits) =>
      sendOutbox(
        {
          db: on,
          transport,
          journal: new Journal(on),
          now,
          sdo: DEFAULT_SDO_CONTEXT,
          retry: FAST_RETRY,
          concurrency: 1,
          limits,
        },
        counters,
        { claim: { claimant: 'poste-test' } },
      ),
    );
  }

  /** The sandbox's received Tasks of these outbox items, by client identifier, in the order it stored them. */
  async function receivedOf(outboxIds: readonly number[]) {
    const rows = await db.all<{ id: number; notification_id: number; client_identifier: string; state: string }>(
      `SELECT id, notification_id, client_identifier, state FROM outbox WHERE id IN (${outboxIds.map(() => '?').join(', ')})
        ORDER BY id`,
      outboxIds,
    );
    const byClientId = new Map(rows.map((r) => [r.client_identifier, r]));
    const received = f.sandbox.operations
      .receivedTasks()
      .filter((t) => t.origin === 'esms' && byClientId.has(t.clientIdentifier?.split('|').at(-1) ?? ''));
    return { rows, received, byClientId };
  }

  it('three senders at once: each Task received once, in queue order per notification, counted once', async () => {
    const targets = await notifications(6);
    const ids = await queue(targets, 8);
    const counters = [emptyCounters(), emptyCounters(), emptyCounters()];
    await Promise.all([send(db, counters[0]!), send(others[0]!, counters[1]!), send(others[1]!, counters[2]!)]);

    const { rows, received, byClientId } = await receivedOf(ids);
    expect(rows.filter((r) => r.state !== 'sent')).toEqual([]);
    const clientIds = received.map((t) => t.clientIdentifier?.split('|').at(-1));
    expect(new Set(clientIds).size).toBe(clientIds.length);
    expect(clientIds).toHaveLength(ids.length);
    for (const n of targets) {
      const queued = rows.filter((r) => r.notification_id === n.id).map((r) => r.client_identifier);
      const arrived = clientIds.filter((c) => byClientId.get(c ?? '')?.notification_id === n.id);
      expect(arrived).toEqual(queued);
    }
    expect(counters.reduce((sum, c) => sum + c.sent, 0)).toBe(ids.length);
    // Nothing left claimed: a sender releases what it holds when it is done.
    expect(await db.value('SELECT count(*) FROM outbox WHERE claimed_until IS NOT NULL')).toBe(0);
  }, 120_000);

  it('an item a crashed sender holds waits for its claim to lapse, and its notification’s later items behind it', async () => {
    const [held, free] = await notifications(2);
    const ids = await queue([held!, free!], 3);
    const heldIds = ids.filter((_, i) => i % 2 === 0);
    const freeIds = ids.filter((_, i) => i % 2 === 1);
    const lapsesAt = new Date(Date.now() + 60 * 60_000);
    // The crashed sender had taken the first item of `held` and never came back.
    await db.run("UPDATE outbox SET state = 'in_flight', claimed_by = 'poste-arrêté', claimed_until = ? WHERE id = ?", [
      lapsesAt.toISOString(),
      heldIds[0],
    ]);

    await send(others[0]!, emptyCounters());
    const states = async (of: readonly number[]) =>
      (
        await db.all<{ state: string }>(
          `SELECT state FROM outbox WHERE id IN (${of.map(() => '?').join(', ')}) ORDER BY id`,
          of,
        )
      ).map((r) => r.state);
    expect(await states(freeIds)).toEqual(['sent', 'sent', 'sent']);
    expect(await states(heldIds)).toEqual(['in_flight', 'pending', 'pending']);

    // Past the claim's expiry (a clock an hour and a minute on), another sender takes the item again.
    await send(others[1]!, emptyCounters(), () => new Date(lapsesAt.getTime() + 60_000));
    expect(await states(heldIds)).toEqual(['sent', 'sent', 'sent']);
    const { received, byClientId } = await receivedOf(heldIds);
    expect(received.map((t) => byClientId.get(t.clientIdentifier?.split('|').at(-1) ?? '')?.id)).toEqual(heldIds);
  }, 120_000);

  it('the sandbox stores one Task for concurrent POSTs of the same conditional create', async () => {
    const [n] = await notifications(1);
    const [id] = await queue([n!], 1);
    // Abandoned locally: only this test's POSTs carry it.
    await db.run("UPDATE outbox SET state = 'abandoned' WHERE id = ?", [id]);
    const item = await db.get<{ client_identifier: string; payload_json: string }>(
      'SELECT client_identifier, payload_json FROM outbox WHERE id = ?',
      [id],
    );
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        transport.request({
          method: 'POST',
          path: 'Task',
          finessEg: EG,
          body: item!.payload_json,
          headers: { 'If-None-Exist': `identifier=${CLIENT_ID_SYSTEM}|${item!.client_identifier}` },
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort((a, b) => a - b)).toEqual([...Array.from({ length: 11 }, () => 200), 201]);
    expect(new Set(answers.map((a) => (a.body as { id: string }).id)).size).toBe(1);
    const { received } = await receivedOf([id!]);
    expect(received).toHaveLength(1);
  }, 60_000);
});
