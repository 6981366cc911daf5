import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MODE_PRISE_CHARGE } from '@shared/terminology/code-lists';
import { environmentPaths } from '../environments/environment-store';
import { PROFILE, TERMINOLOGY_FOLDER } from '../fhir';
import { makeTempDir } from '../testing/temp-dir';
import { localToday } from './app-context';
import type { RunningApplication } from './bootstrap';
import { startTestApplication } from './testing/test-application';

const tmp = makeTempDir('referent-vt-sdo-');
let app: RunningApplication;

beforeAll(async () => {
  app = await startTestApplication(tmp.dir, { sandboxInitialDecisions: 3 });
  expect((await app.sync.runNow())?.outcome).toBe('succès');
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

/** The embedded sandbox follows Paramètres over its admin API: wait until it has (generously, on a busy machine). */
const sandboxOn = (version: string) =>
  vi.waitFor(async () => expect((await app.sandbox!.admin.settings()).profileVersion).toBe(version), {
    timeout: 30_000,
    interval: 100,
  });

const outboxTask = async (outboxId: number) =>
  JSON.parse((await app.ctx.db.value<string>('SELECT payload_json FROM outbox WHERE id = ?', [outboxId]))!) as {
    meta: { profile: string[] };
  };

describe('the IG version chosen in Paramètres', () => {
  it('is what the work list writes and checks, and what the embedded sandbox speaks', async () => {
    const sandbox = app.sandbox!;
    expect((await sandbox.admin.settings()).profileVersion).toBe('4.0.7');

    await app.handlers['environments:update']({ id: 'sandbox-local', igVersion: '4.0.5' });
    await sandboxOn('4.0.5');
    expect((await app.handlers['terminology:in-force']({})).igVersion).toBe('4.0.5');

    const notificationId = (await app.ctx.db.value<number>(
      "SELECT id FROM notification WHERE esms_status = '39' ORDER BY id LIMIT 1",
    ))!;
    const done = await app.handlers['notifications:perform-action']({
      notificationId,
      action: 'marquer-lue',
      date: localToday(app.ctx.now()),
    });
    // Written for 4.0.5 and validated as such before it was queued.
    expect((await outboxTask(done.outboxIds[0]!)).meta.profile).toEqual([PROFILE.sdoTask]);

    // The sandbox, now on 4.0.5, accepts it (it refuses an esms-task then).
    const pushed = await app.sync.runNow();
    expect(pushed?.summary).toMatchObject({ sent: 1, rejected: 0 });
    const received = await sandbox.admin.receivedTasks();
    expect(received.at(-1)?.resource.meta).toMatchObject({ profile: [PROFILE.sdoTask] });

    await app.handlers['environments:update']({ id: 'sandbox-local', igVersion: '4.0.7' });
    await sandboxOn('4.0.7');
  });
});

describe('a terminology release added to the environment', () => {
  it('offers its new code, and a unit keeps the label of a code it retired', async () => {
    const eg = await app.ctx.db.value<string>('SELECT finess_eg FROM geographic_entity ORDER BY finess_eg LIMIT 1');
    const unit = await app.handlers['units:create']({
      finessEg: eg as string,
      idRor: 'ROR-UNITE-NUIT-1',
      name: 'Unité de nuit',
      categorieOrganisation: '01',
      temporaliteAccueil: null,
      accueilSequentiel: null,
      modePriseCharge: '48',
    });
    expect(unit.missing).toEqual([]);
    const before = await app.handlers['terminology:in-force']({});
    expect(before.modesPriseCharge.map((c) => c.code)).toEqual(['46', '47', '48', '49']);

    const { dataDir } = environmentPaths(tmp.dir, 'sandbox-local');
    fs.mkdirSync(path.join(dataDir, TERMINOLOGY_FOLDER), { recursive: true });
    fs.writeFileSync(
      path.join(dataDir, TERMINOLOGY_FOLDER, 'ans.fr.terminologies-1.13.0.json'),
      JSON.stringify({
        release: '1.13.0',
        lists: {
          [MODE_PRISE_CHARGE.id]: {
            version: '20261201120000',
            concepts: [
              { code: '46', display: 'Hébergement (accueil jour et nuit)' },
              { code: '47', display: 'Accueil de jour' },
              { code: '250', display: 'Mode fictif de démonstration' },
            ],
          },
        },
      }),
    );
    await app.handlers['environments:update']({ id: 'sandbox-local', terminologyRelease: '1.13.0' });

    const after = await app.handlers['terminology:in-force']({});
    expect(after).toMatchObject({ terminologyRelease: '1.13.0', pinnedTerminologyRelease: '1.10.0' });
    expect(after.modesPriseCharge.map((c) => c.code)).toEqual(['46', '47', '250']);
    const shown = (await app.handlers['units:list']({})).find((u) => u.idRor === 'ROR-UNITE-NUIT-1');
    expect(shown).toMatchObject({ modePriseCharge: '48', modePriseChargeLabel: 'Accueil de nuit' });
    expect(shown?.missing).toEqual(['mode de prise en charge (46, 47, 250)']);

    await expect(
      app.handlers['environments:update']({ id: 'sandbox-local', terminologyRelease: '7.0.0' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await app.handlers['environments:update']({ id: 'sandbox-local', terminologyRelease: null });
    expect((await app.handlers['terminology:in-force']({})).terminologyRelease).toBe('1.10.0');
  });
});
