/**
 * `npx referent-vt serve` as an operator (or systemd) runs it: the real command line (bin/referent-vt.mjs) in a
 * child process, on a data folder in organisation mode against the PostgreSQL test cluster and a sandbox. It takes
 * the sync lease, syncs, is named as the syncer to a workstation, and on SIGTERM stops cleanly, lease released.
 * Every wait is on one of its output lines or on a lease event.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import {
  organisationServerOf,
  prepareWorkstationData,
  sharedSandboxOf,
} from '../organisation/testing/workstation-process';
import { OrganisationSyncLease } from '../sync/lease/sync-lease';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { testCluster } from '../testing/postgres-test-cluster';
import { openTestStore, type TestStore } from '../testing/test-stores';
import { SERVE_LINES } from './serve-command';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const LINE_WAIT_MS = 120_000;

describe.skipIf(!testCluster())('npx referent-vt serve', () => {
  let fixture: SandboxFixture;
  let organisation: TestStore;
  let dataRoot: string;
  let workstationDb: SqlDatabase | undefined;

  beforeAll(async () => {
    fixture = await startSandboxFixture({ initialDecisions: 6 });
    organisation = await openTestStore('postgres');
    dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-serve-'));
    await prepareWorkstationData(dataRoot, {
      organisation: organisationServerOf(organisation.location),
      sandbox: sharedSandboxOf(fixture.sandbox),
    });
  }, 120_000);

  afterAll(async () => {
    await workstationDb?.close();
    await organisation?.close();
    await fixture?.close();
    if (dataRoot) fs.rmSync(dataRoot, { recursive: true, force: true });
  });

  it('takes the sync lease, syncs, is named to the workstations, and releases the lease on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/referent-vt.mjs'),
        'serve',
        ...['--data', dataRoot, '--name', 'Service de test', '--sync-minutes', '60', '--no-embedded-sandbox'],
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, REFERENT_VT_SYNC_LEASE_HEARTBEAT_MS: '200', REFERENT_VT_SYNC_LEASE_TTL_MS: '3000' },
      },
    );
    const lines: string[] = [];
    const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.filter((x) => x.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
    const stderr: string[] = [];
    readline.createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const line = (test: (line: string) => boolean, what: string): Promise<string> => {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Ligne « ${what} » attendue :\n${lines.join('\n')}\n${stderr.join('\n')}`)),
          LINE_WAIT_MS,
        );
        waiters.push({
          test,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() =>
          reject(new Error(`Service arrêté avant « ${what} » :\n${lines.join('\n')}\n${stderr.join('\n')}`)),
        );
      });
    };

    try {
      await line((l) => l.startsWith(SERVE_LINES.ready), 'démarré');
      await line((l) => l.startsWith(SERVE_LINES.holding), 'titulaire');
      expect(await organisation.db.get('SELECT holder_label FROM sync_lease')).toEqual({
        holder_label: 'Service de test',
      });
      // It syncs as the holder, into the organisation's database.
      expect(await line((l) => l.startsWith('Synchronisation terminée'), 'synchronisation')).toContain('succès');
      expect(await organisation.db.value('SELECT holder_label FROM sync_run ORDER BY id DESC LIMIT 1')).toBe(
        'Service de test',
      );

      // A workstation opened meanwhile sees the service as the syncer.
      workstationDb = await openStore(organisation.location);
      const workstation = new OrganisationSyncLease({
        db: workstationDb,
        label: 'Poste du bureau',
        timings: { heartbeatMs: 200, ttlMs: 3_000 },
        eligible: () => Promise.resolve(true),
      });
      expect(await workstation.confirm()).toBe(false);
      expect(workstation.state().holder).toMatchObject({ label: 'Service de test', thisWorkstation: false });
      await workstation.close();

      // Its log lines are on standard output, JSON, without the certificate's password or the database's.
      expect(lines.some((l) => l.startsWith('{'))).toBe(true);
      const output = lines.join('\n');
      expect(output).not.toContain(sharedSandboxOf(fixture.sandbox).p12Password);
      if (organisation.location.kind === 'postgres' && organisation.location.connection.password) {
        expect(output).not.toContain(organisation.location.connection.password);
      }
    } finally {
      child.kill('SIGTERM');
    }
    await line((l) => l.startsWith(SERVE_LINES.stopped), 'arrêté').catch(() => undefined);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(lines.some((l) => l.startsWith(SERVE_LINES.stopped))).toBe(true);
    // Released at once: no workstation waits for its expiry.
    expect(await organisation.db.value('SELECT count(*) FROM sync_lease')).toBe(0);
  }, 240_000);
});
