import AxeBuilder from '@axe-core/playwright';
import { SandboxAdmin } from '../electron/services/sandbox/sandbox-admin';
import { expect, test } from './fixtures/app-host';

test('Synchroniser maintenant brings the sandbox’s decisions, and a ViaTrajectoire outage is reported without losing anything', async ({
  page,
  appHost,
}) => {
  expect(appHost.sandbox).not.toBeNull();
  const admin = new SandboxAdmin(appHost.sandbox!.adminUrl, appHost.sandbox!.adminToken);

  await page.goto(appHost.url);
  await page.getByRole('link', { name: 'Synchronisation', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Synchronisation' })).toBeVisible();
  await expect(page.getByText('Aucune synchronisation pour l’instant.')).toBeVisible();

  await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
  await expect(page.getByTestId('sync-result')).toContainText('Synchronisation terminée (succès)');
  await expect(page.getByTestId('sync-history')).toContainText('succès');
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);
  await page.screenshot({ path: 'e2e/artifacts/sandbox-synchronisation.png', fullPage: true });

  await page.getByRole('link', { name: 'Tableau de bord', exact: true }).click();
  const received = Number(
    (await page.getByTestId('count-notificationsNonLues').locator('.tile-value').innerText()).replace(/\s/g, ''),
  );
  expect(received).toBeGreaterThan(0);

  // ViaTrajectoire answers 503 to everything: the run fails with a French reason, what was stored stays.
  await admin.setFaults({ rate5xx: 1 });
  await page.getByRole('link', { name: 'Synchronisation', exact: true }).click();
  await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
  await expect(page.getByTestId('sync-history').locator('tbody tr').first()).toContainText('échec');
  await admin.setFaults({ rate5xx: 0 });

  await page.getByRole('link', { name: 'Tableau de bord', exact: true }).click();
  await expect(page.getByTestId('count-notificationsNonLues')).toContainText(String(received));
  await page.getByRole('link', { name: 'Journal', exact: true }).click();
  await expect(page.getByTestId('journal-table')).toContainText('échec');
});
