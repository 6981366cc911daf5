/**
 * Issue 12, points 2 and 3, on the embedded sandbox through the UI: a confirmed status leaves at once (no
 * "Synchroniser maintenant") and the screen says ViaTrajectoire accepted it; an entry into one unit proposes to close
 * the person's other open line (the referent can untick it), and so does a refusal because admitted elsewhere; the
 * dashboard and the waiting lists stop counting the closed inscriptions.
 */
import type { Page } from '@playwright/test';
import { renderDecisionCda } from '../electron/services/cda/fake';
import { readStatusReport } from '../electron/services/fhir';
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

const ESAT = '010000019';
const UNIT_1 = 'Atelier conditionnement';
const UNIT_2 = 'Atelier espaces verts';

const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost();
    await use(host);
    await host.stop();
  },
});

/** Chooses an action and its unit (and motif), waits for the preview to hold `previewLines`. */
async function prepare(page: Page, action: string, unit: string | null, previewLines: string[], motif?: string) {
  await page.getByRole('button', { name: action }).click();
  if (unit) {
    const unitSelect = page.getByTestId('action-unit');
    if ((await unitSelect.inputValue()) === '') await unitSelect.selectOption({ label: unit });
  }
  if (motif) await page.getByTestId('action-motif').selectOption({ value: motif });
  await expectPreviewInWords(page, previewLines);
}

/** Confirms, then waits — without any sync — for the message saying ViaTrajectoire accepted the statuses. */
async function confirmAndSeeSent(page: Page): Promise<void> {
  await page.getByTestId('action-confirm').click();
  await expect(page.getByTestId('action-done')).toHaveAttribute('data-transmission', 'envoye', { timeout: 20_000 });
  await expect(page.getByTestId('action-done')).toContainText('ViaTrajectoire l’a accepté');
}

async function waitingCount(page: Page, origin: string): Promise<string> {
  await page.goto(`${origin}/#/tableau-de-bord`);
  // Shown again, the dashboard holds its last figures until it has read the new ones.
  await expect(page.getByTestId('tiles')).toHaveAttribute('aria-busy', 'false');
  const tile = page.getByTestId('count-waitingListEntries').locator('.tile-value');
  return (await tile.textContent()) ?? '';
}

