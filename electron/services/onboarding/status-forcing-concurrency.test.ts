/**
 * Two referents force the same line at the same moment (one organisation store): exactly one of them queues the
 * status, the other is told it is already on its way. The race is forced: each push, once it has asked "already
 * sent?", waits until the other has asked too, or is held back by the first's lock (PostgreSQL: a backend waiting
 * on a lock; SQLite: the other's write transaction waiting for this one).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReprisePushResult } from '@shared/domain/onboarding';
import { openStore } from '../db/open-store';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { DEFAULT_SDO_CONTEXT } from '../fhir';
import { Journal } from '../journal/journal';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { pushForcing } from './status-forcing';

const TODAY = '2026-06-30';
/** The question "already sent?" (status-forcing.ts, lastEvent). */
const ALREADY_SENT_QUERY = "e.origin = 'local' AND e.id_unite = ?";

interface Racer {
  checked: boolean;
  askedForTransaction: boolean;
}

const waitFor = async (condition: () => Promise<boolean>): Promise<void> => {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 10));
};

/** `inner` for one referent, pausing after its "already sent?" until `released` says the other has caught up. */
function racing(inner: SqlDatabase, me: Racer, released: () => Promise<boolean>): SqlDatabase {
  const wrap = <T extends SqlExecutor>(executor: T): SqlExecutor => ({
    dialect: executor.dialect,
    all: (sql, params) => executor.all(sql, params),
    tuples: (sql, params) => executor.tuples(sql, params),
    get: async (sql, params) => {
      const row = await executor.get(sql, params);
      if (sql.includes(ALREADY_SENT_QUERY) && !me.checked) {
        me.checked = true;
        await waitFor(released);
      }
      return row as never;
    },
    value: (sql, params) => executor.value(sql, params),
    run: (sql, params) => executor.run(sql, params),
    exec: (sql) => executor.exec(sql),
    transaction: (fn, options) => {
      me.askedForTransaction = true;
      return executor.transaction((tx) => fn(wrap(tx)), options);
    },
  });
  return { ...wrap(inner), changeToken: () => inner.changeToken(), close: () => inner.close() };
}

describe.each(TEST_BACKENDS)('forcing a status twice at once (%s)', (backend) => {
  let store: TestStore;
  const others: SqlDatabase[] = [];
  beforeEach(async () => {
    store = await openTestStore(backend);
  });
  afterEach(async () => {
    for (const db of others.splice(0)) await db.close();
    await store.close();
  });

  it('queues the status once: the second referent is told it is already waiting', async () => {
    await seedWorklist(store.db, { count: 6, today: TODAY, seed: 11 });
    const line = await store.db.get<{ id_decision: string; id_ror: string; notification_id: number }>(
      `SELECT d.id_decision, u.id_ror, n.id AS notification_id FROM notification n
         JOIN decision d ON d.id = n.decision_id JOIN ror_unit u ON u.finess_eg = n.finess_eg
       WHERE n.esms_status = '39' AND n.terminated = 0 ORDER BY n.id, u.id LIMIT 1`,
    );
    if (!line) throw new Error('notification absente');
    const csv = `identifiant;situation;unite;date;motif;accord\n${line.id_decision};attente;${line.id_ror};2024-11-04;;`;

    const first: Racer = { checked: false, askedForTransaction: false };
    const second: Racer = { checked: false, askedForTransaction: false };
    let firstDb: SqlDatabase;
    let secondDb: SqlDatabase;
    if (backend === 'postgres') {
      // Two referents' connections, and a third that sees who waits on a lock.
      const monitor = await openStore(store.location);
      const other = await openStore(store.location);
      others.push(monitor, other);
      const someoneWaitsOnALock = async () =>
        Number(
          await monitor.value(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          ),
        ) > 0;
      firstDb = racing(store.db, first, async () => second.checked || (await someoneWaitsOnALock()));
      secondDb = racing(other, second, async () => first.checked || (await someoneWaitsOnALock()));
    } else {
      // One process, one connection: a write transaction waits for the one in progress.
      firstDb = racing(store.db, first, () => Promise.resolve(second.checked || second.askedForTransaction));
      secondDb = racing(store.db, second, () => Promise.resolve(first.checked || first.askedForTransaction));
    }
    const push = (db: SqlDatabase): Promise<ReprisePushResult> => {
      const now = () => new Date(`${TODAY}T09:00:00.000Z`);
      return pushForcing(
        { db, journal: new Journal(db, now), now, today: () => TODAY, sdo: () => DEFAULT_SDO_CONTEXT },
        csv,
        { dryRun: false },
      );
    };

    const results = await Promise.all([push(firstDb), push(secondDb)]);
    const outcomes = results.map((r) => r.lines.map((l) => l.outcome)).flat();
    expect(outcomes.sort()).toEqual(['deja-envoye', 'ok']);
    const queued = await store.db.value(
      `SELECT count(*) FROM outbox o JOIN status_event e ON e.id = o.status_event_id
        WHERE e.notification_id = ? AND e.id_unite = ?`,
      [line.notification_id, line.id_ror],
    );
    expect(Number(queued)).toBe(1);
  });
});
