/**
 * The sync lease (docs/decisions.md, « Une seule synchronisation par organisation »): the one row saying which
 * workstation syncs the organisation's database, until when. Times are the server's (`now()`), so a workstation's
 * clock never decides who holds it. One row per scope; the scope is 'organisation' (one legal entity per schema: a
 * run deactivates the EGs absent from its token, so two legal entities syncing into one schema would undo each
 * other). A run records its holder, so a new holder closes as interrupted only the runs of a holder that is gone.
 *
 * Not counted in change_counter: a heartbeat every few seconds must not invalidate every workstation's caches.
 * Readable by every working role (the Synchronisation screen names the syncer); taken only by the roles that see
 * every EG (sync, coordinator, admin): a referent's connection sees only its EGs, so a run through it would miss
 * the others' notifications.
 */
import type { PostgresMigration } from './migration';
import { GROUP_ROLES } from './0003-roles-and-row-security';

const MAY_SYNC = [GROUP_ROLES.sync, GROUP_ROLES.coordinator, GROUP_ROLES.admin];

export const migration: PostgresMigration = {
  version: 4,
  name: '0004-sync-lease',
  sql: () => `
    CREATE TABLE sync_lease (
      scope         text PRIMARY KEY,
      holder_id     text NOT NULL,
      holder_label  text NOT NULL,
      -- Fencing token: grows at each change of holder.
      generation    bigint NOT NULL,
      acquired_at   timestamptz NOT NULL,
      heartbeat_at  timestamptz NOT NULL,
      expires_at    timestamptz NOT NULL,
      -- The holder's run in progress, if any.
      run_id        bigint
    );

    ALTER TABLE sync_run ADD COLUMN holder_id text;
    ALTER TABLE sync_run ADD COLUMN holder_label text;

    GRANT SELECT ON sync_lease TO ${GROUP_ROLES.referent};
    GRANT SELECT, INSERT, UPDATE, DELETE ON sync_lease TO ${MAY_SYNC.join(', ')};
  `,
};
