/**
 * The organisation mode as the referent and the admin go through it, through the handlers of the screens and a
 * real PostgreSQL over TLS verify-full (the test cluster's CA, imported by its bytes): settings, connection test,
 * the admin creating the schema and the accounts, the desk's migration (dry run, then for real), EGs assigned to a
 * referent whose connection then sees only them, revocation. Passwords never come back nor reach the journal.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organisationChannels } from '@shared/ipc/channels/organisation-channels';
import { EventHub, type AppContext } from '../app/app-context';
import { openConnectionServices } from '../app/handlers/connection-services';
import { createOrganisationHandlers } from '../app/handlers/organisation-handlers';
import { Journal } from '../journal/journal';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore, type TestStore } from '../testing/test-stores';
import { SEED_EGS } from '../worklist/testing/worklist-seed';
import { seedDesk } from './testing/desk-fixture';

const cluster = testCluster();

type Channel = keyof ReturnType<typeof createOrganisationHandlers>;

describe.skipIf(!cluster)('organisation mode, from the settings to a referent seeing only their EGs', () => {
  const c = cluster!;
  const suffix = crypto.randomBytes(3).toString('hex');
  const database = `org_${suffix}`;
  const admin = `admin_${suffix}`;
  const coordinator = `coord_${suffix}`;
  const referent = `ref_${suffix}`;
  const adminPassword = `adm-${crypto.randomBytes(12).toString('hex')}`;
  const coordinatorPassword = `coo-${crypto.randomBytes(12).toString('hex')}`;
  const referentPassword = `ref-${crypto.randomBytes(12).toString('hex')}`;
  const tmp = makeTempDir('referent-vt-org-flow-');
  let desk: TestStore;
  let ctx: AppContext;
  let handlers: ReturnType<typeof createOrganisationHandlers>;

  const call = async <C extends Channel>(channel: C, request: unknown) => {
    const parsed = organisationChannels[channel].request.parse(request) as never;
    const handler = handlers[channel] as (req: never) => unknown;
    return handler(parsed) as Promise<Awaited<ReturnType<(typeof handlers)[C]>>>;
  };

  beforeAll(async () => {
    await c.adminQuery(`CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD '${adminPassword}'`);
    await c.adminQuery(`CREATE DATABASE ${database} OWNER ${admin}`);
    desk = await openTestStore('sqlite');
    await seedDesk(desk.db, { count: 60 });
    const now = () => new Date('2026-07-01T07:00:00.000Z');
    ctx = {
      db: desk.db,
      store: desk.location,
      journal: new Journal(desk.db, now),
      now,
      events: new EventHub(),
      environmentId: 'sandbox-local',
      environmentLabel: 'Bac à sable local',
      shell: 'navigateur',
      version: 'test',
      dataDir: tmp.dir,
      connection: openConnectionServices({ dataRoot: tmp.dir, environmentId: 'sandbox-local', now }),
    };
    handlers = createOrganisationHandlers(ctx, { dataRoot: tmp.dir, databaseKey: () => Buffer.alloc(32) });
  });

  afterAll(async () => {
    await call('organisation-admin:sign-out', {});
    await desk.close();
    await c.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const role of [referent, coordinator, admin]) await c.adminQuery(`DROP ROLE IF EXISTS ${role}`);
    tmp.cleanup();
  });

  it('goes from "Poste seul" to the organisation', async () => {
    expect(await call('organisation:settings', {})).toMatchObject({ mode: 'poste', activeMode: 'poste' });
    const saved = await call('organisation:update', {
      host: '127.0.0.1',
      port: c.port,
      database,
      user: coordinator,
      caFileBase64: Buffer.from(c.caPem).toString('base64'),
    });
    expect(saved).toMatchObject({ mode: 'poste', passwordSet: false, server: { tls: 'verify-full' } });
    const noPassword = await call('organisation:test-connection', {});
    expect(noPassword.ok).toBe(false);
    expect(noPassword.steps[0]).toMatchObject({
      label: 'Réglages',
      ok: false,
      message: expect.stringMatching(/mot de passe/),
    });

    // The admin: a wrong password is refused in French; then the schema and the two accounts.
    await expect(call('organisation-admin:sign-in', { user: admin, password: 'pas-le-bon' })).rejects.toMatchObject({
      message: expect.stringContaining('refusé l’identifiant ou le mot de passe'),
    });
    expect(await call('organisation-admin:sign-in', { user: admin, password: adminPassword })).toMatchObject({
      signedInAs: admin,
      schemaVersion: 0,
    });
    expect((await call('organisation-admin:create-schema', {})).schemaVersion).toBeGreaterThan(0);
    await call('organisation-admin:add-member', {
      name: coordinator,
      password: coordinatorPassword,
      role: 'coordinateur',
    });
    const withMembers = await call('organisation-admin:add-member', {
      name: referent,
      password: referentPassword,
      role: 'référent',
    });
    expect(withMembers.members.map((m) => [m.name, m.role, m.active])).toEqual([
      [coordinator, 'coordinateur', true],
      [referent, 'référent', true],
    ]);

    await call('organisation:update', { password: coordinatorPassword });
    const connected = await call('organisation:test-connection', {});
    expect(connected.steps.map((s) => [s.label, s.ok])).toEqual([
      ['Réglages', true],
      ['Serveur et compte', true],
      ['Schéma Référent VT', true],
      ['Droits du compte', true],
    ]);
    expect(connected.steps[1]?.message).toContain('verify-full');

    // The migration assistant: simulation, then for real; the coordinator then sees the desk's three EGs.
    const plan = await call('organisation:migration-dry-run', {});
    expect(plan).toMatchObject({ dryRun: true, applied: false, conflicts: [] });
    expect(plan.tables.find((t) => t.table === 'decision')).toMatchObject({ desk: 60, moved: 60 });
    const done = await call('organisation:migration-run', { acceptConflicts: false });
    expect(done).toMatchObject({ applied: true, mergedDecisions: 0 });
    expect((await call('organisation:test-connection', {})).steps[3]?.message).toBe(
      'Ce compte voit 3 entités géographiques.',
    );

    // One EG to the referent: their connection sees that one only.
    const assigned = await call('organisation-admin:assign-egs', { name: referent, finessEgs: [SEED_EGS[0].finessEg] });
    expect(assigned.members.find((m) => m.name === referent)?.finessEgs).toEqual([SEED_EGS[0].finessEg]);
    expect(assigned.geographicEntities.map((e) => e.finessEg)).toEqual(SEED_EGS.map((e) => e.finessEg));
    await call('organisation:update', { user: referent, password: referentPassword });
    expect((await call('organisation:test-connection', {})).steps[3]?.message).toBe(
      'Ce compte voit 1 entité géographique.',
    );

    // A referent's account cannot migrate a desk holding other EGs: refused in French, nothing changed.
    await expect(call('organisation:migration-dry-run', {})).rejects.toMatchObject({
      code: 'ORG_MIGRATION_FAILED',
      message: expect.stringContaining('compte de coordination'),
    });

    const switched = await call('organisation:update', { mode: 'organisation' });
    expect(switched).toMatchObject({ mode: 'organisation', activeMode: 'poste', restartRequired: true });

    // Revoked: the referent can no longer log in.
    await call('organisation-admin:revoke', { name: referent });
    const revoked = await call('organisation:test-connection', {});
    expect(revoked.steps[1]).toMatchObject({ label: 'Serveur et compte', ok: false });

    const journal = await desk.db.all<{ action: string; outcome: string; detail: string | null }>(
      'SELECT action, outcome, detail FROM journal ORDER BY id',
    );
    expect(journal).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'Migration du poste vers l’organisation', outcome: 'succès' }),
        expect.objectContaining({ action: 'Connexion de l’administrateur de l’organisation', outcome: 'échec' }),
      ]),
    );
    const everything = JSON.stringify([journal, saved, withMembers, connected, switched]);
    for (const secret of [adminPassword, coordinatorPassword, referentPassword])
      expect(everything).not.toContain(secret);
  });
});
