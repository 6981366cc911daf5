import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorklistRow } from '@shared/domain/worklist';
import { openStore } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist, SEED_EGS } from './testing/worklist-seed';
import {
  listWorklist,
  parseStamps,
  READ_CHUNKS,
  rowsHolding,
  WORKLIST_SQL,
  worklistStatement,
  type WorklistFilter,
} from './worklist-queries';

const TODAY = '2026-07-01';
const ALL: WorklistFilter = { showTerminated: true, sort: 'recu', direction: 'asc' };

/** The database, noting the text of every statement its transactions read with (the snapshot's reads). */
function recording(db: SqlDatabase, read: string[]): SqlDatabase {
  const bound = <T extends object>(target: T, prop: string | symbol): unknown => {
    const value: unknown = Reflect.get(target, prop);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== 'transaction') return bound(target, prop);
      return (fn: Parameters<SqlDatabase['transaction']>[0], options?: Parameters<SqlDatabase['transaction']>[1]) =>
        target.transaction(
          (tx) =>
            fn(
              new Proxy(tx, {
                get(inner, name) {
                  if (name !== 'tuples' && name !== 'value') return bound(inner, name);
                  return (sql: string, params?: unknown[]) => {
                    read.push(sql);
                    return name === 'tuples' ? inner.tuples(sql, params) : inner.value(sql, params);
                  };
                },
              }),
            ),
          options,
        );
    },
  });
}

describe('the stamps of a refresh, read as one text', () => {
  it('gives each id its stamp, in the order read', () => {
    expect(parseStamps(null)).toEqual({ ids: [], stamps: [] });
    expect(parseStamps('7,0')).toEqual({ ids: [7], stamps: [0] });
    expect(parseStamps('1,3;20,0;300,12;9007199254740991,1')).toEqual({
      ids: [1, 20, 300, 9007199254740991],
      stamps: [3, 0, 12, 1],
    });
  });

  it('refuses a text it cannot read', () => {
    expect(() => parseStamps('1,2;3')).toThrow(/illisibles/);
  });
});

describe('a search over the search texts of every row at once', () => {
  const marked = (haystacks: string[], needle: string) => Array.from(rowsHolding({ haystacks }, needle));

  it('marks each row holding the text once, first and last rows included, however often it holds it', () => {
    expect(marked(['martin marie', 'dupont', 'lemarchand mar', 'marais'], 'mar')).toEqual([1, 0, 1, 1]);
    expect(marked(['dupont', 'martin'], 'dupont')).toEqual([1, 0]);
    expect(marked(['dupont', 'martin'], 'tin')).toEqual([0, 1]);
  });

  it('never matches across two rows, nor an empty row', () => {
    // "dupont" then "martin": the end of one and the start of the next are not one text.
    expect(marked(['dupont', 'martin'], 'ntma')).toEqual([0, 0]);
    expect(marked(['', 'dupont', ''], 'dupont')).toEqual([0, 1, 0]);
    expect(marked([], 'dupont')).toEqual([]);
  });
});

