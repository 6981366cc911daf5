/**
 * Issue 12's points not yet walked elsewhere, through the UI on the embedded sandbox: the first steps of a new
 * environment (point 6: an empty dashboard says what to do, with links; the establishment switch reads as an action;
 * a double « Synchroniser maintenant » leaves no red « déjà en cours »), an expired decision the referent has not
 * read stays listed « à traiter » (point 5), and the smaller points 11 (the favicon answers, the focused title
 * shows no frame). The trainer imports the expired decision from the Bac à sable screen (its French file picker).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDecisionSpec, renderDecisionCda } from '../electron/services/cda/fake';
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import { TODAY, expectAccessible } from './fixtures/app-screens';

const ESAT = '010000019';

/** A fresh profile whose sandbox holds no decision yet: the dashboard is the one of a new environment. */
const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost(['--sandbox-decisions', '0']);
    await use(host);
    await host.stop();
  },
});

/** A new person's first decision for the ESAT whose validity has already ended. */
function expiredDecisionCda(): { cdaXml: string; idDecision: string } {
  for (let seed = 1; seed < 4000; seed++) {
    const spec = generateDecisionSpec(seed, {
      finessEgs: [ESAT],
      today: TODAY,
      batchSeed: 880_001,
      scenario: 'attribution',
    });
    if (spec.validity === 'expired')
      return { cdaXml: renderDecisionCda(spec), idDecision: spec.decision.decision.idDecision };
  }
  throw new Error('aucune décision expirée générée');
}

test('first steps of a new environment; an expired decision not yet read stays « à traiter »; favicon and titles', async ({
  page,
  ownHost: appHost,
}) => {
  test.setTimeout(180_000);
  const origin = appHost.origin;
  await page.goto(appHost.url);

  // Point 11: the favicon is served; a screen's title takes the focus without a frame around it.
  const favicon = await page.request.get(`${origin}/favicon.svg`);
  expect(favicon.status()).toBe(200);
  const title = page.getByRole('heading', { level: 1, name: 'Tableau de bord' });
  await expect(title).toBeFocused();
  expect(await title.evaluate((h) => getComputedStyle(h).outlineStyle)).toBe('none');

  // Point 6: the empty dashboard says what to do next, in order, each step a link.
  const steps = page.getByTestId('first-steps');
  await expect(steps).toContainText('Aucune notification pour l’instant');
  for (const [label, href] of [
    ['Importer le certificat de votre entité juridique', '#/certificats'],
    ['Tester la connexion à ViaTrajectoire', '#/parametres'],
    ['Activer vos établissements', '#/entites-geographiques'],
    ['Synchroniser', '#/synchronisation'],
  ] as const) {
    await expect(steps.getByRole('link', { name: label, exact: true })).toHaveAttribute('href', href);
  }
  await expectAccessible(page, 'Tableau de bord vide');
  await page.screenshot({ path: 'e2e/artifacts/referent-day-premiers-pas.png', fullPage: true });

  // The establishments' switch reads as an action, not as a status.
  await steps.getByRole('link', { name: 'Activer vos établissements' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Entités géographiques' })).toBeVisible();

  // Point 5: the trainer imports, from the Bac à sable screen, a decision whose validity has already ended.
  const expired = expiredDecisionCda();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'referent-day-cda-')), 'decision-expiree.xml');
  fs.writeFileSync(file, expired.cdaXml);
  await page.goto(`${origin}/#/bac-a-sable`);
  await expect(page.getByRole('heading', { level: 1, name: 'Bac à sable' })).toBeVisible();
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-file-name')).toHaveText('decision-expiree.xml');
  await page
    .getByRole('group', { name: 'Établissements destinataires' })
    .getByLabel('ESAT FICTIF LES TILLEULS')
    .check();
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  await expect(page.getByTestId('import-done')).toContainText(`Décision ${expired.idDecision} importée`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });

  // Point 7: « Synchroniser maintenant » clicked twice: one run, its result, no red « déjà en cours » left.
  await page.goto(`${origin}/#/synchronisation`);
  const syncButton = page.getByRole('button', { name: 'Synchroniser maintenant' });
  await syncButton.dblclick();
  await expect(page.getByTestId('sync-result')).toContainText('Synchronisation terminée (succès)', { timeout: 60_000 });
  await expect(page.getByText('Une synchronisation est déjà en cours')).toHaveCount(0);
  await expect(page.getByTestId('sync-history').locator('tbody tr')).toHaveCount(1);

  // The establishments ViaTrajectoire listed: each with its switch, worded as what it does.
  await page.goto(`${origin}/#/entites-geographiques`);
  await expect(page.getByTestId('eg-card').first()).toBeVisible();
  await expect(
    page.getByTestId('eg-card').first().getByRole('button', { name: 'Désactiver la synchronisation' }),
  ).toBeVisible();

  // The expired decision, never read, is listed and « à traiter » — not masked as a finished file.
  await page.goto(`${origin}/#/notifications`);
  await page.getByTestId('worklist-search').fill(expired.idDecision);
  const row = page.getByTestId('worklist-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(expired.idDecision);
  await expect(row).toContainText('À traiter');
  await expect(page.getByTestId('worklist-count')).toHaveText(/^1 notification\(s\)/);
  await expectAccessible(page, 'Notifications avec une décision expirée');
  await page.screenshot({ path: 'e2e/artifacts/referent-day-expiree-a-traiter.png', fullPage: true });
});
