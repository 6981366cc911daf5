/**
 * `npx referent-vt organisation migrate-desk [--dry-run]` on a data folder as the app leaves it (desk database and
 * its key file, organisation settings, password in the secret store), into a real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectionServices } from '../app/handlers/connection-services';
import { openStore } from '../db/open-store';
import { environmentPaths } from '../environments/environment-store';
import { getOrCreateDatabaseKey } from '../secrets';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore, type TestStore } from '../testing/test-stores';
import { runOrganisationCommand } from '../cli/organisation-command';
import { OrganisationSettingsStore } from './organisation-settings';
import { seedDesk } from './testing/desk-fixture';

describe.skipIf(!testCluster())('organisation migrate-desk (command line)', () => {
  const tmp = makeTempDir('referent-vt-org-cli-');
  let organisation: TestStore;

  const run = async (args: string[]) => {
    const lines: string[] = [];
    const code = await runOrganisationCommand(args, { log: (l) => lines.push(l) }, { env: {} });
    return { code, text: lines.join('\n') };
  };

  beforeAll(async () => {
    const { databaseFile } = environmentPaths(tmp.dir, 'sandbox-local');
    const desk = await openStore({
      kind: 'sqlite',
      file: databaseFile,
      key: getOrCreateDatabaseKey(`${databaseFile}.key`, databaseFile),
    });
    await seedDesk(desk, { count: 30 });
    await desk.close();
    organisation = await openTestStore('postgres');
    if (organisation.location.kind !== 'postgres') throw new Error('PostgreSQL attendu');
    const { host, port, database, user, password } = organisation.location.connection;
    const services = openConnectionServices({
      dataRoot: tmp.dir,
      environmentId: 'sandbox-local',
      now: () => new Date(),
    });
    await new OrganisationSettingsStore(tmp.dir, 'sandbox-local', services.secrets).update({
      host,
      port,
      database,
      user,
      ...(password ? { password } : {}),
    });
  });

  afterAll(async () => {
    await organisation.close();
    tmp.cleanup();
  });

  it('simulates, then migrates, then finds nothing new', async () => {
    const dryRun = await run(['migrate-desk', '--dry-run', '--data', tmp.dir]);
    expect(dryRun.code).toBe(0);
    expect(dryRun.text).toContain(
      'Décisions (avec leur CDA) : 30 sur le poste, 30 à copier, 0 déjà dans l’organisation',
    );
    expect(dryRun.text).toContain('Simulation : rien n’a été modifié.');
    expect(Number(await organisation.db.value('SELECT count(*) FROM decision'))).toBe(0);

    const done = await run(['migrate-desk', '--data', tmp.dir]);
    expect(done).toMatchObject({ code: 0, text: expect.stringContaining('Migration terminée.') });
    expect(Number(await organisation.db.value('SELECT count(*) FROM decision'))).toBe(30);

    const again = await run(['migrate-desk', '--data', tmp.dir]);
    expect(again.text).toContain('Décisions (avec leur CDA) : 30 sur le poste, 0 copiées, 30 déjà dans l’organisation');
  });

  it('answers a wrong usage with 2', async () => {
    expect((await run(['migrate-desk', '--inconnu'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });
});
