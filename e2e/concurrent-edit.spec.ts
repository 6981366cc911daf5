/**
 * Concurrent edits (issue 15) on the screen: while the referent fills an action, a colleague changes the
 * notification (written here as notification-store.ts writes it: version moved, change recorded with its author).
 * Confirming is refused with the message telling what changed, the detail shows the new state, nothing is queued;
 * chosen again, the action goes through.
 */
import { expect, startAppHost, test as base, type AppHost } from './fixtures/app-host';
import { openAppDatabase, seedWorklist } from './fixtures/app-database';

const test = base.extend<{ ownHost: AppHost }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form for fixtures
  ownHost: async ({}, use) => {
    const host = await startAppHost(['--no-embedded-sandbox']);
    await use(host);
    await host.stop();
  },
});

const ESAT = '010000011';

test('an action on a notification a colleague changed meanwhile is refused with what changed, then redone', async ({
  page,
  ownHost: appHost,
}) => {
  seedWorklist(appHost.dataDir, 30);
  const db = openAppDatabase(appHost.dataDir);
  const id = db
    .prepare("SELECT id FROM notification WHERE finess_eg = ? AND esms_status = '39' ORDER BY id LIMIT 1")
    .pluck()
    .get(ESAT) as number;
  db.close();

  await page.goto(appHost.url);
  await page.evaluate((hash) => (window.location.hash = hash), `#/notifications/${id}`);
  await expect(page.getByTestId('detail-status')).toContainText('Notification envoyée');
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  await page.getByTestId('action-unit').selectOption({ label: 'Atelier blanchisserie' });
  await expect(page.getByTestId('action-preview')).toContainText('Statuts qui seront envoyés');

  // Meanwhile a colleague records "Contact effectué".
  const colleague = openAppDatabase(appHost.dataDir);
  const changedAt = new Date().toISOString();
  colleague
    .prepare(
      `INSERT INTO notification_change (notification_id, row_version, kind, actor, author, changed_at, value_before,
         value_after)
       SELECT id, row_version + 1, 'esms', 'utilisateur', 'collegue_e2e', ?, esms_status, '41' FROM notification
        WHERE id = ?`,
    )
    .run(changedAt, id);
  colleague
    .prepare("UPDATE notification SET esms_status = '41', row_version = row_version + 1, updated_at = ? WHERE id = ?")
    .run(changedAt, id);
  colleague.close();

  await page.getByTestId('action-confirm').click();
  const conflict = page.getByTestId('action-conflict');
  await expect(conflict).toContainText('Cette notification a été modifiée par collegue_e2e');
  await expect(conflict).toContainText('pendant que vous la consultiez');
  await expect(conflict).toContainText('statut ESMS « Notification envoyée » → « Contact effectué »');
  await expect(page.getByTestId('detail-status')).toContainText('Contact effectué');
  const outboxRows = () => {
    const check = openAppDatabase(appHost.dataDir);
    const n = check.prepare('SELECT count(*) FROM outbox WHERE notification_id = ?').pluck().get(id) as number;
    check.close();
    return n;
  };
  expect(outboxRows()).toBe(0);

  // Decided again on what the screen now shows: recorded.
  await page.getByRole('button', { name: "Demande d'admission reçue" }).click();
  await expect(conflict).toHaveCount(0);
  await page.getByTestId('action-unit').selectOption({ label: 'Atelier blanchisserie' });
  await expect(page.getByTestId('action-preview')).toContainText('Statuts qui seront envoyés');
  await page.getByTestId('action-confirm').click();
  await expect(page.getByTestId('action-done')).toBeVisible();
  expect(outboxRows()).toBe(1);
});
