/**
 * Organisation mode end to end: a desk's work list (generated fakes) is moved into the organisation's PostgreSQL
 * through the Organisation screen (settings with the CA file's bytes, connection test, simulation, migration, mode
 * "Organisation"), then the host restarted on the same data folder opens the organisation's database and shows the
 * very same work list; with the server stopped, a third start opens the workstation's offline snapshot, read-only and
 * dated. The server is a throw-away cluster over TLS verify-full (PostgreSQL ≥ 15 required, as in CI).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { OfflineReviewStatus } from '../shared/ipc/channels/organisation-channels';
import { addMember, createOrganisationSchema } from '../electron/services/db/postgres/organisation-admin';
import { openPostgresDatabase } from '../electron/services/db/postgres/postgres-database';
import { startPostgresCluster } from '../electron/services/testing/postgres-cluster';
import { seedWorklist } from './fixtures/app-database';
import { expectAccessible } from './fixtures/app-screens';
import { expect, startAppHost, test } from './fixtures/app-host';

/** Where this workstation's offline review stands (the app's own channel, as the renderer asks it). */
async function offlineStatus(host: { origin: string; token: string }): Promise<OfflineReviewStatus> {
  const res = await fetch(`${host.origin}/api/invoke/organisation:offline-status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, origin: host.origin, 'content-type': 'application/json' },
    body: '{}',
  });
  const answer = (await res.json()) as { ok: boolean; value?: OfflineReviewStatus };
  if (!answer.ok || !answer.value) throw new Error(`organisation:offline-status a échoué (${res.status})`);
  return answer.value;
}

/** What the referent reads on the work list: the count line and every row's text, in order. */
async function readWorklist(page: Page): Promise<{ count: string; rows: string[] }> {
  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(page.getByTestId('worklist-row').first()).toBeVisible();
  const count = await page.getByTestId('worklist-count').innerText();
  const rows = await page.getByTestId('worklist-row').allInnerTexts();
  return { count, rows };
}

test('the app in organisation mode shows the same work list as the desk it was migrated from', async ({ page }) => {
  test.setTimeout(240_000);
  const cluster = await startPostgresCluster();
  const adminPassword = crypto.randomBytes(12).toString('hex');
  const coordinatorPassword = crypto.randomBytes(12).toString('hex');
  let host: Awaited<ReturnType<typeof startAppHost>> | undefined;
  let clusterStopped = false;
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-e2e-org-'));
  try {
    await cluster.adminQuery(`CREATE ROLE admin_e2e LOGIN CREATEROLE PASSWORD '${adminPassword}'`);
    await cluster.adminQuery('CREATE DATABASE referent OWNER admin_e2e');
    const server = { host: '127.0.0.1', port: cluster.port, database: 'referent' };
    const admin = await openPostgresDatabase(
      { ...server, user: 'admin_e2e', password: adminPassword, tls: { mode: 'verify-full', caPem: cluster.caPem } },
      { migrate: true },
    );
    await createOrganisationSchema(admin);
    await addMember(admin, 'coordination', coordinatorPassword, 'coordinateur');
    await admin.close();

    // A data folder of the test's own: a host started without one deletes its folder when it stops, and the
    // restarts below need the desk's data and settings.
    host = await startAppHost(['--no-embedded-sandbox'], dataRoot);
    seedWorklist(host.dataDir, 150);
    await page.goto(host.url);
    const onDesk = await readWorklist(page);
    // The list is virtualised: the rows on screen are a window of it; the count line gives its length.
    expect(onDesk.rows.length).toBeGreaterThan(5);
    expect(Number(/^\d+/.exec(onDesk.count)?.[0])).toBeGreaterThan(10);

    // Paramètres › Organisation: the server, the account, its password and the organisation's CA file.
    await page.keyboard.press('Alt+o');
    await expect(page.getByRole('heading', { level: 1, name: 'Organisation' })).toBeVisible();
    await expect(page.getByTestId('active-store-mode')).toHaveText('Poste seul');
    await page.getByTestId('org-host').fill(server.host);
    await page.getByTestId('org-port').fill(String(server.port));
    await page.getByLabel('Base de données').fill(server.database);
    await page.getByLabel('Compte (identifiant PostgreSQL)').fill('coordination');
    await page.getByLabel('Mot de passe', { exact: true }).fill(coordinatorPassword);
    await page.getByTestId('org-ca-file').setInputFiles({
      name: 'ac-organisation.pem',
      mimeType: 'application/x-pem-file',
      buffer: Buffer.from(cluster.caPem),
    });
    await page.getByRole('button', { name: 'Enregistrer' }).first().click();
    await expect(page.getByText('Réglages enregistrés.')).toBeVisible();
    await expect(page.getByTestId('org-ca')).toContainText('verify-full');
    await page.getByRole('button', { name: 'Tester la connexion' }).click();
    await expect(page.getByTestId('org-connection-report')).toContainText('✓ Droits du compte');
    await expect(page.getByTestId('org-connection-report')).not.toContainText('✗');
    await expectAccessible(page, 'Organisation');

    // The assistant: simulation, then the migration.
    await page.getByTestId('migration-dry-run').click();
    await expect(page.getByTestId('migration-counts')).toContainText('Décisions (avec leur CDA)');
    await expect(page.getByText('Aucun conflit avec les données de l’organisation.')).toBeVisible();
    await page.getByTestId('migration-run').click();
    await expect(page.getByTestId('migration-done')).toBeVisible();

    await page.getByLabel('Organisation (serveur PostgreSQL partagé)').check();
    await page.getByRole('button', { name: 'Enregistrer' }).first().click();
    await expect(page.getByText('sera utilisé au prochain démarrage')).toBeVisible();
    await page.screenshot({ path: 'e2e/artifacts/organisation.png', fullPage: true });
    await host.stop();

    // Restarted on the same data folder: the organisation's database, the same work list.
    host = await startAppHost(['--no-embedded-sandbox'], dataRoot);
    await page.goto(host.url);
    const inOrganisation = await readWorklist(page);
    expect(inOrganisation).toEqual(onDesk);
    await page.keyboard.press('Alt+o');
    await expect(page.getByTestId('active-store-mode')).toHaveText('Organisation');
    await expect(page.getByTestId('organisation-unavailable')).toHaveCount(0);

    // Its offline snapshot of the organisation is taken at start: wait for it before the server goes.
    await expect
      .poll(async () => (await offlineStatus(host!)).snapshotTakenAt ?? null, { timeout: 60_000 })
      .not.toBeNull();

    // The server gone: the app still starts, on this workstation's offline snapshot, read-only, and says so with the
    // snapshot's date on every screen; the work list is the organisation's as last copied.
    await host.stop();
    await cluster.stop();
    clusterStopped = true;
    host = await startAppHost(['--no-embedded-sandbox'], dataRoot);
    await page.goto(host.url);
    const banner = page.getByTestId('offline-review');
    await expect(banner).toContainText('Consultation hors ligne — données du');
    await expect(banner.getByRole('button', { name: 'Se reconnecter' })).toBeVisible();
    const offline = await readWorklist(page);
    expect(offline.count).toBe(inOrganisation.count);
    expect(offline.rows.length).toBe(inOrganisation.rows.length);
    await expect(banner).toBeVisible();
    await page.keyboard.press('Alt+o');
    await expect(banner).toBeVisible();
    await expectAccessible(page, 'Organisation (serveur injoignable)');
    await page.screenshot({ path: 'e2e/artifacts/organisation-injoignable.png', fullPage: true });
  } finally {
    await host?.stop();
    if (!clusterStopped) await cluster.stop();
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
});
