import { expect, test } from './fixtures/app-host';
import { openAppDatabase } from './fixtures/app-database';
import { expectAccessible } from './fixtures/app-screens';

const SECTIONS = [
  'Tableau de bord',
  'Notifications',
  "Listes d'attente",
  'Unités ROR',
  'Entités géographiques',
  'Certificats',
  'Synchronisation',
  'Journal',
  'Paramètres',
];

/** Generated fake rows (no real person), written straight into the host's database. */
function seedFakeWorkload(dataDir: string): void {
  const db = openAppDatabase(dataDir);
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare(
      "INSERT INTO legal_entity (finess_ej, name, vt_activated) VALUES ('010000001', 'ASSOCIATION TEST', 1)",
    ).run();
    const eg = db.prepare(
      "INSERT INTO geographic_entity (finess_eg, finess_ej, name, vt_activated, local_activated) VALUES (?, '010000001', ?, 1, ?)",
    );
    eg.run('010000011', 'ESAT TEST', 1);
    eg.run('010000012', 'IME TEST', 1);
    eg.run('010000013', 'FAM TEST (non activé)', 0);
    db.prepare(
      "INSERT INTO ror_unit (finess_eg, id_ror, name, origin, updated_at) VALUES ('010000011', 'ROR-U1', 'Atelier', 'vt', ?)",
    ).run(now);
    for (let i = 0; i < 12; i++) {
      const person = db
        .prepare(
          "INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at) VALUES ('1.2.250.1.213.7.1', ?, 'TESTFICTIF', 'Camille', '', ?)",
        )
        .run(`IND-${i}`, now).lastInsertRowid;
      const validityEnd = i % 3 === 0 ? new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10) : '2099-01-01';
      const decision = db
        .prepare(
          "INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision, validity_end, raw_resource_json, raw_cda, received_at) VALUES (?, ?, ?, ?, '1', ?, '{}', '', ?)",
        )
        .run(`VT-${i}`, `DEC-${i}`, person, `dr-${i}`, validityEnd, now).lastInsertRowid;
      const eg = ['010000011', '010000012', '010000013'][i % 3];
      const status = ['39', '42', '47', '39'][i % 4];
      const notification = db
        .prepare(
          'INSERT INTO notification (decision_id, finess_eg, esms_status, a_traiter, terminated, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(decision, eg, status, i % 5 === 0 ? 1 : 0, i === 11 ? 1 : 0, now, now).lastInsertRowid;
      if (status === '42' || status === '47') {
        db.prepare(
          "INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, updated_at) VALUES (?, 1, ?, '2026-11-01', ?)",
        ).run(notification, status === '42' ? '182' : '186', now);
      }
    }
    db.prepare(
      "INSERT INTO outbox (kind, finess_eg, client_identifier, payload_json, state, created_at) VALUES ('task.create', '010000011', 'c-1', '{}', 'pending', ?), ('task.create', '010000011', 'c-2', '{}', 'rejected', ?)",
    ).run(now, now);
  })();
  db.close();
}

/** The dashboard's numbers that are not a work-list count, recomputed independently from the database. */
function expectedCounts(dataDir: string): Record<string, number> {
  const db = openAppDatabase(dataDir);
  const one = (sql: string) => db.prepare(sql).pluck().get() as number;
  const active = 'SELECT finess_eg FROM geographic_entity WHERE local_activated = 1';
  const counts = {
    waitingListEntries: one(
      `SELECT count(*) FROM unit_line u JOIN notification n ON n.id = u.notification_id WHERE u.status IN ('182','183','184') AND n.terminated = 0 AND n.finess_eg IN (${active})`,
    ),
    outboxPending: one("SELECT count(*) FROM outbox WHERE state IN ('pending','in_flight')"),
    outboxRejected: one("SELECT count(*) FROM outbox WHERE state = 'rejected'"),
  };
  db.close();
  return counts;
}

test('the dashboard shows the database’s numbers and every section is reachable and accessible', async ({
  page,
  appHost,
}) => {
  // Nine sections checked by axe plus four tiles followed: room on a busy machine.
  test.setTimeout(240_000);
  seedFakeWorkload(appHost.dataDir);
  const expected = expectedCounts(appHost.dataDir);
  expect(expected['waitingListEntries']).toBeGreaterThan(0);

  await page.goto(appHost.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  await expect(page.getByTestId('environment')).toContainText('Bac à sable local');
  for (const [key, value] of Object.entries(expected)) {
    await expect(page.getByTestId(`count-${key}`)).toContainText(String(value));
  }

  // Each notification tile opens the work list filtered on what it counts: its figure is the list's.
  const tiles = ['notificationsATraiter', 'notificationsNonLues', 'notificationsActive', 'validityEndingSoon'];
  for (const key of tiles) {
    const tile = page.getByTestId(`count-${key}`);
    const figure = (await tile.locator('.tile-value').innerText()).replace(/\s/g, '');
    await tile.click();
    await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
    await expect(page.getByTestId('worklist-count')).toHaveText(new RegExp(`^${figure} notification\\(s\\)`));
    await page.goBack();
    await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  }
  // "À traiter" holds the unread ones: one figure for what needs action, not two rivals.
  const aTraiter = Number(await page.getByTestId('count-notificationsATraiter').locator('.tile-value').innerText());
  const unread = Number(await page.getByTestId('count-notificationsNonLues').locator('.tile-value').innerText());
  expect(unread).toBeGreaterThan(0);
  expect(aTraiter).toBeGreaterThanOrEqual(unread);

  for (const label of SECTIONS) {
    await page
      .getByRole('navigation', { name: 'Navigation principale' })
      .getByRole('link', { name: label, exact: true })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible();
    await expectAccessible(page, label);
    await page.screenshot({
      path: `e2e/artifacts/shell-${label.replace(/[^a-zA-Z]+/g, '-').toLowerCase()}.png`,
      fullPage: true,
    });
  }
});

test('the keyboard reaches every section (Alt+chiffre) and the journal records what happened', async ({
  page,
  appHost,
}) => {
  await page.goto(appHost.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  await page.keyboard.press('Alt+8');
  await expect(page.getByRole('heading', { level: 1, name: 'Journal' })).toBeFocused();
  await expect(page.getByTestId('journal-table')).toContainText('Démarrage de Référent VT');
  await page.keyboard.press('Alt+1');
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeFocused();
});
