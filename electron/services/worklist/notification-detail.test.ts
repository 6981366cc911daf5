/**
 * The detail's status history: ordered by the statuses' dates (then id), not by insertion (a desk migration merges
 * histories whose ids do not follow their dates), and read in one consistent snapshot with the rest of the detail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../db/open-store';
import type { SqlExecutor } from '../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { readNotificationDetail } from './notification-detail';
import { seedWorklist } from './testing/worklist-seed';

const TODAY = '2026-06-30';

async function addReceivedStatus(db: SqlExecutor, notificationId: number, task: string, date: string): Promise<void> {
  await db.run(
    `INSERT INTO status_event (notification_id, origin, task_id, statut_esms, date_statut_esms, created_at)
     VALUES (?, 'vt', ?, '40', ?, ?)`,
    [notificationId, task, date, `${TODAY}T08:00:00.000Z`],
  );
}

/**
 * The same executor, except that just before the detail reads the history, another connection commits one more
 * status: a detail read in one transaction does not see it (its snapshot is older).
 */
function withConcurrentStatus(db: SqlExecutor, commitElsewhere: () => Promise<void>): SqlExecutor {
  let done = false;
  const wrap = (inner: SqlExecutor): SqlExecutor => ({
    dialect: inner.dialect,
    all: async (sql, params) => {
      if (!done && sql.includes('FROM status_event e')) {
        done = true;
        await commitElsewhere();
      }
      return inner.all(sql, params);
    },
    tuples: (sql, params) => inner.tuples(sql, params),
    get: (sql, params) => inner.get(sql, params),
    value: (sql, params) => inner.value(sql, params),
    run: (sql, params) => inner.run(sql, params),
    exec: (sql) => inner.exec(sql),
    transaction: (fn, options) => inner.transaction((tx) => fn(wrap(tx)), options),
  });
  return wrap(db);
}

describe.each(TEST_BACKENDS)('notification detail (%s)', (backend) => {
  let store: TestStore;
  let notificationId: number;
  beforeEach(async () => {
    store = await openTestStore(backend);
    const { notificationIds } = await seedWorklist(store.db, { count: 3, today: TODAY, seed: 3 });
    notificationId = notificationIds[0] ?? 0;
  });
  afterEach(async () => {
    await store.close();
  });

  it('orders the history by date, newest first, then by id', async () => {
    const before = (await readNotificationDetail(store.db, notificationId, TODAY)).timeline.length;
    // Inserted in this order (as a merge may), dated otherwise.
    await addReceivedStatus(store.db, notificationId, 'task-juin', '2026-06-10');
    await addReceivedStatus(store.db, notificationId, 'task-mai', '2026-05-02');
    await addReceivedStatus(store.db, notificationId, 'task-juin-bis', '2026-06-10');
    const timeline = (await readNotificationDetail(store.db, notificationId, TODAY)).timeline;
    expect(timeline).toHaveLength(before + 3);
    const received = timeline.filter((e) => e.origin === 'vt' && e.statutESMS === '40' && e.dateStatutESMS);
    expect(received.map((e) => e.dateStatutESMS)).toEqual(['2026-06-10', '2026-06-10', '2026-05-02']);
    const [first, second] = received;
    expect(first && second && first.id > second.id).toBe(true);
  });

  it('reads the whole detail in one snapshot', async () => {
    const before = await readNotificationDetail(store.db, notificationId, TODAY);
    const other = await openStore(store.location);
    try {
      const racing = withConcurrentStatus(store.db, () =>
        addReceivedStatus(other, notificationId, 'task-concurrente', '2026-06-20'),
      );
      const during = await readNotificationDetail(racing, notificationId, TODAY);
      expect(during.timeline).toHaveLength(before.timeline.length);
      const after = await readNotificationDetail(store.db, notificationId, TODAY);
      expect(after.timeline).toHaveLength(before.timeline.length + 1);
    } finally {
      await other.close();
    }
  });
});
