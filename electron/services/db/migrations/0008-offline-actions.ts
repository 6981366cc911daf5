/**
 * Offline review in organisation mode (docs/decisions.md §16). Both tables live in the workstation's snapshot file
 * (offline-snapshot.ts): a desk's own database has them too, empty, since every SQLite store has one schema.
 * - offline_snapshot: one row, when the snapshot was copied from the organisation (the server's clock).
 * - offline_action: actions the referent took while the organisation's server could not be reached, waiting to be
 *   replayed there with the notification version the referent saw; a conflict stays listed, never retried alone.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 8;
export const name = '0008-offline-actions';

export function up(db: Database.Database): void {
  db.exec(`
    CREATE TABLE offline_snapshot (
      id                 INTEGER PRIMARY KEY CHECK (id = 1),
      taken_at           TEXT NOT NULL,
      refreshed_at       TEXT NOT NULL,
      account            TEXT NOT NULL,
      notifications      INTEGER NOT NULL
    );

    CREATE TABLE offline_action (
      id                 INTEGER PRIMARY KEY,
      kind               TEXT NOT NULL CHECK (kind IN ('statut', 'accord')),
      notification_id    INTEGER NOT NULL,
      request_json       TEXT NOT NULL,
      seen_version       INTEGER,
      summary            TEXT NOT NULL,
      state              TEXT NOT NULL DEFAULT 'en-attente'
                           CHECK (state IN ('en-attente', 'rejouée', 'conflit', 'refusée', 'écartée')),
      message            TEXT,
      created_at         TEXT NOT NULL,
      replayed_at        TEXT
    );
    CREATE INDEX offline_action_state ON offline_action (state, id);
  `);
}
