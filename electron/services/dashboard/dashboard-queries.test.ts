import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { listWorklist, type WorklistFilter } from '../worklist/worklist-queries';
import { readDashboardCounts, readNewSince, startVisit } from './dashboard-queries';

const TODAY = '2026-07-01';
const LIST: WorklistFilter = { showTerminated: false, sort: 'recu', direction: 'asc' };

describe.each(TEST_BACKENDS)('dashboard (%s)', (backend) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(backend);
  });
  afterEach(async () => {
    await store.close();
  });

  it('counts what each tile opens: the rows of the work list with the same filter', async () => {
    const { db } = store;
    await seedWorklist(db, { count: 60, today: TODAY });
    const counts = await readDashboardCounts(db, TODAY);
    const rows = async (f: Partial<WorklistFilter>) => (await listWorklist(db, { ...LIST, ...f }, TODAY)).rows.length;
    expect(counts.notificationsATraiter).toBe(await rows({ aTraiter: true }));
    expect(counts.notificationsNonLues).toBe(await rows({ esmsStatus: '39' }));
    expect(counts.notificationsActive).toBe(await rows({}));
    expect(counts.usersInCare).toBe(await rows({ unitStatus: '186' }));
    expect(counts.validityEndingSoon).toBe(await rows({ validity: 'bientot' }));
    // One count of what needs action: the unread ones are inside it, never beside it.
    expect(counts.notificationsATraiter).toBeGreaterThanOrEqual(counts.notificationsNonLues);
    expect(counts.notificationsNonLues).toBeGreaterThan(0);
    expect(counts.waitingListEntries).toBeGreaterThan(0);
    expect(counts.geographicEntitiesTotal).toBe(3);
    expect(counts.lastSyncAt).toBeNull();
  });

  it('remembers the previous visit and tells what arrived since', async () => {
    const { db } = store;
    expect(await startVisit(db, '2026-07-01T08:00:00.000Z')).toEqual({ previousVisitAt: null });
    expect(await startVisit(db, '2026-07-02T08:00:00.000Z')).toEqual({ previousVisitAt: '2026-07-01T08:00:00.000Z' });
    await seedWorklist(db, { count: 6, today: TODAY });
    const ids = (await db.all<{ id: number }>('SELECT id FROM notification ORDER BY id')).map((r) => r.id);
    await db.run('UPDATE notification SET created_at = ? WHERE id <= ?', ['2026-06-30T10:00:00.000Z', ids[3]]);
    await db.run('UPDATE notification SET created_at = ? WHERE id > ?', ['2026-07-02T09:00:00.000Z', ids[3]]);
    const news = await readNewSince(db, '2026-07-02T08:00:00.000Z');
    expect(news.notifications).toBe(2);
    expect(news.latest.map((l) => l.id)).toEqual([ids[5], ids[4]]);
    expect(news.latest[0]?.familyName).toMatch(/\S/);
    expect(news.latest[0]?.givenNames).toMatch(/\S/);
    expect(news.latest[0]?.egName).toMatch(/FICTI|ESSAIS/);
    expect((await readNewSince(db, null)).notifications).toBe(6);
  });
});
