/**
 * The aptitude check of issue 6 on the real embedded sandbox, through the UI (browser host, Debian Chromium): the
 * MDPH side is played through the sandbox admin API, every exchange goes over mTLS by the app's sync service
 * ("Synchroniser maintenant"), and what ViaTrajectoire received is read back from the sandbox.
 */
import type { Page } from '@playwright/test';
import { renderDecisionCda } from '../electron/services/cda/fake';
import { readStatusReport, validateResource } from '../electron/services/fhir';
import { SandboxAdmin, type ImportedDecision } from '../electron/services/sandbox/sandbox-admin';
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import {
  STATUS_WORDS,
  TODAY,
  expectPreviewInWords,
  exportWaitingListsCsv,
  decisionOfCategory,
  expectAccessible,
  openNotification,
  syncNow,
} from './fixtures/app-screens';

/** The sandbox's fictive ESAT (EG of ASSOCIATION FICTIVE LES TILLEULS) and its first two ROR units. */
const ESAT = '010000019';
const UNIT_CONDITIONNEMENT = { idRor: `${ESAT}001`, name: 'Atelier conditionnement' };
const UNIT_ESPACES_VERTS = { idRor: `${ESAT}002`, name: 'Atelier espaces verts' };

const TODAY_FR = TODAY.split('-').reverse().join('/');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/artifacts/sandbox-${name}.png`, fullPage: true });
}

/** An action of the detail screen on one unit: the preview lists the statuses to send, then it is confirmed. */
async function act(page: Page, action: string, unit: string, previewLines: string[]): Promise<void> {
  await page.getByRole('button', { name: action }).click();
  const unitSelect = page.getByTestId('action-unit');
  if ((await unitSelect.inputValue()) === '') await unitSelect.selectOption({ label: unit });
  await expectPreviewInWords(page, previewLines);
  await page.getByTestId('action-confirm').click();
  // Sent at once: the message follows ViaTrajectoire's answer.
  await expect(page.getByTestId('action-done')).toHaveAttribute('data-transmission', 'envoye', { timeout: 20_000 });
}

/** A host of its own (fresh profile and sandbox): the shared worker host may hold another spec's data. */
const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost();
    await use(host);
    await host.stop();
  },
});

test('aptitude check on the embedded sandbox: notification, waiting list Task, cancellation, ESRP, CSV', async ({
  page,
  ownHost: appHost,
}) => {
  // Each action now waits for ViaTrajectoire's answer to its push.
  test.setTimeout(180_000);
  if (!appHost.sandbox) throw new Error('le bac à sable embarqué n’a pas démarré');
  const admin = new SandboxAdmin(appHost.sandbox.adminUrl, appHost.sandbox.adminToken);
  const origin = appHost.origin;

  // The MDPH notifies three decisions to the ESAT: an ESAT orientation (11.5), an ESRP one (11.1), and a third
  // one it will cancel.
  const specA = decisionOfCategory('11.5', ESAT, 880_001);
  const specB = decisionOfCategory('11.1', ESAT, 880_002);
  const specC = decisionOfCategory('11.5', ESAT, 880_003);
  const imported: ImportedDecision[] = [];
  for (const spec of [specA, specB, specC]) {
    imported.push(await admin.importDecision({ cdaXml: renderDecisionCda(spec), finessEgs: [ESAT] }));
  }
  const [a, b, c] = imported as [ImportedDecision, ImportedDecision, ImportedDecision];
  const personA = specA.decision.person;

  await page.goto(appHost.url);
  await syncNow(page, origin);
  await expectAccessible(page, 'Synchronisation');

  // 1. The imported decision is in the work list as "Notification envoyée", with its category's label.
  await page.goto(`${origin}/#/notifications`);
  await expect(page.getByTestId('worklist-row').first()).toBeVisible();
  await expectAccessible(page, 'Notifications');
  await shot(page, 'notifications');
  await page.getByTestId('worklist-search').fill(a.idDecision);
  const rowA = page.getByTestId('worklist-row');
  await expect(rowA).toHaveCount(1);
  await expect(rowA).toContainText(a.idDecision);
  await expect(rowA).toContainText('Notification envoyée');
  await expect(rowA).toContainText(personA.familyNameUsed ?? personA.familyNameBirth ?? '');
  await expect(rowA).not.toContainText('11.5');

  // 2. Placing it on a unit's waiting list: preview, confirmation, queued; the sync sends it to the sandbox.
  await openNotification(page, origin, a.idDecision);
  await expect(page.getByTestId('detail-status')).toContainText('Notification envoyée');
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  await page.getByTestId('action-unit').selectOption({ label: UNIT_CONDITIONNEMENT.name });
  await expectPreviewInWords(page, [
    STATUS_WORDS.esms42,
    `Unité « ${UNIT_CONDITIONNEMENT.name} » : ${STATUS_WORDS.unit182}`,
  ]);
  await expectAccessible(page, 'Détail avec action');
  await shot(page, 'notification-action');
  await page.getByTestId('action-confirm').click();
  await expect(page.getByTestId('action-done')).toHaveAttribute('data-transmission', 'envoye', { timeout: 20_000 });
  await expect(page.getByTestId('unit-lines')).toContainText(UNIT_CONDITIONNEMENT.name);

  // The ESRP decision and the one to be cancelled go on waiting lists too.
  await openNotification(page, origin, b.idDecision);
  await act(page, "Demande d'admission reçue", UNIT_CONDITIONNEMENT.name, [STATUS_WORDS.unit182]);
  await openNotification(page, origin, c.idDecision);
  await act(page, "Demande d'admission reçue", UNIT_ESPACES_VERTS.name, [STATUS_WORDS.unit182]);

  // Each left at once, without a sync.
  await syncNow(page, origin);
  await expect(page.getByTestId('sync-result')).toContainText(', 0 statut(s) envoyé(s)');

  // The sandbox received a valid ESMSTask for A, with the unit block.
  const tasks = await admin.receivedTasks();
  expect(tasks).toHaveLength(3);
  const taskA = tasks.find((t) => t.idNatDecision === a.idNatDecision);
  if (!taskA) throw new Error('aucune Task reçue pour la décision A');
  const validation = validateResource(taskA.resource);
  expect(validation.issues.filter((i) => i.severity === 'error')).toEqual([]);
  expect(validation.valid).toBe(true);
  const report = readStatusReport(taskA.resource);
  expect(report).toMatchObject({
    idNatStruct: `1${ESAT}`,
    idDecision: a.idDecision,
    idNatDecision: a.idNatDecision,
    statutESMS: '42',
    statutUnite: '182',
    dateStatutUnite: TODAY,
    unit: {
      idUnite: UNIT_CONDITIONNEMENT.idRor,
      nomUnite: UNIT_CONDITIONNEMENT.name,
      categorieOrganisation: '43',
      modePriseCharge: '47',
      temporaliteAccueil: '02',
      accueilSequentiel: false,
    },
  });

  // The detail's timeline now says the status was sent.
  await openNotification(page, origin, a.idDecision);
  await expect(page.getByTestId('timeline')).toContainText('envoyé');
  await expect(page.getByTestId('timeline')).not.toContainText('en attente');
  await expect(page.getByTestId('detail-status')).toContainText("Liste d'attente");
  await expectAccessible(page, 'Détail');
  await shot(page, 'notification-detail');

  // 3. The MDPH cancels C's notification (49) while it is on a waiting list: after sync it is "À traiter".
  const cancellation = await admin.cancelNotification(c.idNatDecision, { description: 'Annulation de test' });
  expect(cancellation).toHaveLength(1);
  await syncNow(page, origin);
  await page.goto(`${origin}/#/notifications`);
  await page.getByTestId('worklist-search').fill(c.idDecision);
  const rowC = page.getByTestId('worklist-row');
  await expect(rowC).toHaveCount(1);
  await expect(rowC).toContainText(c.idDecision);
  await expect(rowC).toContainText('À traiter');
  await expect(rowC).toContainText('Notification annulée');
  // « À traiter » keeps C. The sandbox's generated notifications are unread, hence à traiter too: the filter is
  // checked on each imported decision by its search (the list holds its earlier rows while it updates).
  const updated = async () => expect(page.getByTestId('worklist-count')).toHaveAttribute('aria-busy', 'false');
  await page.getByRole('checkbox', { name: 'À traiter' }).check();
  await updated();
  await expect(rowC).toHaveCount(1);
  await expect(rowC).toContainText(c.idDecision);
  for (const readOnAWaitingList of [a, b]) {
    await page.getByTestId('worklist-search').fill(readOnAWaitingList.idDecision);
    await updated();
    await expect(page.getByTestId('worklist-row')).toHaveCount(0);
  }
  await page.getByTestId('worklist-search').fill(c.idDecision);
  await updated();
  await shot(page, 'notifications-a-traiter');
  await page.getByRole('checkbox', { name: 'À traiter' }).uncheck();

  // 4. Trial period: never for the ESRP decision, offered for the ESAT one at the same step (proposal, 184).
  await openNotification(page, origin, b.idDecision);
  await act(page, "Prononcer l'admission (proposition d'admission)", UNIT_CONDITIONNEMENT.name, [STATUS_WORDS.unit184]);
  await expect(page.getByRole('button', { name: "Entrée de l'usager" })).toBeVisible();
  await expect(page.getByRole('button', { name: "Début de période d'essai" })).toHaveCount(0);
  await openNotification(page, origin, a.idDecision);
  await act(page, "Prononcer l'admission (proposition d'admission)", UNIT_CONDITIONNEMENT.name, [STATUS_WORDS.unit184]);
  await expect(page.getByRole('button', { name: "Début de période d'essai" })).toBeVisible();

  // 5. Waiting lists: A and B (proposals at "Atelier conditionnement"), not the cancelled C; the CSV says so.
  await page.goto(`${origin}/#/listes-attente`);
  await expect(page.getByRole('heading', { level: 1, name: "Listes d'attente" })).toBeVisible();
  await expect(page.getByTestId('waiting-chart')).toBeVisible();
  await expect(page.getByTestId('waiting-unit').first()).toContainText(UNIT_CONDITIONNEMENT.name);
  await expectAccessible(page, "Listes d'attente");
  await shot(page, 'listes-attente');
  // The app scrolls inside its main area: the unit's list gets a picture of its own.
  await page.getByTestId('waiting-unit').first().screenshot({ path: 'e2e/artifacts/sandbox-liste-attente-unite.png' });
  const lines = await exportWaitingListsCsv(page);
  const rows = lines.slice(1).map((l) => l.split(';'));
  expect(rows.map((r) => r[7]).sort()).toEqual([a.idDecision, b.idDecision].sort());
  const csvA = rows.find((r) => r[7] === a.idDecision) ?? [];
  expect(csvA[1]).toBe(UNIT_CONDITIONNEMENT.name);
  expect(csvA[2]).toBe(UNIT_CONDITIONNEMENT.idRor);
  expect(csvA[3]).toBe(personA.familyNameUsed ?? personA.familyNameBirth);
  expect(csvA[6]).toBe(personA.idIndividu);
  expect(csvA[9]).toBe(TODAY_FR);
  expect(csvA[10]).toBe('0');
  // The priority (caractérisation) as the MDPH worded it in the decision.
  expect(csvA[11]).toBe(specA.decision.droitPrestation?.caracterisation?.niveau?.display);
  expect(rows.find((r) => r[7] === b.idDecision)?.[12]).toMatch(/ESRP|réadaptation/i);

  // The other screens, filled with the sandbox's data.
  await page.goto(`${origin}/#/unites-ror`);
  await expect(page.getByTestId('units-table')).toContainText(UNIT_CONDITIONNEMENT.name);
  await expect(page.getByTestId('units-table')).toContainText('MAS hébergement');
  await expectAccessible(page, 'Unités ROR');
  await shot(page, 'unites-ror');
  await page.goto(`${origin}/#/entites-geographiques`);
  await expect(page.getByTestId('eg-card')).toHaveCount(3);
  await expect(page.getByTestId('eg-card').first()).toContainText('ViaTrajectoire : activé');
  await expectAccessible(page, 'Entités géographiques');
  await shot(page, 'entites-geographiques');
  await page.goto(`${origin}/#/synchronisation`);
  await page.getByLabel('Afficher aussi les envois transmis et abandonnés').check();
  await expect(page.getByTestId('outbox-table')).toContainText('Envoyé');
  await expectAccessible(page, 'Synchronisation (envois)');
  await shot(page, 'synchronisation');
  await page.goto(`${origin}/#/tableau-de-bord`);
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  await expectAccessible(page, 'Tableau de bord');
  await shot(page, 'tableau-de-bord');
});
