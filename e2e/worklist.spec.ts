/**
 * The referent's screens end to end, on the browser host. The host does not start the embedded sandbox yet, so the
 * work load is seeded into its database (generated fakes, electron/services/worklist/testing) and the MDPH's
 * cancellation is written the way the sync's flux 5 pull writes it. What the app would send is checked in the outbox:
 * a queued Task has passed the ESMSTask profile validation (enqueueStatusReport refuses an invalid one).
 */
import type { Page } from '@playwright/test';
import { STATUS_WORDS, expectAccessible, expectPreviewInWords, exportWaitingListsCsv } from './fixtures/app-screens';
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import { openAppDatabase, seedWorklist } from './fixtures/app-database';

function notificationWith(dataDir: string, finessEg: string, esmsStatus: string): number {
  const db = openAppDatabase(dataDir);
  const id = db
    .prepare('SELECT id FROM notification WHERE finess_eg = ? AND esms_status = ? ORDER BY id LIMIT 1')
    .pluck()
    .get(finessEg, esmsStatus) as number;
  db.close();
  return id;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/artifacts/worklist-${name}.png`, fullPage: true });
}

/**
 * A host of its own: the shared worker host may already hold another spec's data. Without the embedded sandbox: the
 * seeded EGs are not ViaTrajectoire's, so the queued Task stays in the outbox for this spec to read.
 */
const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost(['--no-embedded-sandbox']);
    await use(host);
    await host.stop();
  },
});

const ESAT = '010000011';
const ESRP = '010000012';

test('work list, actions with their Tasks, cancellation, ESRP, waiting lists and CSV, units, EGs', async ({
  page,
  ownHost: appHost,
}) => {
  seedWorklist(appHost.dataDir, 60);
  await page.goto(appHost.url);

  // Work list: notifications arrive as "Notification envoyée"; finished ones are masked by default.
  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(page.getByTestId('worklist-row').first()).toBeVisible();
  await expect(page.getByTestId('worklist')).toContainText('Notification envoyée');
  await expect(page.getByTestId('worklist-count')).toContainText('masqué');
  await expectAccessible(page, 'Notifications');
  await shot(page, 'notifications');

  // Keyboard: "/" goes to the search, Entrée opens the selected row.
  const newId = notificationWith(appHost.dataDir, ESAT, '39');
  const db0 = openAppDatabase(appHost.dataDir);
  const idDecision = db0
    .prepare('SELECT d.id_decision FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?')
    .pluck()
    .get(newId) as string;
  db0.close();
  await page.getByTestId('worklist-scroll').focus();
  await page.keyboard.press('/');
  await expect(page.getByTestId('worklist-search')).toBeFocused();
  await page.keyboard.type(idDecision);
  await expect(page.getByTestId('worklist-row')).toHaveCount(1);
  await page.getByTestId('worklist-scroll').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/notifications/${newId}$`));

  // Placing it on a unit's waiting list: the preview shows what will be sent, then one valid Task is queued.
  await expect(page.getByTestId('detail-status')).toContainText('Notification envoyée');
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  await page.getByTestId('action-unit').selectOption({ label: 'Atelier blanchisserie' });
  await expectPreviewInWords(page, [STATUS_WORDS.esms42, `Unité « Atelier blanchisserie » : ${STATUS_WORDS.unit182}`]);
  await expectAccessible(page, 'Détail avec action');
  await shot(page, 'notification-action');
  await page.getByTestId('action-confirm').click();
  await expect(page.getByTestId('action-done')).toBeVisible();
  await expect(page.getByTestId('unit-lines')).toContainText('Atelier blanchisserie');
  await expect(page.getByTestId('timeline')).toContainText('en attente');
  await expect(page.getByTestId('detail-status')).toContainText("Liste d'attente. En cours d'analyse");
  await expectAccessible(page, 'Détail');
  await shot(page, 'notification-detail');

  const db = openAppDatabase(appHost.dataDir);
  const outbox = db
    .prepare('SELECT state, finess_eg, payload_json FROM outbox WHERE notification_id = ?')
    .all(newId) as {
    state: string;
    finess_eg: string;
    payload_json: string;
  }[];
  expect(outbox).toHaveLength(1);
  expect(outbox[0]?.state).toBe('pending');
  const task = JSON.parse(outbox[0]?.payload_json ?? '{}') as { resourceType: string; input: unknown[] };
  expect(task.resourceType).toBe('Task');
  const inputs = JSON.stringify(task.input);
  for (const value of ['ROR-UNIT-ESAT-1', 'Atelier blanchisserie', '"182"', '"42"', '"43"', '"47"', `1${ESAT}`]) {
    expect(inputs).toContain(value);
  }

  // The MDPH cancels the notification (flux 5, as the sync's status pull records it): the line shows "à traiter".
  db.prepare(
    `UPDATE notification SET esms_status = '49', esms_status_date = '2026-07-01', terminated = 1, a_traiter = 1,
       a_traiter_reason = 'Notification annulée par la MDPH alors qu’un suivi était en cours' WHERE id = ?`,
  ).run(newId);
  db.prepare(
    `INSERT INTO status_event (notification_id, origin, task_id, statut_esms, motif_esms, date_statut_esms, created_at)
     VALUES (?, 'vt', 'task-annulation-e2e', '49', '100', '2026-07-01', ?)`,
  ).run(newId, new Date().toISOString());
  db.close();
  await page.goto(`${appHost.origin}/#/notifications`);
  await page.getByTestId('worklist-search').fill(idDecision);
  await expect(page.getByTestId('worklist-row')).toHaveCount(1);
  await expect(page.getByTestId('worklist-row')).toContainText('À traiter');
  await expect(page.getByTestId('worklist-row')).toContainText('Notification annulée');

  // Trial period: never for an ESRP, offered for an ESAT at the same step.
  await page.goto(`${appHost.origin}/#/notifications/${notificationWith(appHost.dataDir, ESRP, '71')}`);
  await expect(page.getByRole('button', { name: "Entrée de l'usager" })).toBeVisible();
  await expect(page.getByRole('button', { name: "Début de période d'essai" })).toHaveCount(0);
  await page.goto(`${appHost.origin}/#/notifications/${notificationWith(appHost.dataDir, ESAT, '71')}`);
  await expect(page.getByRole('button', { name: "Début de période d'essai" })).toBeVisible();

  // Waiting lists: per unit, chart, CSV export checked against the database.
  await page.goto(`${appHost.origin}/#/listes-attente`);
  await expect(page.getByRole('heading', { level: 1, name: "Listes d'attente" })).toBeVisible();
  await expect(page.getByTestId('waiting-chart')).toBeVisible();
  await expectAccessible(page, "Listes d'attente");
  await shot(page, 'listes-attente');
  await page.emulateMedia({ media: 'print' });
  await shot(page, 'listes-attente-impression');
  await page.emulateMedia({ media: 'screen' });
  // Names come from MDPH documents: one shaped like a spreadsheet formula must reach the CSV inert.
  const hostile = openAppDatabase(appHost.dataDir);
  hostile
    .prepare(
      `UPDATE person SET family_name = '=1+2', used_family_name = NULL, given_names = '@SUM(A1)'
        WHERE id = (SELECT d.person_id FROM unit_line u JOIN notification n ON n.id = u.notification_id
                      JOIN decision d ON d.id = n.decision_id
                     WHERE u.status IN ('182','183','184') AND n.esms_status NOT IN ('46','48','49','37') LIMIT 1)`,
    )
    .run();
  hostile.close();
  const lines = await exportWaitingListsCsv(page);
  expect(lines.some((l) => l.includes(";'=1+2;'@SUM(A1);"))).toBe(true);
  const db2 = openAppDatabase(appHost.dataDir);
  const expected = db2
    .prepare(
      `SELECT count(*) FROM unit_line u JOIN notification n ON n.id = u.notification_id
        WHERE u.status IN ('182','183','184') AND n.esms_status NOT IN ('46','48','49','37')`,
    )
    .pluck()
    .get() as number;
  const esat1 = db2
    .prepare(
      `SELECT count(*) FROM unit_line u JOIN ror_unit r ON r.id = u.ror_unit_id JOIN notification n ON n.id = u.notification_id
        WHERE r.id_ror = 'ROR-UNIT-ESAT-1' AND u.status IN ('182','183','184') AND n.esms_status NOT IN ('46','48','49','37')`,
    )
    .pluck()
    .get() as number;
  db2.close();
  expect(lines).toHaveLength(expected + 1);
  expect(lines.filter((l) => l.split(';')[2] === 'ROR-UNIT-ESAT-1')).toHaveLength(esat1);
  expect(lines.slice(1).every((l) => /^[^;]*;[^;]*;ROR-UNIT-[^;]+;.*;\d{2}\/\d{2}\/\d{4};\d+;/.test(l))).toBe(true);

  // Units: the mirror and its validated edit.
  await page.keyboard.press('Alt+4');
  await expect(page.getByRole('heading', { level: 1, name: 'Unités ROR' })).toBeVisible();
  await expect(page.getByTestId('units-table')).toContainText('Formation qualifiante');
  await expectAccessible(page, 'Unités ROR');
  await shot(page, 'unites-ror');
  await page.getByRole('button', { name: 'Modifier Externat' }).click();
  await page.getByLabel('Accueil séquentiel').selectOption('oui');
  await expectAccessible(page, 'Unités ROR (édition)');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByTestId('units-table')).toContainText('modifiée le');
  // A unit ViaTrajectoire does not list yet, entered with its ROR identifier.
  await page.getByRole('button', { name: 'Ajouter une unité' }).click();
  const addUnit = page.getByRole('form', { name: 'Ajouter une unité' });
  await addUnit.getByRole('combobox', { name: 'Établissement' }).selectOption({ index: 1 });
  await addUnit.getByLabel("Identifiant ROR de l'unité").fill('ROR-UNIT-LOCALE-1');
  await addUnit.getByLabel("Nom de l'unité").fill('Atelier repassage');
  await addUnit.getByRole('combobox', { name: "Catégorie d'organisation (ROR)" }).selectOption('43');
  await addUnit.getByRole('combobox', { name: 'Mode de prise en charge (MDPH)' }).selectOption('47');
  await expectAccessible(page, 'Unités ROR (ajout)');
  await shot(page, 'unites-ror-ajout');
  await addUnit.getByRole('button', { name: 'Enregistrer' }).click();
  const added = page.getByTestId('units-table').getByRole('row', { name: /Atelier repassage/ });
  await expect(added).toContainText('ROR-UNIT-LOCALE-1');
  await expect(added).toContainText('Locale');

  // Geographic entities: activation on both sides, counts, local switch.
  await page.keyboard.press('Alt+5');
  await expect(page.getByRole('heading', { level: 1, name: 'Entités géographiques' })).toBeVisible();
  await expect(page.getByTestId('eg-card')).toHaveCount(3);
  await expect(page.getByTestId('eg-card').first()).toContainText('ViaTrajectoire : activé');
  await expectAccessible(page, 'Entités géographiques');
  await shot(page, 'entites-geographiques');
  const imeCard = page.getByTestId('eg-card').filter({ hasText: 'IME LES ESSAIS' });
  await imeCard.getByRole('button', { name: 'Désactiver la synchronisation' }).click();
  await expect(imeCard).toContainText('Référent VT : non activé');
  await expect(imeCard.getByRole('button', { name: 'Activer la synchronisation' })).toBeVisible();
  await expect(page.getByTestId('eg-card').filter({ hasText: 'IME LES ESSAIS' })).toContainText('Prochaines étapes');
  await page.keyboard.press('Alt+2');
  await expect(page.getByTestId('worklist-row').first()).toBeVisible();
  await expect(page.getByTestId('worklist')).not.toContainText('IME LES ESSAIS');
});