describe.each(TEST_BACKENDS)('incremental work-list snapshot (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
    await seedWorklist(db, { count: 12, today: TODAY });
  });
  afterEach(async () => {
    await store.close();
  });

  const rows = async (on: SqlDatabase = db) => (await listWorklist(on, ALL, TODAY)).rows;
  /** The same list built from scratch, on a second connection that has no snapshot yet. */
  const rebuiltFromScratch = async (): Promise<WorklistRow[]> => {
    const other = await openStore(store.location);
    try {
      return [...(await rows(other))];
    } finally {
      await other.close();
    }
  };
  const byId = (list: readonly WorklistRow[], id: number) => list.find((r) => r.id === id);

  it('applies a changed, a new and a deleted row (and a changed unit line) and keeps the untouched rows as they were', async () => {
    const before = await rows();
    const [renamed, reworked, removed, withLine] = [before[0], before[1], before[2], before.find((r) => r.units[0])];
    const untouched = before[before.length - 1];
    if (!renamed || !reworked || !removed || !withLine || !untouched || withLine === removed) throw new Error('seed');

    // Changed: the person's name (person), the decision's validity (decision), a unit line's status (unit_line).
    await db.run(
      'UPDATE person SET family_name = ? WHERE id = (SELECT d.person_id FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?)',
      ['RENOMMÉE', renamed.id],
    );
    await db.run(
      'UPDATE decision SET validity_end = ? WHERE id = (SELECT decision_id FROM notification WHERE id = ?)',
      ['2001-01-01', reworked.id],
    );
    const line = withLine.units[0] as WorklistRow['units'][number];
    const newLineStatus = line.status === '200' ? '201' : '200';
    await db.run('UPDATE unit_line SET status = ? WHERE notification_id = ? AND ror_unit_id = ?', [
      newLineStatus,
      withLine.id,
      line.unitId,
    ]);
    // New: the decision of an existing notification notified to another activated EG as well.
    const decisionId = await db.value<number>('SELECT decision_id FROM notification WHERE id = ?', [untouched.id]);
    const otherEg = SEED_EGS.map((g) => g.finessEg).find((eg) => eg !== untouched.finessEg) as string;
    const addedId = await db.value<number>(
      `INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
      [decisionId, otherEg, `${TODAY}T09:00:00.000Z`, `${TODAY}T09:00:00.000Z`],
    );
    // Deleted, with what refers to it.
    await db.transaction(async (tx) => {
      for (const table of ['unit_line', 'status_event', 'outbox']) {
        await tx.run(`DELETE FROM ${table} WHERE notification_id = ?`, [removed.id]);
      }
      await tx.run('DELETE FROM notification WHERE id = ?', [removed.id]);
    });

    const after = await rows();
    expect(byId(after, renamed.id)?.familyName).toContain('RENOMMÉE');
    expect(byId(after, reworked.id)?.validityEnd).toBe('2001-01-01');
    expect(byId(after, reworked.id)?.validity).toBe('expiree');
    expect(byId(after, withLine.id)?.units.find((u) => u.unitId === line.unitId)?.status).toBe(newLineStatus);
    expect(byId(after, addedId as number)?.finessEg).toBe(otherEg);
    expect(byId(after, removed.id)).toBeUndefined();
    expect(after).toHaveLength(before.length);
    // Incremental: a row nothing touched is the very object of the previous build, a changed one is new.
    expect(byId(after, untouched.id)).toBe(untouched);
    expect(byId(after, renamed.id)).not.toBe(renamed);
    // And the whole list is what a build from scratch gives, search included.
    expect(after).toEqual(await rebuiltFromScratch());
    const found = await listWorklist(db, { ...ALL, search: 'renommee' }, TODAY);
    expect(found.rows.map((r) => r.id)).toContain(renamed.id);
  });

  it('reads again only the rows whose stamp moved, whoever wrote them', async () => {
    const read: string[] = [];
    const watched = recording(db, read);
    const before = await rows(watched);
    const [renamed, reworked, withLine] = [before[0], before[1], before.find((r) => r.units[0])];
    const untouched = before[before.length - 1];
    if (!renamed || !reworked || !withLine || !untouched || withLine === untouched) throw new Error('seed');
    expect(read).toContain(WORKLIST_SQL.newestNotifications);

    // A write that changes nothing listed (a setting): the stamps are read, no row.
    read.length = 0;
    await db.run(`INSERT INTO setting (key, value) VALUES ('test.rien', '1')`);
    expect(await rows(watched)).toEqual(before);
    expect(read).toEqual([WORKLIST_SQL.epoch, worklistStatement('snapshotStamps', db.dialect)]);

    // Another connection (as the sync worker) changes a person, a decision, a unit line and a notification's status.
    const writer = await openStore(store.location);
    try {
      await writer.run(
        'UPDATE person SET given_names = ? WHERE id = (SELECT d.person_id FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?)',
        ['Prénom Changé', renamed.id],
      );
      await writer.run(
        'UPDATE decision SET category_code = ? WHERE id = (SELECT decision_id FROM notification WHERE id = ?)',
        ['99', reworked.id],
      );
      const line = withLine.units[0] as WorklistRow['units'][number];
      await writer.run('UPDATE unit_line SET status_date = ? WHERE notification_id = ? AND ror_unit_id = ?', [
        '2026-06-30',
        withLine.id,
        line.unitId,
      ]);
      await writer.run(`UPDATE notification SET esms_status = '40', esms_status_date = ? WHERE id = ?`, [
        '2026-06-30',
        reworked.id,
      ]);
    } finally {
      await writer.close();
    }
    read.length = 0;
    const after = await rows(watched);
    expect(read).toEqual([
      WORKLIST_SQL.epoch,
      ...(['snapshotStamps', 'notificationsByIds', 'decisionsByIds', 'personsByIds', 'linesByIds'] as const).map((s) =>
        worklistStatement(s, db.dialect),
      ),
    ]);
    expect(byId(after, renamed.id)?.givenNames).toBe('Prénom Changé');
    expect(byId(after, reworked.id)?.category).toBe('99');
    expect(byId(after, reworked.id)?.esmsStatus).toBe('40');
    expect(byId(after, withLine.id)?.units[0]?.statusDate).toBe('2026-06-30');
    expect(byId(after, untouched.id)).toBe(untouched);
    expect(after).toEqual(await rebuiltFromScratch());
  });

  it('reads everything again when an EG is renamed (one write changes many rows)', async () => {
    const read: string[] = [];
    const watched = recording(db, read);
    const before = await rows(watched);
    const eg = before[0]?.finessEg as string;
    await db.run('UPDATE geographic_entity SET name = ? WHERE finess_eg = ?', ['EG RENOMMÉ', eg]);
    read.length = 0;
    const after = await rows(watched);
    expect(read).toContain(WORKLIST_SQL.newestNotifications);
    expect(after.filter((r) => r.finessEg === eg).every((r) => r.egName === 'EG RENOMMÉ')).toBe(true);
    expect(after).toEqual(await rebuiltFromScratch());
  });

  it('reads everything again when a unit is renamed: its rows show the new name, the others stay as they were', async () => {
    const before = await rows();
    const shown = before.find((r) => r.units.length > 0) as WorklistRow;
    const unitId = shown.units[0]?.unitId as number;
    const other = before.find((r) => r.units.length === 0 && r.egName === shown.egName) as WorklistRow;
    await db.run('UPDATE ror_unit SET name = ? WHERE id = ?', ['Unité renommée', unitId]);
    const after = await rows();
    expect(byId(after, shown.id)?.units[0]?.unitName).toBe('Unité renommée');
    // A row that shows nothing of the unit keeps its entry: the full read compares, it does not derive everything.
    expect(byId(after, other.id)).toBe(other);
    expect(after).toEqual(await rebuiltFromScratch());
  });

  it('drops the rows of an EG the referent deactivates and derives every row again on a new day', async () => {
    const before = await rows();
    const eg = before[0]?.finessEg as string;
    await db.run('UPDATE geographic_entity SET local_activated = 0 WHERE finess_eg = ?', [eg]);
    const after = await rows();
    expect(after.some((r) => r.finessEg === eg)).toBe(false);
    expect(after).toEqual(await rebuiltFromScratch());

    const kept = after[0] as WorklistRow;
    const tomorrow = (await listWorklist(db, ALL, '2026-07-02')).rows;
    expect(tomorrow.find((r) => r.id === kept.id)).not.toBe(kept);
  });
});

describe.each(TEST_BACKENDS)('first read of a long work list (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;
  const NEWEST_FIRST: WorklistFilter = { showTerminated: false, sort: 'recu', direction: 'desc' };
  const WINDOW = { offset: 0, limit: 60 };
  const SEEDED = READ_CHUNKS.first + READ_CHUNKS.next / 2;
  // SQLite's statements run within the same turn of the event loop, so there the first window is certain to be
  // answered between the read's chunks; on PostgreSQL each statement is a round trip and a loaded machine may let the
  // whole read end first. The answer must be the same either way.
  const answeredEarly = (complete: boolean) => {
    if (backend === 'sqlite') expect(complete).toBe(false);
  };

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
    // More than a first chunk, less than two: the read takes two chunks.
    await seedWorklist(db, { count: SEEDED, today: TODAY });
  });
  afterEach(async () => {
    await store.close();
  });

  it('shows the first window of the newest rows before the read ends, as the finished list shows it', async () => {
    let finished = false;
    const first = listWorklist(db, NEWEST_FIRST, TODAY, WINDOW);
    const dashboard = listWorklist(db, ALL, TODAY).then((r) => ((finished = true), r));
    const early = await first;
    answeredEarly(early.complete);
    if (!early.complete) expect(finished).toBe(false);
    expect(early.rows).toHaveLength(WINDOW.limit);
    // The store answers other statements between the read's chunks.
    expect(await db.value<number>('SELECT count(*) FROM notification')).toBe(SEEDED);

    expect((await dashboard).complete).toBe(true);
    const finishedList = await listWorklist(db, NEWEST_FIRST, TODAY, WINDOW);
    expect(finishedList.complete).toBe(true);
    expect(finishedList.rows).toEqual(early.rows);
    if (!early.complete) expect(finishedList.total).toBeGreaterThan(early.total);
    // A list in another order waits for the whole read.
    expect((await listWorklist(db, { ...NEWEST_FIRST, direction: 'asc' }, TODAY, WINDOW)).complete).toBe(true);
  });

  it('reads on past a chunk whose notifications all belong to an EG not activated', async () => {
    const inactive = (SEED_EGS[0] as (typeof SEED_EGS)[number]).finessEg;
    // The newest notifications, a whole first chunk and more, all moved to an EG the referent then deactivates.
    const lowest = await db.value<number>(
      'SELECT min(id) FROM (SELECT id FROM notification ORDER BY id DESC LIMIT ?) newest',
      [READ_CHUNKS.first + 10],
    );
    await db.run('UPDATE notification SET finess_eg = ? WHERE id >= ?', [inactive, lowest]);
    await db.run('UPDATE geographic_entity SET local_activated = 0 WHERE finess_eg = ?', [inactive]);
    const activated = await db.all<{ id: number }>(
      `SELECT n.id FROM notification n JOIN geographic_entity g ON g.finess_eg = n.finess_eg
        WHERE g.local_activated = 1 ORDER BY n.id`,
    );
    expect(activated.length).toBeGreaterThan(50);
    const listed = await listWorklist(db, ALL, TODAY);
    expect(listed.complete).toBe(true);
    expect(listed.rows.map((r) => r.id)).toEqual(activated.map((n) => n.id));
  });

  it('takes in a change made during the read by a refresh once it ends, not by a second read', async () => {
    const read: string[] = [];
    const watched = recording(db, read);
    const whole = listWorklist(watched, ALL, TODAY);
    // The first chunk is in, the read goes on.
    const early = await listWorklist(watched, NEWEST_FIRST, TODAY, WINDOW);
    answeredEarly(early.complete);
    const newestId = (early.rows[0] as WorklistRow).id;
    await db.run(`UPDATE notification SET a_traiter = 1 - a_traiter WHERE id = ?`, [newestId]);
    const after = listWorklist(watched, ALL, TODAY);
    const wasMarked = (await whole).rows.find((r) => r.id === newestId)?.aTraiter;
    expect((await after).rows.find((r) => r.id === newestId)?.aTraiter).not.toBe(wasMarked);
    // One read of everything (two chunks), then one refresh.
    expect(read.filter((sql) => sql === WORKLIST_SQL.newestNotifications)).toHaveLength(2);
    expect(read.filter((sql) => sql === worklistStatement('snapshotStamps', db.dialect))).toHaveLength(1);
  });
});
