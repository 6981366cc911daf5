/**
 * First schema, designed from the SDO guide's flows for the flows to come. Normalised; extracted columns only where the
 * work lists filter or sort; raw resources kept for traceability (decisions are legal documents).
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 1;
export const name = '0001-initial-schema';

export function up(db: Database.Database): void {
  db.exec(`
    -- FINESS EJ: the legal entity whose IGC-Santé certificate authenticates the connection.
    CREATE TABLE legal_entity (
      finess_ej        TEXT PRIMARY KEY CHECK (length(finess_ej) = 9),
      name             TEXT NOT NULL,
      vt_activated     INTEGER NOT NULL DEFAULT 0 CHECK (vt_activated IN (0, 1)),
      token_checked_at TEXT
    ) STRICT;

    -- FINESS EG: the sites. Activation on both sides: ViaTrajectoire (listed in the token) and the referent.
    CREATE TABLE geographic_entity (
      finess_eg          TEXT PRIMARY KEY CHECK (length(finess_eg) = 9),
      finess_ej          TEXT NOT NULL REFERENCES legal_entity (finess_ej),
      name               TEXT NOT NULL,
      vt_activated       INTEGER NOT NULL DEFAULT 0 CHECK (vt_activated IN (0, 1)),
      local_activated    INTEGER NOT NULL DEFAULT 0 CHECK (local_activated IN (0, 1)),
      vt_seen_at         TEXT
    ) STRICT;
    CREATE INDEX geographic_entity_by_ej ON geographic_entity (finess_ej);

    -- ROR units (organisations internes) used on ViaTrajectoire, with the five fields a unit status needs.
    CREATE TABLE ror_unit (
      id                     INTEGER PRIMARY KEY,
      finess_eg              TEXT NOT NULL REFERENCES geographic_entity (finess_eg),
      id_ror                 TEXT NOT NULL UNIQUE,
      name                   TEXT NOT NULL,
      categorie_organisation TEXT,
      temporalite_accueil    TEXT,
      accueil_sequentiel     INTEGER CHECK (accueil_sequentiel IN (0, 1)),
      mode_prise_charge      TEXT,
      origin                 TEXT NOT NULL CHECK (origin IN ('vt', 'local')),
      locally_edited         INTEGER NOT NULL DEFAULT 0 CHECK (locally_edited IN (0, 1)),
      remote_json            TEXT,
      updated_at             TEXT NOT NULL
    ) STRICT;
    CREATE INDEX ror_unit_by_eg ON ror_unit (finess_eg);

    -- The person as identified by the MDPH (idIndividu under the MDPH OID), INS when qualified.
    CREATE TABLE person (
      id                  INTEGER PRIMARY KEY,
      mdph_oid            TEXT NOT NULL,
      mdph_individual_id  TEXT NOT NULL,
      ins                 TEXT,
      ins_oid             TEXT,
      family_name         TEXT NOT NULL,
      used_family_name    TEXT,
      given_names         TEXT NOT NULL,
      gender              TEXT,
      birth_date          TEXT,
      birth_date_raw      TEXT,
      search_text         TEXT NOT NULL,
      updated_at          TEXT NOT NULL,
      UNIQUE (mdph_oid, mdph_individual_id)
    ) STRICT;
    CREATE INDEX person_by_name ON person (family_name, given_names);

    -- One CDAPH decision (DocumentReference 57830-2 + its CDA), keyed by ViaTrajectoire's idNat_Decision.
    CREATE TABLE decision (
      id                      INTEGER PRIMARY KEY,
      id_nat_decision         TEXT NOT NULL UNIQUE,
      id_decision             TEXT NOT NULL,
      id_decision_root        TEXT,
      person_id               INTEGER NOT NULL REFERENCES person (id),
      document_reference_id   TEXT NOT NULL,
      version_number          INTEGER,
      type_decision           TEXT NOT NULL,
      nature_droit            TEXT,
      decision_date           TEXT,
      closure_effective_date  TEXT,
      category_code           TEXT,
      qualification           TEXT,
      validity_start          TEXT,
      validity_end            TEXT,
      priority_level          TEXT,
      reprise                 INTEGER NOT NULL DEFAULT 0 CHECK (reprise IN (0, 1)),
      parsed_json             TEXT NOT NULL,
      raw_resource_json       TEXT NOT NULL,
      raw_cda                 TEXT NOT NULL,
      server_last_updated     TEXT,
      received_at             TEXT NOT NULL
    ) STRICT;
    CREATE INDEX decision_by_person ON decision (person_id);
    CREATE INDEX decision_by_validity ON decision (validity_end);
    CREATE INDEX decision_by_id_decision ON decision (id_decision);

    -- Links carried by identifiantDesDecisionsReviseesRenouveleesCloturee (renewal, revision, closure).
    CREATE TABLE decision_link (
      decision_id          INTEGER NOT NULL REFERENCES decision (id) ON DELETE CASCADE,
      linked_id_decision   TEXT NOT NULL,
      linked_root          TEXT,
      kind                 TEXT NOT NULL CHECK (kind IN ('renouvellement', 'revision', 'cloture', 'inconnu')),
      PRIMARY KEY (decision_id, linked_id_decision)
    ) STRICT;
    CREATE INDEX decision_link_by_linked ON decision_link (linked_id_decision);

    -- A decision notified to one EG: the referent's work item. Current statuses are denormalised for the work list.
    CREATE TABLE notification (
      id                 INTEGER PRIMARY KEY,
      decision_id        INTEGER NOT NULL REFERENCES decision (id),
      finess_eg          TEXT NOT NULL REFERENCES geographic_entity (finess_eg),
      esms_status        TEXT NOT NULL DEFAULT '39',
      esms_status_date   TEXT,
      a_traiter          INTEGER NOT NULL DEFAULT 0 CHECK (a_traiter IN (0, 1)),
      a_traiter_reason   TEXT,
      terminated         INTEGER NOT NULL DEFAULT 0 CHECK (terminated IN (0, 1)),
      created_at         TEXT NOT NULL,
      updated_at         TEXT NOT NULL,
      UNIQUE (decision_id, finess_eg)
    ) STRICT;
    CREATE INDEX notification_worklist ON notification (finess_eg, terminated, esms_status);
    CREATE INDEX notification_a_traiter ON notification (a_traiter) WHERE a_traiter = 1;

    -- Per-unit line of a notification (waiting list, admission, trial, care), current state.
    CREATE TABLE unit_line (
      id                INTEGER PRIMARY KEY,
      notification_id   INTEGER NOT NULL REFERENCES notification (id),
      ror_unit_id       INTEGER NOT NULL REFERENCES ror_unit (id),
      status            TEXT NOT NULL,
      status_date       TEXT NOT NULL,
      motif             TEXT,
      request_date      TEXT,
      updated_at        TEXT NOT NULL,
      UNIQUE (notification_id, ror_unit_id)
    ) STRICT;
    CREATE INDEX unit_line_waiting ON unit_line (ror_unit_id, status);

    -- Every status event, sent (local) or received (flux 5), append-only: one row per Task.
    CREATE TABLE status_event (
      id                  INTEGER PRIMARY KEY,
      notification_id     INTEGER NOT NULL REFERENCES notification (id),
      origin              TEXT NOT NULL CHECK (origin IN ('local', 'vt')),
      task_id             TEXT,
      client_identifier   TEXT UNIQUE,
      emitter_id_nat      TEXT,
      statut_esms         TEXT,
      motif_esms          TEXT,
      date_statut_esms    TEXT,
      id_unite            TEXT,
      statut_unite        TEXT,
      motif_unite         TEXT,
      date_statut_unite   TEXT,
      description         TEXT,
      server_last_updated TEXT,
      created_at          TEXT NOT NULL
    ) STRICT;
    CREATE INDEX status_event_by_notification ON status_event (notification_id, id);
    CREATE UNIQUE INDEX status_event_remote_task ON status_event (task_id) WHERE origin = 'vt';

    -- Outbox (docs/architecture.md §4): written in the same transaction as the local change it sends.
    CREATE TABLE outbox (
      id                 INTEGER PRIMARY KEY,
      kind               TEXT NOT NULL CHECK (kind IN ('task.create', 'consent.create')),
      notification_id    INTEGER REFERENCES notification (id),
      status_event_id    INTEGER REFERENCES status_event (id),
      finess_eg          TEXT NOT NULL,
      client_identifier  TEXT NOT NULL UNIQUE,
      payload_json       TEXT NOT NULL,
      state              TEXT NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'in_flight', 'sent', 'rejected', 'abandoned')),
      attempts           INTEGER NOT NULL DEFAULT 0,
      next_attempt_at    TEXT,
      last_error_json    TEXT,
      server_id          TEXT,
      created_at         TEXT NOT NULL,
      sent_at            TEXT
    ) STRICT;
    CREATE INDEX outbox_pending ON outbox (state, id) WHERE state IN ('pending', 'in_flight');

    -- Consent (flux 2) and evaluation (flux 3) per decision and EG.
    CREATE TABLE consent (
      id              INTEGER PRIMARY KEY,
      decision_id     INTEGER NOT NULL REFERENCES decision (id),
      finess_eg       TEXT NOT NULL,
      collected_on    TEXT NOT NULL,
      outbox_id       INTEGER REFERENCES outbox (id),
      created_at      TEXT NOT NULL,
      UNIQUE (decision_id, finess_eg)
    ) STRICT;

    CREATE TABLE evaluation (
      decision_id     INTEGER NOT NULL REFERENCES decision (id),
      finess_eg       TEXT NOT NULL,
      parsed_json     TEXT NOT NULL,
      raw_cda         TEXT NOT NULL,
      fetched_at      TEXT NOT NULL,
      PRIMARY KEY (decision_id, finess_eg)
    ) STRICT;

    -- Server-time cursors per EG and flow (docs/decisions.md §9).
    CREATE TABLE sync_cursor (
      finess_eg    TEXT NOT NULL,
      flow         TEXT NOT NULL CHECK (flow IN ('flux1', 'flux5', 'ror')),
      cursor       TEXT NOT NULL,
      updated_at   TEXT NOT NULL,
      PRIMARY KEY (finess_eg, flow)
    ) STRICT;

    CREATE TABLE sync_run (
      id            INTEGER PRIMARY KEY,
      started_at    TEXT NOT NULL,
      finished_at   TEXT,
      outcome       TEXT CHECK (outcome IN ('succès', 'partiel', 'échec', 'annulé')),
      summary_json  TEXT
    ) STRICT;

    -- Items that could not be taken in, with their reason; the rest of the sync goes on.
    CREATE TABLE quarantine (
      id            INTEGER PRIMARY KEY,
      finess_eg     TEXT,
      flow          TEXT NOT NULL,
      resource_id   TEXT,
      reason        TEXT NOT NULL,
      raw           TEXT,
      created_at    TEXT NOT NULL,
      resolved_at   TEXT
    ) STRICT;

    -- Journal: every user action and sync event (when, what, on which record, outcome). No personal data in detail.
    CREATE TABLE journal (
      id            INTEGER PRIMARY KEY,
      at            TEXT NOT NULL,
      actor         TEXT NOT NULL CHECK (actor IN ('utilisateur', 'synchronisation', 'système')),
      action        TEXT NOT NULL,
      record_type   TEXT,
      record_id     TEXT,
      outcome       TEXT NOT NULL CHECK (outcome IN ('succès', 'échec', 'info')),
      detail        TEXT
    ) STRICT;
    CREATE INDEX journal_by_time ON journal (at DESC, id DESC);

    CREATE TABLE setting (
      key    TEXT PRIMARY KEY,
      value  TEXT NOT NULL
    ) STRICT;
  `);
}
