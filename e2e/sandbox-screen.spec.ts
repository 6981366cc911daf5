/**
 * The aptitude check driven from the "Bac à sable" screen, on the sandbox the app embeds — no second sandbox, no
 * admin API call from the test: the trainer generates a decision (MDPH), the referent syncs and finds it, puts it
 * on a waiting list; the MDPH cancels the notification → "À traiter"; the MDPH reactivates it (a flux 5 status);
 * faults are injected and removed; a closure decision arrives. Screenshots in e2e/artifacts/, axe at 0 violations.
 */
import type { Page } from '@playwright/test';
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import { expectAccessible, openNotification } from './fixtures/app-screens';

const ESAT = '010000019';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/artifacts/bac-a-sable-${name}.png`, fullPage: true });
}

/** A host of its own: the decisions of this spec must be the only new ones. */
const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost(['--sandbox-decisions', '0']);
    await use(host);
    await host.stop();
  },
});

async function openSandboxScreen(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/#/bac-a-sable`);
  await expect(page.getByRole('heading', { level: 1, name: 'Bac à sable' })).toBeVisible();
  await expect(page.getByTestId('sandbox-admin-token')).not.toBeEmpty();
}

/** "Synchroniser maintenant" from the Bac à sable screen, waited for until its result. */
async function syncFromSandbox(page: Page): Promise<string> {
  const button = page.getByTestId('sandbox-sync');
  await button.click();
  await expect(page.getByTestId('sandbox-sync-done')).toBeVisible({ timeout: 60_000 });
  await expect(button).toBeEnabled();
  return (await page.getByTestId('sandbox-sync-done').textContent()) ?? '';
}

