/**
 * Issue 4 end to end: the referent configures the local sandbox through Paramètres, imports the CA and the legal
 * entity's .p12 through Certificats, tests the connection (every step green), is refused the expired certificate,
 * and no secret (the .p12 password, the client secret, the private key) ever shows up on disk in clear, in the
 * logs, in the page or in what main sends to the renderer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Page } from '@playwright/test';
import { expectAccessible } from './fixtures/app-screens';
import { expect, startAppHost, test, type AppHost } from './fixtures/app-host';

interface SandboxInfo {
  fhirBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  caBundlePem: string;
  finessEj: string;
  client: { p12Path: string; password: string };
  clientKeyPkcs8Pem: string;
  expired: { p12Path: string; password: string };
}

// The embedded sandbox is not yet started by the app's bootstrap: the test starts one and configures it in the UI.
let sandboxProcess: ChildProcess | undefined;
let sandboxDir = '';
let sandbox: SandboxInfo;
let host: AppHost & { stop: () => Promise<void> };
/** Every answer main gave the renderer during the session (bodies of /api/invoke/*). */
const rendererResponses: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-e2e-sandbox-'));
  sandboxProcess = spawn(process.execPath, ['--import', 'tsx', 'e2e/fixtures/certificates-sandbox.ts', sandboxDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: sandboxProcess.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    sandboxProcess!.once('exit', (code) => reject(new Error(`Le bac à sable s'est arrêté (code ${code})`)));
  });
  sandbox = JSON.parse(first) as SandboxInfo;
  // A connection configured by hand through the UI: the embedded sandbox must not configure one first.
  host = await startAppHost(['--no-embedded-sandbox']);
});

test.afterAll(async () => {
  // A host that crashed has already exited: don't wait forever for its exit event.
  await Promise.race([host?.stop(), new Promise((r) => setTimeout(r, 5_000))]);
  if (sandboxProcess) {
    sandboxProcess.kill('SIGTERM');
    await new Promise((r) => sandboxProcess!.once('exit', r));
  }
  fs.rmSync(sandboxDir, { recursive: true, force: true });
});

function recordResponses(page: Page): void {
  page.on('response', async (response) => {
    if (!response.url().includes('/api/')) return;
    try {
      rendererResponses.push(await response.text());
    } catch {
      // streamed events: read through the DOM instead
    }
  });
}

async function openSection(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Navigation principale' })
    .getByRole('link', { name: label, exact: true })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible();
}