test('statuses leave at once; entry and refusal-after-admission-elsewhere close the other lines', async ({
  page,
  ownHost: appHost,
}) => {
  test.setTimeout(150_000);
  if (!appHost.sandbox) throw new Error('le bac à sable embarqué n’a pas démarré');
  const admin = new SandboxAdmin(appHost.sandbox.adminUrl, appHost.sandbox.adminToken);
  const origin = appHost.origin;
  const specA = decisionOfCategory('11.5', ESAT, 990_001);
  const specB = decisionOfCategory('11.5', ESAT, 990_002);
  const a = await admin.importDecision({ cdaXml: renderDecisionCda(specA), finessEgs: [ESAT] });
  const b = await admin.importDecision({ cdaXml: renderDecisionCda(specB), finessEgs: [ESAT] });
  await page.goto(appHost.url);
  await syncNow(page, origin);
  const syncRuns = await page.getByTestId('sync-history').locator('tbody tr').count();
  const before = Number(await waitingCount(page, origin));

  // Send at once: the first status is accepted by ViaTrajectoire within seconds, no sync asked.
  await openNotification(page, origin, a.idDecision);
  await prepare(page, "Demande d'admission reçue", UNIT_1, [STATUS_WORDS.unit182]);
  await confirmAndSeeSent(page);
  await expect(page.getByTestId('timeline')).toContainText('envoyé');
  await expect(page.getByTestId('timeline')).not.toContainText('en attente');
  const first = (await admin.receivedTasks()).filter((t) => t.idNatDecision === a.idNatDecision);
  expect(first.map((t) => readStatusReport(t.resource).statutUnite)).toEqual(['182']);

  // Admitted in two units.
  await prepare(page, "Demande d'admission reçue", UNIT_2, [STATUS_WORDS.unit182]);
  await confirmAndSeeSent(page);
  await prepare(page, "Prononcer l'admission (proposition d'admission)", UNIT_1, [STATUS_WORDS.unit184]);
  await confirmAndSeeSent(page);
  await prepare(page, "Prononcer l'admission (proposition d'admission)", UNIT_2, [STATUS_WORDS.unit184]);
  await confirmAndSeeSent(page);
  expect(Number(await waitingCount(page, origin))).toBe(before + 2);

  // Entry into unit 1: the preview proposes to close unit 2 (180, motif 100); unticked, it is left open.
  await openNotification(page, origin, a.idDecision);
  await prepare(page, "Entrée de l'usager", UNIT_1, [
    STATUS_WORDS.unit186,
    `Unité « ${UNIT_2} » : ${STATUS_WORDS.unit180}`,
  ]);
  const closable = page.getByTestId('closable-lines');
  await expect(closable).toContainText(UNIT_2);
  await expect(closable).toContainText(`${STATUS_WORDS.unit180}, motif « Volonté de l'usager »`);
  await expect(closable).not.toContainText(/motif \d/);
  await expectAccessible(page, 'Entrée avec inscriptions à clore');
  await page.screenshot({ path: 'e2e/artifacts/proposals-entree-clore.png', fullPage: true });
  const box = closable.getByRole('checkbox', { name: new RegExp(UNIT_2) });
  await expect(box).toBeChecked();
  await box.uncheck();
  await expect(page.getByTestId('action-preview')).not.toContainText(`Unité « ${UNIT_2} » : ${STATUS_WORDS.unit180}`);
  await box.check();
  await expect(page.getByTestId('action-preview')).toContainText(`Unité « ${UNIT_2} » : ${STATUS_WORDS.unit180}`);
  await confirmAndSeeSent(page);
  const lines = page.getByTestId('unit-lines');
  await expect(lines).toContainText(`${UNIT_1} : Usager pris en charge`);
  await expect(lines).toContainText(`${UNIT_2} : Retiré de la liste d'attente`);
  const closed = (await admin.receivedTasks())
    .filter((t) => t.idNatDecision === a.idNatDecision)
    .map((t) => readStatusReport(t.resource))
    .find((r) => r.statutUnite === '180');
  expect(closed).toMatchObject({ motifUnite: '100', unit: { nomUnite: UNIT_2 } });
  // The dashboard no longer counts either inscription (one entered, one closed).
  expect(Number(await waitingCount(page, origin))).toBe(before);
  await page.goto(`${origin}/#/listes-attente`);
  await expect(page.getByRole('heading', { level: 1, name: "Listes d'attente" })).toBeVisible();
  const familyA = specA.decision.person.familyNameUsed ?? specA.decision.person.familyNameBirth ?? '';
  await expect(page.getByTestId('waiting-total')).toContainText(`${before} inscription(s)`);
  await expect(page.getByTestId('waiting-unit').filter({ hasText: familyA })).toHaveCount(0);

  // A refusal because the person was admitted in another ESMS (45, motif 119) closes the open line too.
  await openNotification(page, origin, b.idDecision);
  await prepare(page, "Demande d'admission reçue", UNIT_1, [STATUS_WORDS.unit182]);
  await confirmAndSeeSent(page);
  await prepare(
    page,
    'Admission impossible',
    null,
    [STATUS_WORDS.esms45, `Unité « ${UNIT_1} » : ${STATUS_WORDS.unit180}`],
    '119',
  );
  await expect(page.getByTestId('closable-lines')).toContainText(UNIT_1);
  await confirmAndSeeSent(page);
  await expect(page.getByTestId('detail-status')).toContainText('Admission impossible');
  expect(Number(await waitingCount(page, origin))).toBe(before);

  // All of it left without a single sync run.
  await page.goto(`${origin}/#/synchronisation`);
  await expect(page.getByTestId('sync-history').locator('tbody tr')).toHaveCount(syncRuns);
});
