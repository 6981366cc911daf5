/**
 * Items ViaTrajectoire sent that could not be taken in (issue 10): a quarantine row is now either "à relire"
 * (transient: read again on every following run, with backoff, until it lands or has failed for too long) or
 * "quarantaine" (permanent), with the rule that refused it, the server's diagnostics, attempts and first/last seen.
 * A run can end "succès avec anomalies" (sync_run is rebuilt: SQLite cannot change a CHECK). sync_gap keeps the
 * periods whose decisions may be missing after a workstation stayed offline beyond the J-30 window.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 4;
export const name = '0004-sync-item-failures';

export function up(db: Database.Database): void {
  db.exec(`
    ALTER TABLE quarantine ADD COLUMN kind TEXT NOT NULL DEFAULT 'quarantaine'
      CHECK (kind IN ('quarantaine', 'à relire'));
    ALTER TABLE quarantine ADD COLUMN rule TEXT NOT NULL DEFAULT 'inconnue';
    ALTER TABLE quarantine ADD COLUMN diagnostics TEXT;
    ALTER TABLE quarantine ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE quarantine ADD COLUMN last_seen_at TEXT;
    ALTER TABLE quarantine ADD COLUMN next_attempt_at TEXT;
    ALTER TABLE quarantine ADD COLUMN importable INTEGER NOT NULL DEFAULT 0 CHECK (importable IN (0, 1));
    ALTER TABLE quarantine ADD COLUMN resolution TEXT;
    UPDATE quarantine SET last_seen_at = created_at;
    UPDATE quarantine SET rule = 'decision-inconnue'
      WHERE flow = 'flux5' AND reason = 'Statut reçu pour une décision absente de la base locale';
    CREATE INDEX quarantine_open ON quarantine (flow, finess_eg, kind) WHERE resolved_at IS NULL;

    CREATE TABLE sync_run_new (
      id            INTEGER PRIMARY KEY,
      started_at    TEXT NOT NULL,
      finished_at   TEXT,
      outcome       TEXT CHECK (outcome IN ('succès', 'anomalies', 'partiel', 'échec', 'annulé')),
      summary_json  TEXT
    ) STRICT;
    INSERT INTO sync_run_new (id, started_at, finished_at, outcome, summary_json)
      SELECT id, started_at, finished_at, outcome, summary_json FROM sync_run;
    DROP TABLE sync_run;
    ALTER TABLE sync_run_new RENAME TO sync_run;

    CREATE TABLE sync_gap (
      id            INTEGER PRIMARY KEY,
      finess_eg     TEXT NOT NULL,
      flow          TEXT NOT NULL CHECK (flow IN ('flux1', 'flux5')),
      missing_from  TEXT NOT NULL,
      missing_to    TEXT NOT NULL,
      detected_at   TEXT NOT NULL,
      dismissed_at  TEXT
    ) STRICT;
  `);
}
