/**
 * A workstation in organisation mode with NO certificate of its own syncs with the organisation's: the sandbox's
 * client .p12 sealed in the organisation's PostgreSQL, the organisation key file in the data folder. Without the key
 * file the same workstation is not eligible and its sync is refused in French. Real mTLS to the sandbox.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectionServices } from '../app/handlers/connection-services';
import { invokeChannel, startTestApplication } from '../app/testing/test-application';
import { openPostgresDatabase } from '../db/postgres/postgres-database';
import { CLIENT_SECRET_NAME } from '../environments/environment-store';
import { startSandboxFixture, TEST_EJ, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import { openTestStore, type TestStore } from '../testing/test-stores';
import { waitUntil } from './testing/workstation-process';
import { createOrganisationKeyFile, importOrganisationCertificate } from './organisation-certificates';
import { OrganisationSettingsStore } from './organisation-settings';

const cluster = testCluster();
const ENVIRONMENT = 'sandbox-local' as const;

describe.skipIf(!cluster)('sync with the organisation’s certificate (no desk certificate)', () => {
  const tmp = makeTempDir('referent-vt-org-cert-sync-');
  let fixture: SandboxFixture;
  let organisation: TestStore;

  beforeAll(async () => {
    fixture = await startSandboxFixture({ initialDecisions: 4 });
    organisation = await openTestStore('postgres');
    if (organisation.location.kind !== 'postgres') throw new Error('PostgreSQL attendu');
    const { sandbox } = fixture;
    // Paramètres as the referent leaves them: the sandbox's URLs, anchors and secret, organisation mode — no .p12.
    const services = openConnectionServices({ dataRoot: tmp.dir, environmentId: ENVIRONMENT, now: () => new Date() });
    await services.environments.update(ENVIRONMENT, {
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenUrl: sandbox.tokenUrl,
      clientId: sandbox.clientId,
    });
    services.trustAnchors.importPem(sandbox.caBundlePem);
    await services.secrets.set(CLIENT_SECRET_NAME, sandbox.clientSecret);
    const { host, port, database, user, password } = organisation.location.connection;
    await new OrganisationSettingsStore(tmp.dir, ENVIRONMENT, services.secrets).update({
      host,
      port,
      database,
      user,
      password,
      mode: 'organisation',
    });
    // The administrator seals the EJ's certificate under the organisation key.
    const admin = await openPostgresDatabase(cluster!.admin(database));
    try {
      const client = sandbox.pki.clients[TEST_EJ.finessEj]!;
      const key = createOrganisationKeyFile(path.join(tmp.dir, 'cle-it', 'organisation.key'));
      await importOrganisationCertificate(admin, {
        bytes: fs.readFileSync(client.p12Path),
        password: client.password,
        key,
        trustAnchorsPem: [sandbox.caBundlePem],
        now: Date.now(),
      });
    } finally {
      await admin.close();
    }
  });

  afterAll(async () => {
    await organisation?.close();
    await fixture?.close();
    tmp.cleanup();
  });

  it('is refused without the key file, then syncs once the IT has deployed it', async () => {
    const withoutKey = await startTestApplication(tmp.dir, { embeddedSandbox: false });
    try {
      expect(withoutKey.ctx.store.kind).toBe('postgres');
      await expect(invokeChannel(withoutKey, 'sync:run-now', {})).rejects.toMatchObject({ code: 'SYNC_NOT_ELIGIBLE' });
    } finally {
      await withoutKey.close();
    }
    fs.copyFileSync(path.join(tmp.dir, 'cle-it', 'organisation.key'), path.join(tmp.dir, 'organisation.key'));
    const withKey = await startTestApplication(tmp.dir, { embeddedSandbox: false });
    try {
      await waitUntil(
        () =>
          invokeChannel(withKey, 'sync:run-now', {}).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 60_000, intervalMs: 250, what: 'le poste prend la synchronisation' },
      );
      const decisions = await waitUntil(
        async () => {
          const n = Number(await organisation.db.value("SELECT count(*) FROM sync_run WHERE outcome = 'succès'"));
          return n > 0 ? Number(await organisation.db.value('SELECT count(*) FROM decision')) : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: 'synchronisation réussie' },
      );
      expect(decisions).toBe(4);
    } finally {
      await withKey.close();
    }
  }, 240_000);
});
