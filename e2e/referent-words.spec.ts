/**
 * The referent's screens in their words (issue 12, points 4, 7, 8, 10): Chromium runs in an English locale
 * (playwright.config.ts) and no screen may show an English word of the browser's own controls nor a US date; the
 * work list fits 1280, 1366 and 1920 px wide; forms answer in French beside the field; the dashboard's tiles open
 * the list they count. On the embedded sandbox, through the UI.
 */
import type { Page } from '@playwright/test';
import { renderDecisionCda } from '../electron/services/cda/fake';
import { SandboxAdmin } from '../electron/services/sandbox/sandbox-admin';
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import { TODAY, decisionOfCategory, expectAccessible, syncNow } from './fixtures/app-screens';

const ESAT = '010000019';
const SECOND_EG = '010000027';
const TODAY_FR = TODAY.split('-').reverse().join('/');

/** Words the browser's native controls and validation bubbles show in English. */
const ENGLISH =
  /\b(Choose files?|No file chosen|Please (enter|fill|select|match)|Value must|Select an? |Browse|Submit|Required field|Invalid date)\b|mm\/dd\/yyyy/i;

/** Every text the referent can read on the page: visible text, placeholders, tooltips, accessible names. */
async function readableText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const attrs = Array.from(document.querySelectorAll('[placeholder], [title], [aria-label]')).flatMap((el) =>
      ['placeholder', 'title', 'aria-label'].map((a) => el.getAttribute(a) ?? ''),
    );
    return [document.body.innerText, ...attrs].join('\n');
  });
}

/** No English from native controls, no native date/file control, and every dd/mm/yyyy date has a month ≤ 12. */
async function expectFrench(page: Page, where: string): Promise<void> {
  const text = await readableText(page);
  expect(text.match(ENGLISH)?.[0] ?? null, `${where} : mot anglais`).toBeNull();
  const usDates = [...text.matchAll(/\b(\d{2})\/(\d{2})\/(\d{4})\b/g)].filter((m) => Number(m[2]) > 12);
  expect(
    usDates.map((m) => m[0]),
    `${where} : date au format américain`,
  ).toEqual([]);
  expect(await page.locator('input[type="date"], input[type="file"]:not([hidden])').count(), where).toBe(0);
}

const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost();
    await use(host);
    await host.stop();
  },
});

