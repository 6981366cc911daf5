/**
 * Outbox claims (issue 15): which sender took an item and until when (outbox-sender.ts). On the desk one sender
 * works at a time anyway; the columns keep both schemas alike and let a crashed sender's items be taken again.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 7;
export const name = '0007-outbox-claims';

export function up(db: Database.Database): void {
  db.exec(`
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
  `);
}
