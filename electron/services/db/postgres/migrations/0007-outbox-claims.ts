/**
 * Outbox claims (issue 15): several workstations send from one outbox. A sender claims items in a short
 * transaction (FOR UPDATE SKIP LOCKED) and marks them with its name and an expiry (ISO text, like every instant of
 * the schema), renewed while it works; a crashed sender's claim expires and another takes the item again
 * (outbox-sender.ts). The table's grants and row security cover the new columns.
 */
import type { PostgresMigration } from './migration';

export const migration: PostgresMigration = {
  version: 7,
  name: '0007-outbox-claims',
  sql: () => `
    ALTER TABLE outbox ADD COLUMN claimed_by text;
    ALTER TABLE outbox ADD COLUMN claimed_until text;
  `,
};
