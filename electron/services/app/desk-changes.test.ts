/**
 * The desk's database written by another process (a headless `referent-vt sync --once`): the app announces it to the
 * screens by itself and has the work list rebuilt before Notifications asks for it.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { WorklistResult } from '@shared/domain/worklist';
import type { EventPayloads } from '@shared/ipc/contract';
import type { RunningApplication } from './bootstrap';
import { localToday } from './app-context';
import { invokeChannel, startTestApplication } from './testing/test-application';
import { openStore } from '../db/open-store';
import { makeTempDir } from '../testing/temp-dir';
import { isWorklistBuildStarted, isWorklistBuilt } from '../worklist/worklist-queries';
import { SEED_EGS, seedWorklist } from '../worklist/testing/worklist-seed';

const tmp = makeTempDir('referent-vt-desk-changes-');
const BUILD_WAIT = { timeout: 20_000, interval: 20 };
let app: RunningApplication;

beforeAll(async () => {
  app = await startTestApplication(tmp.dir, { sandboxInBackground: true });
}, 60_000);
afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

it("announces another process's writes and has the work list rebuilt without being asked", async () => {
  const today = localToday(app.ctx.now());
  const list = () =>
    invokeChannel<WorklistResult>(app, 'notifications:list', {
      showTerminated: true,
      sort: 'recu',
      direction: 'desc',
      offset: 0,
      limit: 100,
    });
  const built = () => vi.waitFor(async () => expect(await isWorklistBuilt(app.ctx.db, today)).toBe(true), BUILD_WAIT);
  // The start-up build's timer, queued before this one, fires first; once that build is over, what follows is built
  // by the announcement or not at all.
  await new Promise((resolve) => setTimeout(resolve, 1));
  await built();
  expect((await list()).total).toBe(0);
  // Other announcements (the sandbox starting, the lease) name their own scopes: the watch's names every scope.
  const announced = new Promise<void>((resolve) => {
    const stop = app.hub.subscribe((event, payload) => {
      if (event !== 'data:changed' || !(payload as EventPayloads['data:changed']).scopes.includes('*')) return;
      stop();
      resolve();
    });
  });

  const other = await openStore(app.ctx.store);
  try {
    await seedWorklist(other, { count: 30, today });
  } finally {
    await other.close();
  }

  await announced;
  // Rebuilt on the announcement alone: no list has been asked for since the writes.
  await built();
  const after = await list();
  expect(after.total).toBe(30);
  expect(new Set(after.rows.map((r) => r.finessEg))).toEqual(new Set(SEED_EGS.map((eg) => eg.finessEg)));
});

it('builds no work list in a headless session (sync --once): no screen will show it', async () => {
  const headless = makeTempDir('referent-vt-headless-');
  const session = await startTestApplication(headless.dir, { headless: true, sandboxInBackground: true });
  try {
    // The start-up build's timer would be queued before this one.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(isWorklistBuildStarted(session.ctx.db)).toBe(false);
    session.hub.emit('data:changed', { scopes: ['*'] });
    expect(isWorklistBuildStarted(session.ctx.db)).toBe(false);
  } finally {
    await session.close();
    headless.cleanup();
  }
});
