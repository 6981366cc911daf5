/**
 * The desk's SQLite written by another connection (another process in production: a headless sync): the watch
 * announces it once, never this connection's own commits, and leaves this process's sync to announce its own.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { watchDeskChanges, type DeskChangeWatch } from './desk-change-watch';
import { openStore } from './open-store';
import type { SqlDatabase } from './sql/sql-database';
import { openTestStore, type TestStore } from '../testing/test-stores';

let store: TestStore;
let other: SqlDatabase;
let watch: DeskChangeWatch | undefined;
let syncRunning = false;
const onChange = vi.fn();

const writeSetting = (db: SqlDatabase, value: string) =>
  db.run(
    `INSERT INTO setting (key, value) VALUES ('essai.veille', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [value],
  );

beforeEach(async () => {
  store = await openTestStore('sqlite');
  other = await openStore(store.location);
  syncRunning = false;
  onChange.mockReset();
  // A long interval: the tests call check() themselves, except the one about the timer.
  watch = watchDeskChanges(store.db, { onChange, isSyncRunning: () => syncRunning, intervalMs: 3_600_000 });
});

afterEach(async () => {
  watch?.stop();
  await other.close();
  await store.close();
});

it("announces another connection's commit once, and nothing while nobody writes", async () => {
  expect(watch?.check()).toBe(false);
  await writeSetting(other, 'a');
  expect(watch?.check()).toBe(true);
  expect(watch?.check()).toBe(false);
  expect(onChange).toHaveBeenCalledTimes(1);
});

it("does not announce this connection's own commits (their handler does)", async () => {
  await writeSetting(store.db, 'b');
  expect(watch?.check()).toBe(false);
  expect(onChange).not.toHaveBeenCalled();
});

it("keeps a commit made during this process's sync pending: settled by the sync's end, or announced after a run that ended without it", async () => {
  syncRunning = true;
  await writeSetting(other, 'c');
  expect(watch?.check()).toBe(false);
  syncRunning = false;
  watch?.settle();
  expect(watch?.check()).toBe(false);
  expect(onChange).not.toHaveBeenCalled();

  // A run that ends without announcing anything (its worker stopped): what it wrote is announced at the next check.
  syncRunning = true;
  await writeSetting(other, 'd');
  expect(watch?.check()).toBe(false);
  syncRunning = false;
  expect(watch?.check()).toBe(true);
  expect(onChange).toHaveBeenCalledTimes(1);
});

it('asks SQLite on its own, every interval', async () => {
  watch?.stop();
  const announced = new Promise<void>((resolve) => {
    watch = watchDeskChanges(store.db, { onChange: resolve, isSyncRunning: () => false, intervalMs: 20 });
  });
  await writeSetting(other, 'e');
  await announced;
});

it('stops quietly once the database is closed', async () => {
  await store.db.close();
  await writeSetting(other, 'f');
  expect(watch?.check()).toBe(false);
  expect(onChange).not.toHaveBeenCalled();
});
