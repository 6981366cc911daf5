import crypto from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/database';
import { makeTempDir } from '../testing/temp-dir';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { listWorklist, type WorklistFilter } from '../worklist/worklist-queries';
import { readDashboardCounts, readNewSince, startVisit } from './dashboard-queries';

const TODAY = '2026-07-01';
const LIST: WorklistFilter = { showTerminated: false, sort: 'recu', direction: 'asc' };

let tmp: ReturnType<typeof makeTempDir>;
let db: Db;
beforeEach(() => {
  tmp = makeTempDir();
  db = openDatabase({ file: path.join(tmp.dir, 'd.db'), key: crypto.randomBytes(32) });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('dashboard', () => {
  it('counts what each tile opens: the rows of the work list with the same filter', () => {
    seedWorklist(db, { count: 60, today: TODAY });
    const counts = readDashboardCounts(db, TODAY);
    const rows = (f: Partial<WorklistFilter>) => listWorklist(db, { ...LIST, ...f }, TODAY).rows.length;
    expect(counts.notificationsATraiter).toBe(rows({ aTraiter: true }));
    expect(counts.notificationsNonLues).toBe(rows({ esmsStatus: '39' }));
    expect(counts.notificationsActive).toBe(rows({}));
    expect(counts.usersInCare).toBe(rows({ unitStatus: '186' }));
    expect(counts.validityEndingSoon).toBe(rows({ validity: 'bientot' }));
    // One count of what needs action: the unread ones are inside it, never beside it.
    expect(counts.notificationsATraiter).toBeGreaterThanOrEqual(counts.notificationsNonLues);
    expect(counts.notificationsNonLues).toBeGreaterThan(0);
  });

  it('remembers the previous visit and tells what arrived since', () => {
    expect(startVisit(db, '2026-07-01T08:00:00.000Z')).toEqual({ previousVisitAt: null });
    expect(startVisit(db, '2026-07-02T08:00:00.000Z')).toEqual({ previousVisitAt: '2026-07-01T08:00:00.000Z' });
    seedWorklist(db, { count: 6, today: TODAY });
    const ids = db.prepare('SELECT id FROM notification ORDER BY id').pluck().all() as number[];
    db.prepare('UPDATE notification SET created_at = ? WHERE id <= ?').run('2026-06-30T10:00:00.000Z', ids[3]);
    db.prepare('UPDATE notification SET created_at = ? WHERE id > ?').run('2026-07-02T09:00:00.000Z', ids[3]);
    const news = readNewSince(db, '2026-07-02T08:00:00.000Z');
    expect(news.notifications).toBe(2);
    expect(news.latest.map((l) => l.id)).toEqual([ids[5], ids[4]]);
    expect(news.latest[0]?.familyName).toMatch(/\S/);
    expect(news.latest[0]?.egName).toMatch(/FICTI|ESSAIS/);
    expect(readNewSince(db, null).notifications).toBe(6);
  });
});
