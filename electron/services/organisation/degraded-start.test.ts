/**
 * Degraded start: "Organisation" is chosen but its store cannot be opened. The app still starts, on the desk's own
 * store, says why (app:info, journal), refuses what would reach ViaTrajectoire from that possibly stale desk, and
 * keeps Paramètres › Organisation usable to repair the settings for the next start.
 */
import crypto from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EnvironmentId } from '@shared/domain/environments';
import type { JournalEntry } from '@shared/domain/journal';
import type { AppInfo } from '@shared/ipc/channels/app-channels';
import type { OrganisationSettingsResult } from '@shared/ipc/channels/organisation-channels';
import type { RunningApplication } from '../app/bootstrap';
import { invokeChannel, startTestApplication } from '../app/testing/test-application';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore } from '../testing/test-stores';
import { seedDesk } from './testing/desk-fixture';
import { organisationSettingsFile } from './organisation-settings';

interface Desk {
  readonly dataRoot: string;
  readonly environment: EnvironmentId;
  start(): Promise<RunningApplication>;
  /** Statuses the desk queued for ViaTrajectoire. */
  readonly pendingOutbox: number;
}

/** A desk with a seeded work list and queued statuses, then its settings changed by `configure` (closed after). */
async function withDesk(
  configure: (app: RunningApplication, dataRoot: string) => Promise<void>,
  check: (desk: Desk) => Promise<void>,
): Promise<void> {
  const tmp = makeTempDir('referent-vt-degraded-');
  const key = crypto.randomBytes(32);
  const start = () => startTestApplication(tmp.dir, { embeddedSandbox: false, databaseKey: () => key });
  try {
    const app = await start();
    let pendingOutbox: number;
    const environment = app.ctx.environmentId as EnvironmentId;
    try {
      await seedDesk(app.ctx.db, { count: 12 });
      pendingOutbox = Number(await app.ctx.db.value("SELECT count(*) FROM outbox WHERE state = 'pending'"));
      expect(pendingOutbox).toBeGreaterThan(0);
      await configure(app, tmp.dir);
    } finally {
      await app.close();
    }
    await check({ dataRoot: tmp.dir, environment, start, pendingOutbox });
  } finally {
    tmp.cleanup();
  }
}

async function expectRefused(app: RunningApplication, channel: string, input: unknown): Promise<void> {
  await expect(invokeChannel(app, channel, input)).rejects.toMatchObject({ code: 'ORG_UNAVAILABLE' });
}

/** What every degraded start shows and refuses, whatever the cause. */
async function expectDegraded(app: RunningApplication, desk: Desk, code: string): Promise<void> {
  expect(app.ctx.store.kind).toBe('sqlite');
  const info = await invokeChannel<AppInfo>(app, 'app:info', {});
  expect(info.organisationUnavailable).toMatchObject({ code });
  expect(info.organisationUnavailable?.reason).toMatch(/\S/);

  const journal = await invokeChannel<JournalEntry[]>(app, 'journal:list', { outcome: 'échec' });
  expect(
    journal.some((e) => e.action.startsWith('Serveur de l’organisation injoignable') && e.detail?.includes(code)),
  ).toBe(true);

  // The desk's data is there to consult...
  const list = await invokeChannel<{ totalMatching: number }>(app, 'notifications:list', {});
  expect(list.totalMatching).toBeGreaterThan(0);
  // ...but nothing leaves for ViaTrajectoire, and no status is recorded on it.
  await expectRefused(app, 'sync:run-now', {});
  await expectRefused(app, 'sync:outbox-retry', { id: 1 });
  await expectRefused(app, 'notifications:perform-action', {
    notificationId: 1,
    action: 'contact-effectue',
    date: '2026-06-20',
  });
  await expect(app.sync.runNow()).rejects.toMatchObject({ code: 'ORG_UNAVAILABLE' });
  await expect(app.sync.pushNow()).resolves.toBeUndefined();
  expect(Number(await app.ctx.db.value("SELECT count(*) FROM outbox WHERE state = 'pending'"))).toBe(
    desk.pendingOutbox,
  );

  // Paramètres › Organisation stays usable: the chosen mode is still tried at the next start.
  const settings = await invokeChannel<OrganisationSettingsResult>(app, 'organisation:settings', {});
  expect(settings.activeMode).toBe('poste');
  const report = await invokeChannel<{ ok: boolean }>(app, 'organisation:test-connection', {});
  expect(report.ok).toBe(false);
}

const UNREACHABLE_SOCKET = '/nonexistent/referent-vt-no-server';

