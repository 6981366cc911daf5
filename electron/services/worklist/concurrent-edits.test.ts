/**
 * Concurrent edits (issue 15): two referents act on the same notification, each with the version their screen
 * showed. Exactly one action is recorded; the other is refused (NOTIFICATION_CHANGED) with a French message telling
 * what changed, by whom, and nothing of it is queued. On PostgreSQL the two referents are two LOGIN roles on two
 * connections and their transactions really overlap; on SQLite (one desk, one process) they share the connection's
 * queue, as two windows of one desk do, and a second connection acts afterwards. A sync result moves the version
 * too: it is a change the referent did not see.
 */
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import { openStore } from '../db/open-store';
import { notificationStore } from '../db/notification-store';
import { addMember, setAssignments } from '../db/postgres/organisation-admin';
import { openPostgresDatabase } from '../db/postgres/postgres-database';
import type { SqlDatabase } from '../db/sql/sql-database';
import { DEFAULT_SDO_CONTEXT } from '../fhir';
import { Journal } from '../journal/journal';
import { applyReceivedStatus } from '../sync/pull/status-pull';
import { testCluster } from '../testing/postgres-test-cluster';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { recordConsent } from './consent-and-evaluation';
import { performAction, type ActionRequest } from './notification-actions';
import { readNotificationDetail } from './notification-detail';
import { assertNotificationUnchanged } from './notification-version';
import { seedWorklist } from './testing/worklist-seed';

const TODAY = '2026-07-01';
const ESAT = '010000011';
const now = () => new Date(`${TODAY}T10:00:00.000Z`);

/** What a refused action threw, or a failure if it was not refused. */
async function refusal(attempt: Promise<unknown>): Promise<AppError> {
  const outcome = await attempt.then(
    () => new Error('action acceptée, refus attendu'),
    (e: unknown) => e,
  );
  if (!(outcome instanceof AppError)) throw outcome;
  return outcome;
}

