import { generateDecisionBatch } from '../electron/services/cda/fake';
import { SandboxAdmin } from '../electron/services/sandbox/sandbox-admin';
import { expect, startAppHost, test } from './fixtures/app-host';
import { expectAccessible, openNotification, readableOutsideTechnicalDetail, syncNow } from './fixtures/app-screens';

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
  // The first run takes in the sandbox's whole stock: give it the time a busy machine needs.
  await expect(page.getByTestId('sync-result')).toContainText('Synchronisation terminée (succès)', { timeout: 60_000 });
  await expect(page.getByTestId('sync-history')).toContainText('succès');
  await expectAccessible(page, 'Synchronisation');
  await page.screenshot({ path: 'e2e/artifacts/sandbox-synchronisation.png', fullPage: true });

  await page.getByRole('link', { name: 'Tableau de bord', exact: true }).click();
  // Shown again, the dashboard holds its figures of before the sync until it has read the new ones.
  await expect(page.getByTestId('tiles')).toHaveAttribute('aria-busy', 'false');
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

test('the person’s consent is recorded with its date, sent, and only then the MDPH evaluation shows', async ({
  page,
  appHost,
}) => {
  await page.goto(appHost.url);
  await syncNow(page, appHost.origin);
  const list = (await (
    await fetch(`${appHost.origin}/api/invoke/notifications:list`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${appHost.token}` },
      body: '{}',
    })
  ).json()) as { value: { rows: { idDecision: string }[] } };
  const idDecision = list.value.rows[0]!.idDecision;
  await openNotification(page, appHost.origin, idDecision);

  const panel = page.getByTestId('consent-evaluation');
  await expect(panel).toContainText('n’est transmise qu’avec l’accord de la personne');
  await expect(page.getByTestId('evaluation')).toHaveCount(0);
  await panel.getByLabel('Date de recueil de l’accord').fill('02/11/2026');
  await panel.getByRole('button', { name: 'Enregistrer l’accord' }).click();
  await expect(panel).toContainText('recueilli le 02/11/2026');

  await syncNow(page, appHost.origin);
  await openNotification(page, appHost.origin, idDecision);
  await expect(page.getByTestId('evaluation')).toContainText('Évaluation mise à jour le');
  await expectAccessible(page, 'fiche avec évaluation');
  await page.screenshot({ path: 'e2e/artifacts/sandbox-evaluation.png', fullPage: true });
});

test('a decision ViaTrajectoire answers with an error is listed « à relire » from the dashboard, then read again on request', async ({
  page,
  appHost,
}) => {
  // Three syncs, one started in the background by « Relire maintenant »: room for a busy machine.
  test.setTimeout(180_000);
  const admin = new SandboxAdmin(appHost.sandbox!.adminUrl, appHost.sandbox!.adminToken);
  await page.goto(appHost.url);
  await syncNow(page, appHost.origin);

  const [fake] = generateDecisionBatch({ seed: 910, count: 1, finessEgs: ['010000019'], today: '2026-11-02' });
  const imported = await admin.importDecision({ cdaXml: fake!.cdaXml, finessEgs: ['010000019'] });
  await admin.setRawAnswer({
    target: 'read',
    resourceType: 'DocumentReference',
    id: imported.id,
    status: 200,
    contentType: 'application/fhir+json',
    body: JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient', diagnostics: 'Stockage documentaire indisponible' }],
    }),
  });
  await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
  await expect(page.getByTestId('sync-result')).toContainText(
    'Synchronisation terminée (succès avec anomalies (0 en quarantaine, 1 à relire))',
    { timeout: 60_000 },
  );

  await page.getByRole('link', { name: 'Tableau de bord', exact: true }).click();
  await page.getByTestId('count-quarantined').click();
  await expect(page).toHaveURL(/#\/synchronisation\/elements-refuses$/);
  const row = page.getByTestId(`refused-${imported.id}`);
  await expect(row).toContainText('À relire');
  await expect(row).toContainText('reponse-operationoutcome');
  await expect(row).toContainText('Stockage documentaire indisponible');
  await expect(row.getByRole('button', { name: 'Importer quand même' })).toHaveCount(0);
  await expectAccessible(page, 'Synchronisation, éléments refusés');
  await page.screenshot({ path: 'e2e/artifacts/sandbox-elements-refuses.png', fullPage: true });

  await admin.clearRawAnswers();
  await row.getByRole('button', { name: 'Relire maintenant' }).click();
  await expect(page.getByTestId(`refused-${imported.id}`)).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByText('Aucun élément refusé.')).toBeVisible();
});

test('a sync refused for want of a certificate is in the history with its French reason, and in the journal', async ({
  page,
}) => {
  // A host of its own: the certificate removed here must not be missing for the other tests of this file.
  const host = await startAppHost();
  try {
    await page.goto(host.url);
    await page.getByRole('link', { name: 'Certificats', exact: true }).click();
    const card = page.getByTestId('certificate-card');
    await expect(card).toHaveCount(1);
    await card.getByRole('button', { name: 'Supprimer…' }).click();
    await card.getByRole('button', { name: 'Confirmer la suppression' }).click();
    await expect(page.getByTestId('certificate-card')).toHaveCount(0);

    await page.getByRole('link', { name: 'Synchronisation', exact: true }).click();
    await expect(page.getByText('Aucune synchronisation pour l’instant.')).toBeVisible();
    await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
    const row = page.getByTestId('sync-history').locator('tbody tr').first();
    await expect(row).toContainText('refusée');
    const reason = (await row.locator('td').last().innerText()).trim();
    expect(reason).toMatch(/^(Aucun certificat n’est choisi|Ce certificat n’est plus dans la liste)/);
    // The way out is offered beside the reason.
    await expect(row.getByRole('link', { name: 'Certificats' })).toBeVisible();
    // The refusal on screen says the same, in French, its code only in the « détail technique ».
    await expect(page.getByRole('alert')).toContainText(reason.split(' ')[0] ?? '');
    await expectAccessible(page, 'Synchronisation refusée');
    await page.screenshot({ path: 'e2e/artifacts/synchronisation-refusee.png', fullPage: true });

    await page.getByRole('link', { name: 'Journal', exact: true }).click();
    const refused = page
      .getByTestId('journal-table')
      .locator('tbody tr')
      .filter({ hasText: 'Synchronisation refusée' });
    await expect(refused).toHaveCount(1);
    await expect(refused).toContainText(reason.replace(/\s*Certificats · Paramètres$/, ''));
    await expect(refused.getByRole('link', { name: /^Synchronisation du / })).toBeVisible();
    expect(await readableOutsideTechnicalDetail(page, 'journal-table')).not.toContain('CERT_NOT_FOUND');
    await refused.getByText('Détail technique').click();
    await expect(refused).toContainText('CERT_NOT_FOUND');
  } finally {
    await host.stop();
  }
});
