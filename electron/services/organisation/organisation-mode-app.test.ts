/**
 * The application itself in organisation mode: a desk's work list (generated fakes, statuses recorded through the
 * real actions) is migrated through the app's own channels, the mode switched, and the app restarted on the same
 * data folder opens the organisation's PostgreSQL and answers the very same work list and facets (ids aside: they
 * are the organisation's).
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WorklistFacets, WorklistResult } from '@shared/domain/worklist';
import type { OrganisationConnectionReport, DeskMigrationReport } from '@shared/ipc/channels/organisation-channels';
import { invokeChannel, startTestApplication } from '../app/testing/test-application';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore } from '../testing/test-stores';
import { seedDesk } from './testing/desk-fixture';

/** What the referent sees, without the ids each store gives its rows. */
function withoutIds(result: WorklistResult) {
  return {
    totalMatching: result.totalMatching,
    hiddenTerminated: result.hiddenTerminated,
    rows: result.rows.map(({ id: _id, units, ...row }) => ({
      ...row,
      units: units.map((u) => Object.fromEntries(Object.entries(u).filter(([k]) => k !== 'unitId' && k !== 'id'))),
    })),
  };
}

describe.skipIf(!testCluster())('the app in organisation mode', () => {
  it('shows the same work list as the desk it was migrated from', async () => {
    const tmp = makeTempDir('referent-vt-org-app-');
    const key = crypto.randomBytes(32);
    const organisation = await openTestStore('postgres');
    const start = () => startTestApplication(tmp.dir, { embeddedSandbox: false, databaseKey: () => key });
    try {
      const desk = await start();
      let onDesk: WorklistResult;
      let deskFacets: WorklistFacets;
      try {
        expect(desk.ctx.store.kind).toBe('sqlite');
        await seedDesk(desk.ctx.db, { count: 150 });
        onDesk = await invokeChannel<WorklistResult>(desk, 'notifications:list', {});
        deskFacets = await invokeChannel<WorklistFacets>(desk, 'notifications:facets', {});
        expect(onDesk.rows.length).toBeGreaterThan(50);

        if (organisation.location.kind !== 'postgres') throw new Error('PostgreSQL attendu');
        const { host, port, database, user, password } = organisation.location.connection;
        await invokeChannel(desk, 'organisation:update', { host, port, database, user, password });
        const report = await invokeChannel<OrganisationConnectionReport>(desk, 'organisation:test-connection', {});
        expect(report.ok).toBe(true);
        const migrated = await invokeChannel<DeskMigrationReport>(desk, 'organisation:migration-run', {});
        expect(migrated.applied).toBe(true);
        expect(await invokeChannel(desk, 'organisation:update', { mode: 'organisation' })).toMatchObject({
          mode: 'organisation',
          activeMode: 'poste',
          restartRequired: true,
        });
      } finally {
        await desk.close();
      }

      const inOrganisation = await start();
      try {
        expect(inOrganisation.ctx.store.kind).toBe('postgres');
        expect(inOrganisation.ctx.db.dialect).toBe('postgres');
        const list = await invokeChannel<WorklistResult>(inOrganisation, 'notifications:list', {});
        expect(withoutIds(list)).toEqual(withoutIds(onDesk));
        const facets = await invokeChannel<WorklistFacets>(inOrganisation, 'notifications:facets', {});
        expect(facets.geographicEntities).toEqual(deskFacets.geographicEntities);
        expect(facets.categories).toEqual(deskFacets.categories);
        expect(await invokeChannel(inOrganisation, 'organisation:settings', {})).toMatchObject({
          activeMode: 'organisation',
          restartRequired: false,
        });
      } finally {
        await inOrganisation.close();
      }
    } finally {
      await organisation.close();
      tmp.cleanup();
    }
  });
});
