/**
 * Issue 7's criterion on the browser host (Debian Chromium): the whole onboarding on the embedded sandbox from a
 * fresh profile until every check of the Raccordement screen is green, then the report's content; and the reprise
 * preview and cleanup screens. The sandbox admin API plays the MDPH (one decision notified to the ESAT) and tells
 * which Task ViaTrajectoire received.
 */
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { renderDecisionCda } from '../electron/services/cda/fake';
import { extractPdfText } from '../electron/services/onboarding/testing/pdf-text';
import { SandboxAdmin } from '../electron/services/sandbox/sandbox-admin';
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import {
  STATUS_WORDS,
  decisionOfCategory,
  expectAccessible,
  expectPreviewInWords,
  openNotification,
  syncNow,
} from './fixtures/app-screens';

/** A host of its own for each test: a fresh profile and a fresh sandbox. */
const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost();
    await use(host);
    await host.stop();
  },
});

/** The sandbox's fictive organisation (electron/services/sandbox/README.md). */
const EJ = { finess: '010000001', name: 'ASSOCIATION FICTIVE LES TILLEULS' };
const ESAT = '010000019';
const ESAT_NAME = 'ESAT FICTIF LES TILLEULS';
const EGS = [
  [ESAT, ESAT_NAME],
  ['010000027', 'IME FICTIF LES PEUPLIERS'],
  ['010000035', 'FAM-MAS FICTIF LES CHENES'],
] as const;

/** Checks in the screen's order, each with the section its fix link opens. */
const CHECKS = [
  ['certificat', 'certificats', 'Certificat IGC-Santé valide de l’entité juridique'],
  ['identifiants-client', 'parametres', 'client_id et secret renseignés'],
  ['activation-ej', 'parametres', 'Entité juridique activée par ViaTrajectoire (jeton obtenu)'],
  ['activation-eg', 'entites-geographiques', 'Chaque entité géographique activée par le référent'],
  ['profil-pilote', 'entites-geographiques', 'Profil pilote : au moins deux EG dont un ESAT'],
  ['unites-ror', 'unites-ror', 'Unités ROR reprises avec leurs cinq champs'],
  [
    'premiere-notification',
    'synchronisation',
    'Première notification reçue et dans la liste de travail (« Notification envoyée »)',
  ],
  ['statut-liste-attente', 'notifications', "Statuts de liste d'attente : un statut envoyé et accepté"],
] as const;
type CheckId = (typeof CHECKS)[number][0];

async function openRaccordement(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/#/raccordement`);
  await expect(page.getByRole('heading', { level: 1, name: 'Raccordement' })).toBeVisible();
  await expect(page.getByTestId('onboarding-checklist')).toBeVisible();
  // The screen may show a checklist computed a few seconds ago: ask for the current state, as the referent would.
  await page.getByRole('button', { name: 'Vérifier à nouveau' }).click();
}

async function expectChecks(page: Page, green: readonly CheckId[]): Promise<void> {
  for (const [id, section] of CHECKS) {
    const item = page.getByTestId(`check-${id}`);
    if (green.includes(id)) {
      await expect(item, id).toHaveAttribute('data-status', 'ok');
      await expect(item.getByRole('link')).toHaveCount(0);
    } else {
      await expect(item, id).toHaveAttribute('data-status', 'a-faire');
      await expect(item.locator(`a[href="#/${section}"]`)).toBeVisible();
    }
  }
}