/** The work list's rows in the order assistive technologies read them (Chromium's accessibility tree), by index. */
async function rowIndexesReadInOrder(page: Page): Promise<number[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { nodeId: string; role?: { value: string }; childIds?: string[]; backendDOMNodeId?: number }[];
    };
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    const rowElements: number[] = [];
    const walk = (id: string) => {
      const node = byId.get(id);
      if (!node) return;
      if (node.role?.value === 'row' && node.backendDOMNodeId !== undefined) rowElements.push(node.backendDOMNodeId);
      else node.childIds?.forEach(walk);
    };
    const table = nodes.find((n) => n.role?.value === 'table');
    if (table) walk(table.nodeId);
    const indexes: number[] = [];
    for (const backendNodeId of rowElements) {
      const { node } = (await cdp.send('DOM.describeNode', { backendNodeId })) as { node: { attributes?: string[] } };
      const attributes = node.attributes ?? [];
      indexes.push(Number(attributes[attributes.indexOf('aria-rowindex') + 1]));
    }
    // The header row (index 1) first, then the list's.
    return indexes.filter((index) => index > 1);
  } finally {
    await cdp.detach();
  }
}

test('Notifications opens at once on rows kept current while another screen showed', async ({
  page,
  ownHost: appHost,
}) => {
  seedWorklist(appHost.dataDir, 30);
  await page.goto(appHost.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  // Another process (a sync run on its own) renames every person while the dashboard shows: main hears of it (the
  // desk's watch) and the first window kept warm is asked again.
  const renamed = 'ARRIEREPLAN';
  const warmed = page.waitForResponse(
    async (r) => r.url().endsWith('/notifications:list') && (await r.text()).includes(renamed),
  );
  const db = openAppDatabase(appHost.dataDir);
  db.prepare('UPDATE person SET family_name = ?, used_family_name = NULL').run(renamed);
  db.close();
  await warmed;

  // Main's answers to the list held: the screen opens on the rows already there, as they are now.
  await page.route('**/api/invoke/notifications:list', () => undefined);
  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await expect(page.getByTestId('worklist-row').first()).toContainText(renamed);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
});

test('the warm window’s read still on its way when Notifications opens is taken, not asked again', async ({
  page,
  ownHost: appHost,
}) => {
  seedWorklist(appHost.dataDir, 30);
  // Main's list answers held until the referent has opened Notifications.
  let asked = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/invoke/notifications:list', async (route) => {
    asked += 1;
    await released;
    await route.continue().catch(() => undefined);
  });
  await page.goto(appHost.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  await expect.poll(() => asked).toBe(1);
  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  release();
  await expect(page.getByTestId('worklist-row').first()).toBeVisible();
  expect(asked).toBe(1);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
});

