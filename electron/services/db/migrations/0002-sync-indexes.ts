/** Indexes for the sync engine's hot queries: outbox lanes per notification, quarantine look-ups. No data moved. */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 2;
export const name = '0002-sync-indexes';

export function up(db: Database.Database): void {
  db.exec(`
    CREATE INDEX outbox_by_notification ON outbox (notification_id, state);
    CREATE INDEX quarantine_by_item ON quarantine (flow, resource_id) WHERE resolved_at IS NULL;
  `);
}
