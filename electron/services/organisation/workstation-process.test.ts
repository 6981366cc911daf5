/**
 * The workstation-process harness itself: one workstation process in organisation mode against a PostgreSQL test
 * store and a shared sandbox answers its channels, streams its events, syncs the shared sandbox into the
 * organisation's store, and comes back on the same folder after a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { testCluster } from '../testing/postgres-test-cluster';
import { openTestStore, type TestStore } from '../testing/test-stores';
import {
  organisationServerOf,
  sharedSandboxOf,
  startWorkstation,
  waitUntil,
  type WorkstationProcess,
} from './testing/workstation-process';

describe.skipIf(!testCluster())('a workstation process in organisation mode', () => {
  let fixture: SandboxFixture;
  let organisation: TestStore;
  const started: WorkstationProcess[] = [];

  beforeAll(async () => {
    fixture = await startSandboxFixture({ initialDecisions: 6 });
    organisation = await openTestStore('postgres');
  });

  afterAll(async () => {
    for (const w of started) await w.stop();
    await organisation?.close();
    await fixture?.close();
  });

  it('opens the organisation store, syncs the shared sandbox into it and survives a SIGKILL', async () => {
    const options = {
      organisation: organisationServerOf(organisation.location),
      sandbox: sharedSandboxOf(fixture.sandbox),
      label: 'poste-a',
    };
    const first = await startWorkstation(options);
    started.push(first);
    expect(await first.invoke('organisation:settings', {})).toMatchObject({ activeMode: 'organisation' });
    const events = await first.events();
    await first.invoke('sync:run-now', {});
    await events.next((e) => e.event === 'data:changed', 120_000);
    const count = await waitUntil(
      async () => {
        const row = await organisation.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM notification');
        return Number(row?.n) > 0 ? Number(row?.n) : undefined;
      },
      { timeoutMs: 120_000, what: 'notifications synchronisées' },
    );
    expect(count).toBeGreaterThan(0);
    events.close();

    first.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    const again = await startWorkstation({ ...options, dataRoot: first.dataRoot });
    started.push(again);
    expect(again.pid).not.toBe(first.pid);
    expect(await again.invoke('organisation:settings', {})).toMatchObject({ activeMode: 'organisation' });
  }, 240_000);
});