test('a scrolled work list: rows in order on screen and for assistive technologies, focus kept in the list', async ({
  page,
  ownHost: appHost,
}) => {
  seedWorklist(appHost.dataDir, 120);
  await page.goto(appHost.url);
  await page.keyboard.press('Alt+2');
  await expect(page.getByTestId('worklist-row').first()).toBeVisible();
  await page.getByTestId('show-terminated').check();
  await expect(page.getByTestId('worklist')).toHaveAttribute('aria-rowcount', '121');
  // Each row's name, by index, as the list shows it from its top.
  const nameOf = async (rowIndex: number) =>
    page.locator(`[data-testid="worklist-row"][aria-rowindex="${rowIndex}"] .row-link`).innerText();
  const firstName = await nameOf(2);

  // A link focused in a row, then the list scrolled far away: that row's element now shows another notification.
  await page.locator('[data-testid="worklist-row"][aria-rowindex="2"] .row-link').focus();
  const scroller = page.getByTestId('worklist-scroll');
  for (const top of [700, 1400, 2100, 2800]) {
    await scroller.evaluate((el, y) => el.scrollTo(0, y), top);
    await expect(page.locator('[data-testid="worklist-row"][aria-rowindex="2"]')).toHaveCount(0);
  }
  await expect(page.locator('[data-testid="worklist-row"] .row-link').filter({ hasText: firstName })).toHaveCount(0);
  await expect(scroller).toBeFocused();

  // On screen, top to bottom, and in the accessibility tree: consecutive indexes in the list's order.
  const rows = page.getByTestId('worklist-row');
  await expect(rows.first()).toBeVisible();
  const onScreen = await rows.evaluateAll((elements) =>
    elements
      .map((e) => ({ index: Number(e.getAttribute('aria-rowindex')), y: e.getBoundingClientRect().top }))
      .sort((a, b) => a.y - b.y)
      .map((r) => r.index),
  );
  expect(onScreen[0]).toBeGreaterThan(2);
  expect(onScreen).toEqual(onScreen.map((_, k) => (onScreen[0] ?? 0) + k));
  expect(await rowIndexesReadInOrder(page)).toEqual(onScreen);

  // Back to the top: the first row shows the same notification as before.
  await scroller.evaluate((el) => el.scrollTo(0, 0));
  await expect(page.locator('[data-testid="worklist-row"][aria-rowindex="2"] .row-link')).toHaveText(firstName);
  expect(await rowIndexesReadInOrder(page)).toEqual(
    await rows.evaluateAll((elements) =>
      elements.map((e) => Number(e.getAttribute('aria-rowindex'))).sort((a, b) => a - b),
    ),
  );
});