describe('degraded start in organisation mode', () => {
  it('starts on the desk when the server is unreachable, and fixing the mode applies at the next start', async () => {
    await withDesk(
      async (app) => {
        await invokeChannel(app, 'organisation:update', {
          mode: 'organisation',
          host: UNREACHABLE_SOCKET,
          database: 'referent',
          user: 'referent_a',
          password: 'mot-de-passe-de-test',
        });
      },
      async (desk) => {
        const app = await desk.start();
        try {
          await expectDegraded(app, desk, 'DB_SERVER_UNREACHABLE');
          const settings = await invokeChannel<OrganisationSettingsResult>(app, 'organisation:settings', {});
          expect(settings).toMatchObject({ mode: 'organisation', restartRequired: true });
          await invokeChannel(app, 'organisation:update', { mode: 'poste' });
        } finally {
          await app.close();
        }
        const back = await desk.start();
        try {
          const info = await invokeChannel<AppInfo>(back, 'app:info', {});
          expect(info.organisationUnavailable).toBeUndefined();
          await expect(back.sync.runNow()).rejects.not.toMatchObject({ code: 'ORG_UNAVAILABLE' });
        } finally {
          await back.close();
        }
      },
    );
  });

  it('starts on the desk when the password is no longer in the secret store', async () => {
    await withDesk(
      async (app) => {
        await invokeChannel(app, 'organisation:update', {
          mode: 'organisation',
          host: UNREACHABLE_SOCKET,
          database: 'referent',
          user: 'referent_a',
          password: 'mot-de-passe-de-test',
        });
        await app.ctx.connection.secrets.delete('organisation-postgres-password');
      },
      async (desk) => {
        const app = await desk.start();
        try {
          await expectDegraded(app, desk, 'ORG_PASSWORD_MISSING');
        } finally {
          await app.close();
        }
      },
    );
  });

  it('starts on the desk when the settings file is damaged, and saving replaces it (a copy kept)', async () => {
    await withDesk(
      async (app, dataRoot) => {
        writeFileSync(
          organisationSettingsFile(dataRoot, app.ctx.environmentId as EnvironmentId),
          '{"version": 1, "mode": "organisa',
        );
      },
      async (desk) => {
        const app = await desk.start();
        const file = organisationSettingsFile(desk.dataRoot, desk.environment);
        try {
          await expectDegraded(app, desk, 'ORG_SETTINGS_INVALID');
          expect(await invokeChannel(app, 'organisation:settings', {})).toMatchObject({ settingsDamaged: true });
          const saved = await invokeChannel<OrganisationSettingsResult>(app, 'organisation:update', { mode: 'poste' });
          expect(saved.settingsDamaged).toBeUndefined();
          expect(existsSync(`${file}.illisible`)).toBe(true);
        } finally {
          await app.close();
        }
      },
    );
  });

  it.skipIf(!testCluster())('starts on the desk when the server answers but has no Référent VT schema', async () => {
    const organisation = await openTestStore('postgres');
    try {
      if (organisation.location.kind !== 'postgres') throw new Error('PostgreSQL attendu');
      const { host, port, database, user, password } = organisation.location.connection;
      await withDesk(
        async (app) => {
          await invokeChannel(app, 'organisation:update', {
            mode: 'organisation',
            host,
            port,
            database,
            user,
            password,
            schema: 'schema_absent',
          });
        },
        async (desk) => {
          const app = await desk.start();
          try {
            await expectDegraded(app, desk, 'DB_SCHEMA_MISSING');
          } finally {
            await app.close();
          }
        },
      );
    } finally {
      await organisation.close();
    }
  });

  it.skipIf(!testCluster())(
    'starts on the desk when TLS is refused (the server is not signed by the CA set)',
    async () => {
      const cluster = testCluster();
      const organisation = await openTestStore('postgres');
      try {
        if (!cluster || organisation.location.kind !== 'postgres') throw new Error('PostgreSQL attendu');
        const { database, user, password } = organisation.location.connection;
        await withDesk(
          async (app) => {
            await invokeChannel(app, 'organisation:update', {
              mode: 'organisation',
              host: '127.0.0.1',
              port: cluster.port,
              database,
              user,
              password,
              caFileBase64: Buffer.from(cluster.otherCaPem).toString('base64'),
            });
          },
          async (desk) => {
            const app = await desk.start();
            try {
              await expectDegraded(app, desk, 'DB_TLS_REFUSED');
            } finally {
              await app.close();
            }
          },
        );
      } finally {
        await organisation.close();
      }
    },
  );
});
