/**
 * What the work list's snapshot needs to refresh in proportion to what changed (issue 16): every write that changes
 * a listed row moves that notification's `list_stamp`, whoever writes (the app, the sync worker, a migration), by
 * trigger; what changes many rows at once or removes one (a deleted notification, an EG renamed or (de)activated, a
 * unit renamed or deleted) moves `worklist_epoch` instead, and the snapshot is then rebuilt. A refresh scans the
 * stamps through `notification_list_stamp` (index only) and reads again only the rows whose stamp moved.
 *
 * A deleted notification's id may be given again by SQLite (INTEGER PRIMARY KEY): the epoch moves on every delete,
 * so a row that reuses an id is never taken for the one cached under it. The columns watched are those the list
 * shows (worklist-queries.ts, the snapshot's reads); the WHEN clauses skip rewrites of equal values (a sync
 * receiving the same decision again).
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 10;
export const name = '0010-worklist-list-stamp';

const stamp = (where: string) => `UPDATE notification SET list_stamp = list_stamp + 1 WHERE ${where};`;
const bumpEpoch = 'UPDATE worklist_epoch SET value = value + 1;';
/** Columns of each table the work list shows; PostgreSQL's 0009 watches the same. */
const changed = (columns: readonly string[]) => columns.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ');

export const NOTIFICATION_LISTED = [
  'decision_id',
  'finess_eg',
  'esms_status',
  'esms_status_date',
  'a_traiter',
  'a_traiter_reason',
  'created_at',
];
export const UNIT_LINE_LISTED = ['notification_id', 'ror_unit_id', 'status', 'status_date'];
export const DECISION_LISTED = [
  'person_id',
  'id_decision',
  'id_nat_decision',
  'category_code',
  'decision_date',
  'validity_start',
  'validity_end',
];
export const PERSON_LISTED = [
  'family_name',
  'used_family_name',
  'given_names',
  'birth_date',
  'mdph_oid',
  'mdph_individual_id',
];

export function up(db: Database.Database): void {
  db.exec(`
    ALTER TABLE notification ADD COLUMN list_stamp INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX notification_list_stamp ON notification (finess_eg, id, list_stamp);
    CREATE TABLE worklist_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL) STRICT;
    INSERT INTO worklist_epoch (id, value) VALUES (1, 0);

    CREATE TRIGGER notification_listed_update AFTER UPDATE OF ${NOTIFICATION_LISTED.join(', ')} ON notification
      WHEN ${changed(NOTIFICATION_LISTED)}
      BEGIN ${stamp('id = NEW.id')} END;
    CREATE TRIGGER notification_listed_delete AFTER DELETE ON notification BEGIN ${bumpEpoch} END;

    CREATE TRIGGER unit_line_listed_insert AFTER INSERT ON unit_line
      BEGIN ${stamp('id = NEW.notification_id')} END;
    CREATE TRIGGER unit_line_listed_update AFTER UPDATE OF ${UNIT_LINE_LISTED.join(', ')} ON unit_line
      WHEN ${changed(UNIT_LINE_LISTED)}
      BEGIN ${stamp('id IN (OLD.notification_id, NEW.notification_id)')} END;
    CREATE TRIGGER unit_line_listed_delete AFTER DELETE ON unit_line
      BEGIN ${stamp('id = OLD.notification_id')} END;

    CREATE TRIGGER decision_listed_update AFTER UPDATE OF ${DECISION_LISTED.join(', ')} ON decision
      WHEN ${changed(DECISION_LISTED)}
      BEGIN ${stamp('decision_id = NEW.id')} END;
    CREATE TRIGGER person_listed_update AFTER UPDATE OF ${PERSON_LISTED.join(', ')} ON person
      WHEN ${changed(PERSON_LISTED)}
      BEGIN ${stamp('decision_id IN (SELECT id FROM decision WHERE person_id = NEW.id)')} END;

    CREATE TRIGGER geographic_entity_listed_insert AFTER INSERT ON geographic_entity BEGIN ${bumpEpoch} END;
    CREATE TRIGGER geographic_entity_listed_update AFTER UPDATE OF name, local_activated ON geographic_entity
      WHEN ${changed(['name', 'local_activated'])}
      BEGIN ${bumpEpoch} END;
    CREATE TRIGGER geographic_entity_listed_delete AFTER DELETE ON geographic_entity BEGIN ${bumpEpoch} END;
    CREATE TRIGGER ror_unit_listed_update AFTER UPDATE OF name ON ror_unit WHEN OLD.name IS NOT NEW.name
      BEGIN ${bumpEpoch} END;
    CREATE TRIGGER ror_unit_listed_delete AFTER DELETE ON ror_unit BEGIN ${bumpEpoch} END;
  `);
}
