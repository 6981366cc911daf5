/**
 * Concurrent edits (issue 15): `notification.row_version` moves with every write of a notification or of its unit
 * lines (notification-store.ts, the one writer), so an action carrying the version the referent saw is refused when
 * someone else (a colleague, the sync) changed it meanwhile. `notification_change` keeps what each write changed
 * (before → after, who, when) for the message that tells the referent what happened while they were reading.
 * Same schema as PostgreSQL's 0006 (author filled there by the connected role, empty on the desk).
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 6;
export const name = '0006-row-version';

export function up(db: Database.Database): void {
  db.exec(`
    ALTER TABLE notification ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;

    CREATE TABLE notification_change (
      id                 INTEGER PRIMARY KEY,
      notification_id    INTEGER NOT NULL REFERENCES notification (id),
      row_version        INTEGER NOT NULL,
      kind               TEXT NOT NULL CHECK (kind IN ('esms', 'unit', 'a_traiter', 'traitee', 'terminated')),
      actor              TEXT NOT NULL CHECK (actor IN ('utilisateur', 'synchronisation', 'système')),
      author             TEXT,
      changed_at         TEXT NOT NULL,
      ror_unit_id        INTEGER,
      value_before       TEXT,
      value_after        TEXT
    ) STRICT;
    CREATE INDEX notification_change_by_version ON notification_change (notification_id, row_version);
  `);
}