test('the whole onboarding on the embedded sandbox, from a fresh profile to every check green, and its report', async ({
  page,
  ownHost: appHost,
}) => {
  test.setTimeout(100_000);
  if (!appHost.sandbox) throw new Error('le bac à sable embarqué n’a pas démarré');
  const admin = new SandboxAdmin(appHost.sandbox.adminUrl, appHost.sandbox.adminToken);
  const origin = appHost.origin;
  // The MDPH notifies a first decision (ESAT orientation) to the ESAT for the session.
  const first = await admin.importDecision({
    cdaXml: renderDecisionCda(decisionOfCategory('11.5', ESAT, 990_001)),
    finessEgs: [ESAT],
  });

  // A fresh profile on the embedded sandbox: the certificate and client credentials are set up automatically;
  // everything that needs ViaTrajectoire is still to do, each with the link that fixes it.
  await page.goto(appHost.url);
  await page.getByRole('link', { name: 'Raccordement' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Raccordement' })).toBeVisible();
  await expect(page.getByTestId('onboarding-summary')).toContainText('Raccordement incomplet');
  await expectChecks(page, ['certificat', 'identifiants-client']);
  await expect(page.getByTestId('check-certificat')).toContainText(`FINESS EJ ${EJ.finess}`);
  await expect(page.getByTestId('check-certificat')).toContainText('TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS');
  await expect(page.getByTestId('check-identifiants-client')).toContainText('client_id : referent-vt-editeur');
  await expect(page.getByTestId('check-identifiants-client')).toContainText('Secret client enregistré (non affiché)');
  await expectAccessible(page, 'Raccordement (profil neuf)');
  await page.screenshot({ path: 'e2e/artifacts/onboarding-raccordement-debut.png', fullPage: true });

  // Token, EGs, ROR units and the first notifications: the fix link leads to the sync.
  await page.getByTestId('check-premiere-notification').getByRole('link').click();
  await syncNow(page, origin);
  await openRaccordement(page, origin);
  await expectChecks(page, [
    'certificat',
    'identifiants-client',
    'activation-ej',
    'activation-eg',
    'profil-pilote',
    'unites-ror',
    'premiere-notification',
  ]);
  await expect(page.getByTestId('check-activation-ej')).toContainText(
    `EJ ${EJ.name} (FINESS ${EJ.finess}) ; 3 EG listée(s) dans le jeton : ${EGS.map(([finess, name]) => `${name} (FINESS ${finess})`).join(', ')}`,
  );
  for (const [finess, name] of EGS)
    await expect(page.getByTestId('check-activation-eg')).toContainText(`EG ${name} (FINESS ${finess}) : activée`);
  await expect(page.getByTestId('check-profil-pilote')).toContainText('3 EG active(s) des deux côtés');
  await expect(page.getByTestId('check-profil-pilote')).toContainText(
    `ESAT : ${ESAT_NAME} (FINESS ${ESAT}) : 3 unité(s) ROR « Unité d'aide par le travail (ESAT) »`,
  );
  await expect(page.getByTestId('check-unites-ror')).toContainText(`EG ${ESAT_NAME} (FINESS ${ESAT}) : 3 unité(s) ROR`);
  await expect(page.getByTestId('check-unites-ror')).toContainText('Tous les champs présents');
  await expect(page.getByTestId('check-premiere-notification')).toContainText(/\d+ notification\(s\) reçue\(s\)/);
  await expect(page.getByTestId('check-statut-liste-attente')).toContainText('Aucun statut accepté');

  // What those checks rest on, as the referent sees it: EGs activated on both sides, units with their fields.
  await page.getByRole('navigation').getByRole('link', { name: 'Entités géographiques' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Entités géographiques' })).toBeVisible();
  await expect(page.getByTestId('eg-card')).toHaveCount(3);
  for (const card of await page.getByTestId('eg-card').all()) {
    await expect(card).toContainText('ViaTrajectoire : activé');
    await expect(card).toContainText('Référent VT : activé');
    await expect(card.getByRole('button', { name: 'Désactiver la synchronisation' })).toBeVisible();
  }
  await page.getByRole('navigation').getByRole('link', { name: 'Unités ROR' }).click();
  await expect(page.getByTestId('units-table')).toContainText('Atelier conditionnement');

  // One waiting-list status: the fix link leads to the work list; the first notification is placed on an ESAT
  // unit's waiting list, then synced.
  await openRaccordement(page, origin);
  await page.getByTestId('check-statut-liste-attente').getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await openNotification(page, origin, first.idDecision);
  await expect(page.getByTestId('detail-status')).toContainText('Notification envoyée');
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  await page.getByTestId('action-unit').selectOption({ label: 'Atelier conditionnement' });
  await expectPreviewInWords(page, [STATUS_WORDS.unit182]);
  await page.getByTestId('action-confirm').click();
  // The status leaves at once, without waiting for a sync.
  await expect(page.getByTestId('action-done')).toHaveAttribute('data-transmission', 'envoye', { timeout: 20_000 });
  await syncNow(page, origin);
  const tasks = await admin.receivedTasks();
  expect(tasks).toHaveLength(1);
  const taskId = tasks[0]?.id ?? '';
  expect(tasks[0]?.idNatDecision).toBe(first.idNatDecision);

  // Every check is green.
  await openRaccordement(page, origin);
  await expect(page.getByTestId('onboarding-summary')).toHaveText(
    'Raccordement complet : toutes les vérifications sont réussies.',
  );
  await expectChecks(
    page,
    CHECKS.map(([id]) => id),
  );
  await expect(page.getByTestId('check-statut-liste-attente')).toContainText(
    new RegExp(`Statut accepté par ViaTrajectoire le .* \\(référence ${taskId}\\)`),
  );
  await expect(page.getByTestId('check-statut-liste-attente')).toContainText(
    "« Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS », « Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'unité »",
  );
  await expectAccessible(page, 'Raccordement (complet)');
  await page.screenshot({ path: 'e2e/artifacts/onboarding-raccordement-complet.png', fullPage: true });

  // The report: a PDF whose text says it all, in French.
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Générer le rapport' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^rapport-raccordement-\d{4}-\d{2}-\d{2}\.pdf$/);
  const bytes = fs.readFileSync(await download.path());
  const pdf = await PDFDocument.load(bytes);
  expect(pdf.getTitle()).toBe('Rapport de raccordement ViaTrajectoire');
  expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);
  // Long lines wrap at word boundaries: rejoin them to read sentences.
  const text = (await extractPdfText(bytes)).join(' ').replace(/\s+/g, ' ');
  expect(text).toContain('Référent VT — environnement : Bac à sable local');
  expect(text).toMatch(/Établi le \d{2}\/\d{2}\/\d{4} à \d{2}:\d{2}/);
  expect(text).toContain('Résultat : toutes les vérifications sont réussies.');
  expect(text).toContain(`FINESS EJ ${EJ.finess} — ${EJ.name}`);
  for (const [eg] of EGS) {
    expect(text).toMatch(new RegExp(`FINESS EG ${eg} — .*activée par ViaTrajectoire, activée par le référent`));
  }
  expect(text).toContain(`FINESS EG ${ESAT} — `);
  expect(text).toMatch(new RegExp(`FINESS EG ${ESAT} — [^:]*\\(ESAT\\) : activée`));
  CHECKS.forEach(([, , label], i) => expect(text).toContain(`${i + 1}. ${label} : RÉUSSI`));
  expect(text).not.toContain('À FAIRE');
  expect(text).not.toContain('Action :');
  expect(text).toContain(`(référence ${taskId})`);
  expect(text).toContain(`FINESS EJ ${EJ.finess}`);
  expect(text).toContain('Tous les champs présents');
});

test('reprise: the preview explains each line; cleanup: findings per kind and a configurable threshold', async ({
  page,
  ownHost: appHost,
}) => {
  await page.goto(appHost.url);
  await page.getByRole('link', { name: 'Raccordement' }).click();
  await page
    .getByTestId('reprise-csv')
    .fill(
      'identifiant;situation;unite;date;motif;accord\nDEC-FICTIVE-1;attente;ROR-INCONNUE;2024-11-04;;\nX;quoi;U;2024;;',
    );
  await page.getByRole('button', { name: 'Prévisualiser' }).click();
  const preview = page.getByTestId('reprise-preview');
  await expect(preview).toContainText('0 à envoyer');
  await expect(preview.locator('tr[data-outcome="impossible"]')).toContainText('Unité ROR inconnue');
  await expect(preview.locator('tr[data-outcome="erreur"]')).toContainText('Ligne 3');
  await expect(page.getByRole('button', { name: 'Envoyer les statuts' })).toBeDisabled();

  await page.getByRole('link', { name: 'Assistant de nettoyage' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Assistant de nettoyage' })).toBeVisible();
  for (const kind of ['doublon', 'notification-expiree', 'liste-attente-perimee']) {
    await expect(page.getByTestId(`cleanup-${kind}`)).toContainText('Rien à signaler');
  }
  const threshold = page.getByLabel('Seuil « sans nouvelle » (jours)');
  await expect(threshold).toHaveValue('180');
  await threshold.fill('90');
  await page.getByRole('button', { name: 'Appliquer' }).click();
  await page.reload();
  await page.getByRole('link', { name: 'Assistant de nettoyage' }).click();
  await expect(page.getByLabel('Seuil « sans nouvelle » (jours)')).toHaveValue('90');
});