test('aptitude check from the Bac à sable screen: generate → sync → work list; cancel → à traiter; MDPH status; faults', async ({
  page,
  ownHost: appHost,
}) => {
  test.setTimeout(300_000);
  const origin = appHost.origin;
  await page.goto(appHost.url);

  // Keyboard: the menu entry exists on the local sandbox environment, with its Alt shortcut.
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Bac à sable' })).toBeVisible();
  await page.keyboard.press('Alt+b');
  await expect(page.getByRole('heading', { level: 1, name: 'Bac à sable' })).toBeFocused();
  await openSandboxScreen(page, origin);
  await expect(page.getByTestId('sandbox-decision-count')).toHaveText('0');
  await expectAccessible(page, 'Bac à sable');
  await shot(page, 'ecran');

  // 1. The trainer (MDPH) generates one decision for the ESAT: only ESAT orientations are offered to it.
  await page.getByTestId('generate-eg').selectOption(ESAT);
  await expect(page.getByTestId('generate-categories')).toContainText('ESAT');
  await expect(page.getByTestId('generate-categories')).not.toContainText('FAM');
  await page.getByTestId('generate-count').fill('1');
  await page.getByTestId('generate-submit').click();
  await expect(page.getByTestId('generate-done')).toContainText('1 décision(s) ajoutée(s)');
  await expect(page.getByTestId('sandbox-decision-count')).toHaveText('1');
  const option = page.getByTestId('mdph-decision').locator('option').first();
  const label = (await option.textContent()) ?? '';
  const idDecision = /DEC-TEST-[0-9A-Z]+-\d{6}/.exec(label)?.[0];
  if (!idDecision) throw new Error(`numéro de décision introuvable dans « ${label} »`);
  expect(label).toContain('ESAT FICTIF LES TILLEULS');

  // The referent syncs and finds it in the work list.
  expect(await syncFromSandbox(page)).toMatch(/1 décision\(s\)/);
  await shot(page, 'apres-synchronisation');
  await openNotification(page, origin, idDecision);
  await expect(page.getByTestId('detail-status')).toContainText('Notification envoyée');
  // Work in progress: an admission request on a unit (the cancellation then needs the referent).
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  await page.getByTestId('action-unit').selectOption({ label: 'Atelier conditionnement' });
  await page.getByTestId('action-confirm').click();
  await expect(page.getByTestId('action-done')).toBeVisible();

  // 2. The MDPH cancels the notification (49): after sync it is "À traiter".
  await openSandboxScreen(page, origin);
  await page.getByTestId('mdph-decision').selectOption({ label });
  await page.getByTestId('mdph-description').fill('Annulation pour la formation');
  await page.getByTestId('mdph-cancel-notification').click();
  await expect(page.getByTestId('mdph-done')).toContainText('Annuler la notification (49)');
  await syncFromSandbox(page);
  await page.goto(`${origin}/#/notifications`);
  await page.getByTestId('worklist-search').fill(idDecision);
  const row = page.getByTestId('worklist-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('À traiter');
  await expect(row).toContainText('Notification annulée');
  await shot(page, 'notification-annulee-a-traiter');

  // 3. The MDPH sends another flux 5 status: the notification is reactivated (54).
  await openSandboxScreen(page, origin);
  await page.getByTestId('mdph-decision').selectOption({ label });
  await page.getByTestId('mdph-reactivate-notification').click();
  await expect(page.getByTestId('mdph-done')).toContainText('Réactiver la notification (54)');
  await syncFromSandbox(page);
  await openNotification(page, origin, idDecision);
  await expect(page.getByTestId('detail-status')).toContainText('Statut ESMS : Notification réactivée');
  await shot(page, 'notification-reactivee');

  // 4. Faults: a 503 on every exchange, then removed; every token issued so far expired.
  await openSandboxScreen(page, origin);
  await page.getByTestId('fault-rate5xx').fill('100');
  await page.getByTestId('faults-apply').click();
  await expect(page.getByTestId('faults-done')).toContainText('Pannes simulées appliquées');
  await expect(page.getByTestId('fault-rate5xx')).toHaveValue('100');
  await expectAccessible(page, 'Bac à sable avec pannes');
  await shot(page, 'pannes');
  // The setting is the sandbox's own (read back after a reload); its effect on exchanges is tested with the sandbox.
  await page.reload();
  await expect(page.getByTestId('fault-rate5xx')).toHaveValue('100');
  await page.getByRole('button', { name: 'Retirer toutes les pannes' }).click();
  await expect(page.getByTestId('fault-rate5xx')).toHaveValue('0');
  await page.getByTestId('faults-expire-tokens').click();
  await expect(page.getByTestId('faults-done')).toContainText('jetons d’accès');

  // 5. The MDPH closes the right: a closure decision for the same person arrives through flux 1.
  await page.getByTestId('mdph-decision').selectOption({ label });
  await page.getByTestId('mdph-close-right').click();
  await expect(page.getByTestId('mdph-done')).toContainText('Décision de clôture');
  await expect(page.getByTestId('mdph-decision').locator('option').first()).toContainText('Clôture de droit');
  expect(await syncFromSandbox(page)).toMatch(/1 décision\(s\)/);
  await expectAccessible(page, 'Bac à sable après clôture');
  await shot(page, 'cloture');

  // 6. A broken answer: a new decision's read answers an error dressed as a success (OperationOutcome, HTTP 200).
  await page.getByTestId('generate-count').fill('1');
  await page.getByTestId('generate-submit').click();
  await expect(page.getByTestId('sandbox-decision-count')).toHaveText('3');
  const broken = (await page.getByTestId('mdph-decision').locator('option').first().textContent()) ?? '';
  await page.getByTestId('broken-decision').selectOption({ label: broken });
  await page
    .getByTestId('broken-kind')
    .selectOption({ label: 'Erreur annoncée comme un succès (OperationOutcome avec le statut HTTP 200)' });
  await page.getByTestId('broken-apply').click();
  await expect(page.getByTestId('broken-done')).toContainText('La lecture de cette décision répondra');
  await expect(page.getByTestId('broken-list')).toContainText('Erreur annoncée comme un succès');
  await expect(page.getByTestId('broken-list')).toContainText(/DEC-TEST-/);
  await expectAccessible(page, 'Bac à sable, réponse cassée');
  await shot(page, 'reponse-cassee');
  await syncFromSandbox(page);
  // The referent sees it set aside « à relire » with ViaTrajectoire's words, the rest of the sync done.
  await page.goto(`${origin}/#/synchronisation/elements-refuses`);
  const refused = page.getByTestId('quarantine-table');
  await expect(refused).toContainText('À relire');
  await expect(refused).toContainText('Stockage documentaire indisponible');
  await expect(refused).toContainText('ESAT FICTIF LES TILLEULS');
  await shot(page, 'reponse-cassee-a-relire');
  // The trainer removes it; read again on request, the decision lands.
  await openSandboxScreen(page, origin);
  await page.getByTestId('broken-clear').click();
  await expect(page.getByTestId('broken-list')).toContainText('Aucune réponse cassée');
  await page.goto(`${origin}/#/synchronisation/elements-refuses`);
  await refused.getByRole('button', { name: 'Relire maintenant' }).click();
  await expect(page.getByText('Aucun élément refusé.')).toBeVisible({ timeout: 60_000 });
});