test('imports the .p12 with its password, shows its details, tests the connection (all green) and refuses the expired certificate', async ({
  page,
}) => {
  recordResponses(page);
  await page.goto(host.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();

  // Paramètres: the sandbox's URLs and OAuth2 client, as ViaTrajectoire would give them.
  await openSection(page, 'Paramètres');
  await expect(page.getByTestId('session-environment')).toHaveText('Bac à sable local');
  await page.getByLabel('Adresse de l’API FHIR').fill(sandbox.fhirBaseUrl);
  await page.getByLabel('Adresse du service de jeton (OAuth2)').fill(sandbox.tokenUrl);
  await page.getByLabel('Identifiant client (client_id)').fill(sandbox.clientId);
  await page.getByLabel('Secret client (client_secret)').fill(sandbox.clientSecret);
  // Paramètres has several forms: save the connection's own.
  await page
    .getByRole('region', { name: /^Connexion à ViaTrajectoire/ })
    .getByRole('button', { name: 'Enregistrer', exact: true })
    .click();
  await expect(page.getByText('Paramètres enregistrés.')).toBeVisible();
  await expect(page.getByTestId('client-secret-state')).toHaveText('enregistré');
  await expect(page.getByLabel('Secret client (client_secret)')).toHaveValue('');

  // Certificats: the test CA, then the EJ's .p12 with its password.
  await openSection(page, 'Certificats');
  await page.getByTestId('anchor-file').setInputFiles({
    name: 'ac-test.pem',
    mimeType: 'application/x-pem-file',
    buffer: Buffer.from(sandbox.caBundlePem),
  });
  await expect(page.getByTestId('trust-anchors')).toContainText('TEST AC RACINE IGC-SANTE ELEMENTAIRE');
  await page.getByTestId('p12-file').setInputFiles(sandbox.client.p12Path);
  await page.getByTestId('p12-password').fill(sandbox.client.password);
  await page.getByLabel('Mémoriser le mot de passe (chiffré sur cet ordinateur)').check();
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  const card = page.getByTestId('certificate-card');
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId('certificate-finess')).toHaveText(sandbox.finessEj);
  await expect(card).toContainText('TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS');
  await expect(card).toContainText('authentification client (TLS)');
  await expect(card).toContainText('Utilisé pour la connexion');
  await expect(card.getByTestId('expiry-badge')).toContainText('Valide');
  await expect(card.getByTestId('certificate-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await expect(page.getByTestId('p12-password')).toHaveValue('');
  await expectAccessible(page, 'Certificats');
  await page.screenshot({ path: 'e2e/artifacts/certificates-imported.png', fullPage: true });

  // Tester la connexion: certificate → TLS → token → one search per EG, every step green with its duration.
  await openSection(page, 'Paramètres');
  await page.getByRole('button', { name: 'Tester la connexion' }).click();
  await expect(page.getByTestId('check-summary')).toContainText('Connexion réussie', { timeout: 30_000 });
  const steps = page.getByTestId('check-step');
  expect(await steps.count()).toBeGreaterThanOrEqual(4);
  for (const step of await steps.all()) {
    await expect(step).toHaveAttribute('data-status', 'ok');
    await expect(step).toContainText(/\d+ ms/);
  }
  await expect(page.getByTestId('check-steps')).toContainText('Jeton d’accès (OAuth2)');
  await expect(page.getByTestId('check-steps')).toContainText('Recherche de décisions pour l’EG');
  await expectAccessible(page, 'Paramètres');
  // The content pane scrolls by itself: bring the steps into view for the screenshot.
  await page.getByTestId('check-steps').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/artifacts/certificates-connection-check.png', fullPage: true });

  // The expired certificate is refused at import with its own message.
  await openSection(page, 'Certificats');
  await page.getByTestId('p12-file').setInputFiles(sandbox.expired.p12Path);
  await page.getByTestId('p12-password').fill(sandbox.expired.password);
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'expiré' })).toBeVisible();
  await expect(page.getByTestId('certificate-card')).toHaveCount(1);
  await expectAccessible(page, 'Certificats (erreur)');
  await page.screenshot({ path: 'e2e/artifacts/certificates-expired-refused.png', fullPage: true });

  // A wrong password has its own message too.
  await page.getByTestId('p12-file').setInputFiles(sandbox.client.p12Path);
  await page.getByTestId('p12-password').fill('pas-le-bon-mot-de-passe');
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Le mot de passe du certificat est incorrect.' }),
  ).toBeVisible();

  // Deletion asks for confirmation first.
  await card.getByRole('button', { name: 'Supprimer…' }).click();
  await expect(card.getByRole('alertdialog', { name: 'Confirmer la suppression' })).toBeVisible();
  await card.getByRole('button', { name: 'Annuler' }).click();
  await expect(page.getByTestId('certificate-card')).toHaveCount(1);

  // The journal has the actions, successes and failures, without their secrets.
  await openSection(page, 'Journal');
  const journal = page.getByTestId('journal-table');
  await expect(journal).toContainText('Import d’un certificat');
  await expect(journal).toContainText('CERT_EXPIRED');
  await expect(journal).toContainText('Test de la connexion');
  await expect(journal).toContainText('Modification des paramètres de connexion');
});

test('no secret in the data folder (database, secrets, registry, logs), the page or the answers main sent', async ({
  page,
}) => {
  recordResponses(page);
  await page.goto(host.url);
  await openSection(page, 'Certificats');
  await expect(page.getByTestId('certificate-card')).toHaveCount(1);
  const certificatesDom = await page.content();
  await openSection(page, 'Paramètres');
  await expect(page.getByTestId('client-secret-state')).toHaveText('enregistré');
  const settingsDom = await page.content();

  const keyBody = sandbox.clientKeyPkcs8Pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const keyDer = Buffer.from(keyBody, 'base64');
  const needles: { name: string; bytes: Buffer }[] = [
    { name: 'mot de passe du .p12', bytes: Buffer.from(sandbox.client.password) },
    { name: 'secret client', bytes: Buffer.from(sandbox.clientSecret) },
    { name: 'clé privée (PEM)', bytes: Buffer.from(keyBody.slice(100, 164)) },
    { name: 'clé privée (DER)', bytes: keyDer.subarray(keyDer.length - 64) },
  ];
  expect(sandbox.client.password.length).toBeGreaterThan(8);

  // The whole data root of the host: environments.json, the environment folder (database, secrets, registry, logs).
  const dataRoot = path.dirname(host.dataDir);
  const files = listFiles(dataRoot);
  expect(files.some((f) => f.endsWith('referent-vt.db'))).toBe(true);
  expect(files.some((f) => f.includes(`${path.sep}logs${path.sep}`))).toBe(true);
  expect(files.some((f) => f.endsWith('secrets.json'))).toBe(true);
  expect(files.some((f) => f.endsWith('.p12.enc'))).toBe(true);
  for (const file of files) {
    const content = fs.readFileSync(file);
    for (const needle of needles) {
      expect(content.includes(needle.bytes), `${needle.name} dans ${path.relative(dataRoot, file)}`).toBe(false);
    }
  }

  expect(rendererResponses.length).toBeGreaterThan(10);
  const seenByRenderer = [certificatesDom, settingsDom, ...rendererResponses];
  for (const text of seenByRenderer) {
    for (const needle of needles) {
      expect(text.includes(needle.bytes.toString('latin1')), `${needle.name} vu par le rendu`).toBe(false);
    }
  }
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : entry.isFile() ? [full] : [];
  });
}
