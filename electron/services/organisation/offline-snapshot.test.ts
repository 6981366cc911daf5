/**
 * The offline snapshot's refresh on both engines: the organisation's rows copied with their ids, decisions refetched
 * only when changed and removed when gone, the workstation's own rows (offline actions, journal) kept, and a refresh
 * that fails midway leaving the previous copy whole.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteConnection, type Db } from '../db/database';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { readSnapshotInfo, refreshSnapshot } from './offline-snapshot';

const now = () => new Date('2026-07-01T08:00:00.000Z');
const count = (snapshot: Db, table: string): number =>
  Number(snapshot.prepare(`SELECT count(*) FROM ${table}`).pluck().get());

describe.each(TEST_BACKENDS)('offline snapshot refresh (%s)', (backend) => {
  let organisation: TestStore;
  let tmp: ReturnType<typeof makeTempDir>;
  let snapshot: Db;

  beforeEach(async () => {
    organisation = await openTestStore(backend);
    await seedWorklist(organisation.db, { count: 40, today: '2026-06-30', seed: 3 });
    tmp = makeTempDir('referent-vt-snapshot-');
    snapshot = openSqliteConnection({ file: path.join(tmp.dir, 'snapshot.db'), key: crypto.randomBytes(32) });
  });

  afterEach(async () => {
    snapshot.close();
    tmp.cleanup();
    await organisation.close();
  });

  it('copies the organisation with its ids, dated, and rewrites only what changed', async () => {
    const db: SqlDatabase = organisation.db;
    const first = await refreshSnapshot(db, snapshot, 'ref_test', now);
    const notifications = Number(await db.value('SELECT count(*) FROM notification'));
    expect(first).toMatchObject({ account: 'ref_test', notifications, decisionsFetched: notifications });
    expect(readSnapshotInfo(snapshot)).toMatchObject({ takenAt: first.takenAt, notifications });
    expect(Date.parse(first.takenAt)).not.toBeNaN();
    const ids = (await db.all<{ id: number }>('SELECT id FROM notification ORDER BY id')).map((r) => r.id);
    expect(snapshot.prepare('SELECT id FROM notification ORDER BY id').pluck().all()).toEqual(ids);

    // The workstation's own rows survive a refresh.
    snapshot
      .prepare(
        `INSERT INTO offline_action (kind, notification_id, request_json, summary, created_at)
         VALUES ('statut', ?, '{}', 'Contact effectué', '2026-07-01T08:00:00Z')`,
      )
      .run(ids[0]);
    snapshot
      .prepare(`INSERT INTO journal (at, actor, action, outcome) VALUES ('2026-07-01', 'système', 'local', 'info')`)
      .run();

    // One decision changed, one gone (with its notification and links): only they are rewritten.
    const [changed, gone] = await db.all<{ id: number }>('SELECT id FROM decision ORDER BY id LIMIT 2');
    await db.transaction(async (tx: SqlExecutor) => {
      await tx.run("UPDATE decision SET validity_end = '2031-12-31', raw_cda = '<cda-modifié/>' WHERE id = ?", [
        changed!.id,
      ]);
      await tx.run('DELETE FROM consent WHERE decision_id = ?', [gone!.id]);
      for (const table of ['outbox', 'unit_line', 'status_event']) {
        await tx.run(
          `DELETE FROM ${table} WHERE notification_id IN (SELECT id FROM notification WHERE decision_id = ?)`,
          [gone!.id],
        );
      }
      await tx.run('DELETE FROM evaluation WHERE decision_id = ?', [gone!.id]);
      await tx.run('DELETE FROM notification WHERE decision_id = ?', [gone!.id]);
      await tx.run('DELETE FROM decision_link WHERE decision_id = ?', [gone!.id]);
      await tx.run('DELETE FROM decision WHERE id = ?', [gone!.id]);
    });
    const second = await refreshSnapshot(db, snapshot, 'ref_test', now);
    expect(second.decisionsFetched).toBe(1);
    expect(second.takenAt >= first.takenAt).toBe(true);
    expect(snapshot.prepare('SELECT raw_cda FROM decision WHERE id = ?').pluck().get(changed!.id)).toBe(
      '<cda-modifié/>',
    );
    expect(snapshot.prepare('SELECT count(*) FROM decision WHERE id = ?').pluck().get(gone!.id)).toBe(0);
    expect(count(snapshot, 'decision')).toBe(Number(await db.value('SELECT count(*) FROM decision')));
    expect(count(snapshot, 'notification')).toBe(Number(await db.value('SELECT count(*) FROM notification')));
    expect(count(snapshot, 'offline_action')).toBe(1);
    expect(count(snapshot, 'journal')).toBe(1);
  });

  it('leaves the previous copy whole when the organisation fails midway', async () => {
    const first = await refreshSnapshot(organisation.db, snapshot, 'ref_test', now);
    const before = count(snapshot, 'notification');
    // An organisation whose status_event cannot be read (lost mid-refresh): the first tables were already replaced.
    const failing: SqlExecutor = {
      ...organisation.db,
      dialect: organisation.db.dialect,
      transaction: (fn, options) =>
        organisation.db.transaction(
          (tx) =>
            fn({
              ...tx,
              dialect: tx.dialect,
              all: (sql, params) =>
                sql.includes('FROM status_event') ? Promise.reject(new Error('connexion perdue')) : tx.all(sql, params),
              value: (sql, params) => tx.value(sql, params),
              get: (sql, params) => tx.get(sql, params),
            }),
          options,
        ),
    };
    await expect(refreshSnapshot(failing, snapshot, 'ref_test', now)).rejects.toThrow('connexion perdue');
    expect(count(snapshot, 'notification')).toBe(before);
    expect(readSnapshotInfo(snapshot)?.takenAt).toBe(first.takenAt);
    expect(snapshot.inTransaction).toBe(false);
  });
});