describe.each(TEST_BACKENDS)('two referents on one notification (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;
  /** The two referents' connections. */
  let alice: SqlDatabase;
  let bob: SqlDatabase;
  /**
   * Bob's connection while Alice's transaction is open: on SQLite, Alice's own (a desk is one process, its windows
   * share the connection's queue; a second connection would wait on the file lock with the event loop blocked).
   */
  let bobMeanwhile: SqlDatabase;
  let authors: { alice: string | null; bob: string | null };
  const closing: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
    await seedWorklist(db, { count: 30, today: TODAY });
    if (store.location.kind === 'postgres') {
      // Two referents, each a LOGIN role assigned to the EG, as an organisation has them.
      const cluster = testCluster()!;
      const database = store.location.connection.database;
      const admin = await openPostgresDatabase(cluster.admin(database));
      const suffix = crypto.randomBytes(3).toString('hex');
      const names = { alice: `alice_conflit_${suffix}`, bob: `bob_conflit_${suffix}` };
      const password = crypto.randomBytes(12).toString('base64url');
      for (const name of Object.values(names)) {
        await addMember(admin, name, password, 'référent');
        await setAssignments(admin, name, [ESAT]);
      }
      await admin.close();
      const { connection } = store.location;
      const connect = (user: string) => openStore({ kind: 'postgres', connection: { ...connection, user, password } });
      alice = await connect(names.alice);
      bob = await connect(names.bob);
      bobMeanwhile = bob;
      authors = names;
      closing.push(async () => {
        await alice.close();
        await bob.close();
        await store.close();
        for (const name of Object.values(names)) await cluster.adminQuery(`DROP ROLE IF EXISTS ${name}`);
      });
    } else {
      alice = db;
      bob = await openStore(store.location);
      bobMeanwhile = alice;
      authors = { alice: null, bob: null };
      closing.push(async () => {
        await bob.close();
        await store.close();
      });
    }
  });
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  const deps = (conn: SqlDatabase) => ({
    db: conn,
    journal: new Journal(conn, now),
    now,
    today: () => TODAY,
    sdo: () => DEFAULT_SDO_CONTEXT,
  });
  const count = async (sql: string, ...p: unknown[]) => Number(await db.value(sql, p));
  const unitId = async (idRor: string) =>
    (await db.value<number>('SELECT id FROM ror_unit WHERE id_ror = ?', [idRor]))!;
  /** A notification not yet on a waiting list, whose decision is still valid (an action does not end it). */
  const waitingNotification = async () =>
    (await db.value<number>(
      `SELECT n.id FROM notification n JOIN decision d ON d.id = n.decision_id
        WHERE n.finess_eg = ? AND n.esms_status IN ('39', '40', '41') AND d.validity_end > ? ORDER BY n.id LIMIT 1`,
      [ESAT, TODAY],
    ))!;
  const version = async (id: number) => (await readNotificationDetail(db, id, TODAY)).version;
  const outboxIdsOf = async (id: number) =>
    (await db.all<{ id: number }>('SELECT id FROM outbox WHERE notification_id = ? ORDER BY id', [id])).map((r) =>
      Number(r.id),
    );

  it('records one of two simultaneous actions; the other is told what changed, and nothing of it is queued', async () => {
    const id = await waitingNotification();
    const seen = await version(id);
    const [esat1, esat2] = [await unitId('ROR-UNIT-ESAT-1'), await unitId('ROR-UNIT-ESAT-2')];
    const request = (unit: number): ActionRequest => ({
      notificationId: id,
      action: 'demande-admission',
      date: '2026-06-28',
      unitId: unit,
      seenVersion: seen,
    });
    const outcomes = await Promise.allSettled([
      performAction(deps(alice), request(esat1)),
      performAction(deps(bobMeanwhile), request(esat2)),
    ]);
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [{ i, value: o.value }] : []));
    const lost = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ i, reason: o.reason as unknown }] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = lost[0]!.reason;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('NOTIFICATION_CHANGED');
    const message = (error as AppError).message;
    const winner = won[0]!.i === 0 ? 'alice' : 'bob';
    const winnerUnit = winner === 'alice' ? 'Atelier blanchisserie' : (await unitName(esat2))!;
    expect(message).toMatch(/^Cette notification a été modifiée par .+ le \d\d\/\d\d\/2026 à \d\d:\d\d pendant que/);
    expect(message).toContain(`unité « ${winnerUnit} » : aucune position → «`);
    expect(message).toContain('statut ESMS «');
    expect(message).toContain('Rien n’a été enregistré ni envoyé');
    expect(message).not.toContain('terminée');
    if (authors[winner]) expect(message).toContain(`modifiée par ${authors[winner]} le`);
    else expect(message).toContain('modifiée par un autre référent le');

    // The outbox holds exactly the winner's Tasks; the loser left no status, line nor journal entry.
    expect(await outboxIdsOf(id)).toEqual([...won[0]!.value.outboxIds].sort((a, b) => a - b));
    expect(await count('SELECT count(*) FROM status_event WHERE notification_id = ?', id)).toBe(
      won[0]!.value.outboxIds.length,
    );
    expect(await count('SELECT count(*) FROM unit_line WHERE notification_id = ?', id)).toBe(1);
    expect(
      await count("SELECT count(*) FROM journal WHERE record_type = 'notification' AND record_id = ?", String(id)),
    ).toBe(1);

    // Seen again, the loser's action goes through.
    const loser = won[0]!.i === 0 ? bob : alice;
    const retried = await performAction(deps(loser), {
      ...request(won[0]!.i === 0 ? esat2 : esat1),
      seenVersion: await version(id),
    });
    expect(retried.outboxIds.length).toBeGreaterThan(0);
    expect(await outboxIdsOf(id)).toHaveLength(won[0]!.value.outboxIds.length + retried.outboxIds.length);
  });

  const unitName = (unit: number) => db.value<string>('SELECT name FROM ror_unit WHERE id = ?', [unit]);

  it.runIf(backend === 'postgres')(
    'makes the second transaction wait for the first one’s lock, then read what it committed',
    async () => {
      const cluster = testCluster()!;
      const id = await waitingNotification();
      const seen = await version(id);
      const esat1 = await unitId('ROR-UNIT-ESAT-1');
      let bobsAttempt: Promise<AppError> | undefined;
      await alice.transaction(async (tx) => {
        await assertNotificationUnchanged(tx, id, seen);
        bobsAttempt = refusal(
          performAction(deps(bob), {
            notificationId: id,
            action: 'demande-admission',
            date: '2026-06-28',
            unitId: esat1,
            seenVersion: seen,
          }),
        );
        // Bob's transaction is on the server, waiting for Alice's row lock.
        await vi.waitFor(
          async () => {
            const waiting = await cluster.adminQuery(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${authors.bob}' AND wait_event_type = 'Lock'`,
            );
            expect(waiting.rows[0]).toEqual({ n: 1 });
          },
          { timeout: 60_000, interval: 50 },
        );
        await notificationStore(tx, 'utilisateur').upsertUnitLine({
          notificationId: id,
          unitId: esat1,
          status: '182',
          statusDate: '2026-06-28',
          motif: null,
          nowIso: now().toISOString(),
        });
      });
      const error = await bobsAttempt!;
      expect(error.code).toBe('NOTIFICATION_CHANGED');
      expect(error.message).toContain(`par ${authors.alice} le`);
      expect(error.message).toContain('unité « Atelier blanchisserie » : aucune position → «');
      expect(await outboxIdsOf(id)).toEqual([]);
    },
  );

  it('refuses the second of two actions made one after the other from the same screen state', async () => {
    const id = await waitingNotification();
    const seen = await version(id);
    const esat1 = await unitId('ROR-UNIT-ESAT-1');
    const first = await performAction(deps(alice), {
      notificationId: id,
      action: 'demande-admission',
      date: '2026-06-28',
      unitId: esat1,
      seenVersion: seen,
    });
    const error = await refusal(
      performAction(deps(bob), {
        notificationId: id,
        action: 'demande-admission',
        date: '2026-06-28',
        unitId: esat1,
        seenVersion: seen,
      }),
    );
    expect(error.code).toBe('NOTIFICATION_CHANGED');
    expect(error.message).toContain('unité « Atelier blanchisserie » : aucune position → «');
    expect(error.message).toContain(authors.alice ? `par ${authors.alice} le` : 'par un autre référent le');
    expect(await outboxIdsOf(id)).toEqual([...first.outboxIds]);

    // A consent recorded from the stale screen is refused too; from the fresh one it goes, once.
    expect(
      (await refusal(recordConsent(deps(bob), { notificationId: id, collectedOn: TODAY, seenVersion: seen }))).code,
    ).toBe('NOTIFICATION_CHANGED');
    const fresh = await version(id);
    const consents = await Promise.allSettled([
      recordConsent(deps(alice), { notificationId: id, collectedOn: TODAY, seenVersion: fresh }),
      recordConsent(deps(bobMeanwhile), { notificationId: id, collectedOn: TODAY, seenVersion: fresh }),
    ]);
    expect(consents.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect(await count("SELECT count(*) FROM outbox WHERE kind = 'consent.create'")).toBe(1);
  });

  it('counts a sync result as a change the referent did not see; a sync bringing nothing new moves nothing', async () => {
    const id = await waitingNotification();
    const seen = await version(id);
    const decision = (await db.get<{ id_decision: string; id_nat_decision: string }>(
      'SELECT d.id_decision, d.id_nat_decision FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?',
      [id],
    ))!;
    const report = {
      idNatStruct: `1${ESAT}`,
      nomESMS: 'ESAT',
      idDecision: decision.id_decision,
      idNatDecision: decision.id_nat_decision,
      statutESMS: '49',
      dateStatutESMS: TODAY,
    };
    // Flux 5 as the sync applies it (its own connection: the store's, a coordinator on PostgreSQL).
    await db.transaction((tx) => applyReceivedStatus(tx, ESAT, { id: 'task-mdph-1' }, report, now().toISOString()));
    expect(await version(id)).toBeGreaterThan(seen);
    const error = await refusal(
      performAction(deps(alice), {
        notificationId: id,
        action: 'demande-admission',
        date: '2026-06-28',
        unitId: await unitId('ROR-UNIT-ESAT-1'),
        seenVersion: seen,
      }),
    );
    expect(error.code).toBe('NOTIFICATION_CHANGED');
    expect(error.message).toContain('par la synchronisation avec ViaTrajectoire le');
    expect(error.message).toMatch(/statut ESMS « [^»]+ » → « [^»]+ »/);
    expect(error.message).toContain('notification terminée');
    expect(await outboxIdsOf(id)).toEqual([]);

    // The same status written again (a sync re-reading it) is no change: the version stays.
    const after = await version(id);
    await notificationStore(db).setEsmsStatus({ id, esmsStatus: '49', terminated: true, nowIso: now().toISOString() });
    expect(await version(id)).toBe(after);
    // Flux 1's "à traiter" (a renewal arriving) moves it.
    await notificationStore(db).raiseATraiter(
      id,
      'Renouvellement : reprendre l’unité et la position',
      now().toISOString(),
    );
    expect(await version(id)).toBe(after + 1);
  });

  it('leaves callers without a seen version (status forcing, scripts) unchecked', async () => {
    const id = await waitingNotification();
    await notificationStore(db).raiseATraiter(id, 'Test', now().toISOString());
    const result = await performAction(deps(alice), {
      notificationId: id,
      action: 'demande-admission',
      date: '2026-06-28',
      unitId: await unitId('ROR-UNIT-ESAT-1'),
    });
    expect(result.outboxIds.length).toBeGreaterThan(0);
  });
});