test('every screen stays French in an English browser; the work list fits three screen sizes', async ({
  page,
  ownHost: appHost,
}) => {
  test.setTimeout(300_000);
  if (!appHost.sandbox) throw new Error('le bac à sable embarqué n’a pas démarré');
  const admin = new SandboxAdmin(appHost.sandbox.adminUrl, appHost.sandbox.adminToken);
  const origin = appHost.origin;
  expect(await page.evaluate(() => navigator.language)).toBe('en-US');

  // One decision sent to two establishments, and two more for the ESAT.
  const twoEgs = await admin.importDecision({
    cdaXml: renderDecisionCda(decisionOfCategory('11.5', ESAT, 770_001)),
    finessEgs: [ESAT, SECOND_EG],
  });
  for (const seed of [770_002, 770_003]) {
    await admin.importDecision({
      cdaXml: renderDecisionCda(decisionOfCategory('11.5', ESAT, seed)),
      finessEgs: [ESAT],
    });
  }
  await page.goto(appHost.url);
  await syncNow(page, origin);

  // Work list at three sizes: dates never cut, identifiers whole, the two-EG decision on two distinct rows.
  for (const [width, height] of [
    [1280, 720],
    [1366, 768],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(`${origin}/#/notifications`);
    await expect(page.getByTestId('worklist-row').first()).toBeVisible();
    await page.screenshot({ path: `e2e/artifacts/worklist-${width}x${height}.png` });
    await page.getByTestId('worklist-search').fill(twoEgs.idDecision);
    const rows = page.getByTestId('worklist-row');
    await expect(rows).toHaveCount(2);
    const egs = await rows.getByTestId('worklist-eg').allInnerTexts();
    expect(new Set(egs).size, 'deux établissements distincts').toBe(2);
    const cut = await page.evaluate(() =>
      Array.from(
        document.querySelectorAll(
          '[data-testid="worklist-row"] .nowrap, [data-testid="worklist-row"] .copyable-id .clip',
        ),
      )
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => el.textContent),
    );
    expect(cut, `${width}×${height} : texte coupé`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'pas de défilement horizontal').toBe(width);
    await expect(
      rows.first().getByRole('button', { name: `Copier le n° de décision ${twoEgs.idDecision}` }),
    ).toBeVisible();
    await page.getByTestId('worklist-search').fill('');
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  await expectAccessible(page, 'Notifications');
  await expectFrench(page, 'Notifications');

  // Dashboard: one count of what needs action (the unread ones inside it); its tile opens that list.
  await page.goto(`${origin}/#/tableau-de-bord`);
  const aTraiter = page.getByTestId('count-notificationsATraiter');
  // The figures of before the sync may show for a moment: wait for the fresh ones.
  await expect(page.getByTestId('count-notificationsNonLues').locator('.tile-value')).not.toHaveText('0');
  const unread = Number(await page.getByTestId('count-notificationsNonLues').locator('.tile-value').innerText());
  expect(unread).toBeGreaterThanOrEqual(4);
  const figure = await aTraiter.locator('.tile-value').innerText();
  expect(Number(figure)).toBeGreaterThanOrEqual(unread);
  await expect(page.getByTestId('new-since')).toBeVisible();
  await expectAccessible(page, 'Tableau de bord');
  await expectFrench(page, 'Tableau de bord');
  await page.screenshot({ path: 'e2e/artifacts/referent-tableau-de-bord.png', fullPage: true });
  await aTraiter.click();
  await expect(page.getByTestId('filter-a-traiter')).toBeChecked();
  await expect(page.getByTestId('worklist-count')).toHaveText(new RegExp(`^${figure} notification\\(s\\)`));

  // A notification with its action form: the date is typed jj/mm/aaaa, checked in French.
  await page.getByTestId('worklist-row').first().getByRole('link').click();
  await expect(page.getByTestId('detail-status')).toBeVisible();
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  const date = page.getByTestId('action-date');
  await expect(date).toHaveValue(TODAY_FR);
  await date.fill('31/02/2026');
  await date.blur();
  await expect(page.getByText('Date invalide : saisissez-la au format jj/mm/aaaa')).toBeVisible();
  await expect(page.getByTestId('action-confirm')).toBeDisabled();
  await date.fill(TODAY_FR);
  await expectAccessible(page, 'Détail avec action');
  await expectFrench(page, 'Détail avec action');

  // Paramètres refuses an empty form beside each field; a success then replaces the refusal, and vice versa.
  await page.goto(`${origin}/#/parametres`);
  const fhir = page.getByLabel('Adresse de l’API FHIR');
  const saved = page.getByText('Paramètres enregistrés.');
  const previous = await fhir.inputValue();
  // Paramètres has several forms: the connection's own button.
  const save = page
    .getByRole('region', { name: /^Connexion à ViaTrajectoire/ })
    .getByRole('button', { name: 'Enregistrer', exact: true });
  await fhir.fill('');
  await page.getByLabel('Adresse du service de jeton (OAuth2)').fill('pas-une-adresse');
  await save.click();
  await expect(page.getByText('Saisissez l’adresse de l’API FHIR.')).toBeVisible();
  await expect(page.getByText('Adresse invalide : elle commence par https://')).toBeVisible();
  await expect(saved).toHaveCount(0);
  await expectAccessible(page, 'Paramètres refusés');
  await expectFrench(page, 'Paramètres refusés');
  await page.screenshot({ path: 'e2e/artifacts/referent-parametres-refus.png', fullPage: true });
  await fhir.fill(previous);
  await page.getByLabel('Adresse du service de jeton (OAuth2)').fill(`${previous.replace(/\/fhir.*$/, '')}/token`);
  await save.click();
  await expect(saved).toBeVisible();
  await expect(page.getByText('Saisissez l’adresse de l’API FHIR.')).toHaveCount(0);
  await fhir.fill('');
  await save.click();
  await expect(page.getByText('Saisissez l’adresse de l’API FHIR.')).toBeVisible();
  await expect(saved).toHaveCount(0);
  await expect(page.getByText('prochain démarrage')).toHaveCount(0);

  // Units: the add form's required fields answer in French, not with the browser's bubble.
  await page.goto(`${origin}/#/unites-ror`);
  await page.getByRole('button', { name: 'Ajouter une unité' }).click();
  await page.getByRole('form', { name: 'Ajouter une unité' }).getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByText('Choisissez l’établissement.')).toBeVisible();
  await expect(page.getByText('Saisissez le nom de l’unité.')).toBeVisible();
  await expectFrench(page, 'Unités ROR');

  // Certificates: French file pickers, no native "Choose File".
  await page.goto(`${origin}/#/certificats`);
  await expect(page.getByRole('button', { name: /Choisir un fichier… Fichier du certificat/ })).toBeVisible();
  await expect(page.getByTestId('p12-file-name')).toHaveText('Aucun fichier choisi');
  await expectFrench(page, 'Certificats');

  // Every other screen, in the English browser.
  for (const [path, title] of [
    ['listes-attente', "Listes d'attente"],
    ['entites-geographiques', 'Entités géographiques'],
    ['synchronisation', 'Synchronisation'],
    ['journal', 'Journal'],
    ['raccordement', 'Raccordement'],
    ['nettoyage', 'Assistant de nettoyage'],
    ['bac-a-sable', 'Bac à sable'],
  ] as const) {
    await page.goto(`${origin}/#/${path}`);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(page.getByText('Chargement…')).toHaveCount(0);
    await expectFrench(page, title);
  }
  // The journal names what it is about, never "notification 23" or "sync_run 13".
  await page.goto(`${origin}/#/journal`);
  await expect(page.getByTestId('journal-table')).toContainText('Synchronisation du');
  await expect(page.getByTestId('journal-table')).not.toContainText(/sync_run \d|outbox \d|notification \d/);
  await expectAccessible(page, 'Journal');
});
