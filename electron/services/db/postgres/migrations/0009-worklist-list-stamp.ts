/**
 * As SQLite's 0010: `notification.list_stamp` moves with every write that changes a listed row, `worklist_epoch`
 * with what changes many rows or removes one, so each workstation's work-list snapshot reads again only the rows
 * whose stamp moved (worklist-queries.ts). The notification's own columns are stamped in a BEFORE trigger (no second
 * write); unit lines, decisions and persons stamp their notifications through functions run as the owner, so a
 * writer stamps every notification of a person or decision, including those of EGs it does not see, and the
 * epoch needs no grant to update. Identity ids are never given twice, so an id always names the same row.
 */
import {
  DECISION_LISTED,
  NOTIFICATION_LISTED,
  PERSON_LISTED,
  UNIT_LINE_LISTED,
} from '../../migrations/0010-worklist-list-stamp';
import { GROUP_ROLES } from './0003-roles-and-row-security';
import type { PostgresMigration } from './migration';

const changed = (columns: readonly string[]) =>
  `(${columns.map((c) => `OLD.${c}`).join(', ')}) IS DISTINCT FROM (${columns.map((c) => `NEW.${c}`).join(', ')})`;

export const migration: PostgresMigration = {
  version: 9,
  name: '0009-worklist-list-stamp',
  sql: (s) => {
    const definer = `LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${s}, pg_temp`;
    const stamp = (where: string) => `UPDATE ${s}.notification SET list_stamp = list_stamp + 1 WHERE ${where};`;
    return `
    ALTER TABLE notification ADD COLUMN list_stamp bigint NOT NULL DEFAULT 0;
    CREATE INDEX notification_list_stamp ON notification (finess_eg, id, list_stamp);
    CREATE TABLE worklist_epoch (id integer PRIMARY KEY CHECK (id = 1), value bigint NOT NULL);
    INSERT INTO worklist_epoch (id, value) VALUES (1, 0);
    GRANT SELECT ON worklist_epoch TO ${Object.values(GROUP_ROLES).join(', ')};

    CREATE FUNCTION ${s}.stamp_listed_notification() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      NEW.list_stamp := OLD.list_stamp + 1;
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER notification_listed_update BEFORE UPDATE ON notification
      FOR EACH ROW WHEN (${changed(NOTIFICATION_LISTED)}) EXECUTE FUNCTION ${s}.stamp_listed_notification();

    CREATE FUNCTION ${s}.stamp_unit_line_notification() RETURNS trigger ${definer} AS $fn$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN ${stamp('id = OLD.notification_id')} END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN ${stamp('id = NEW.notification_id')} END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER unit_line_listed_insert_delete AFTER INSERT OR DELETE ON unit_line
      FOR EACH ROW EXECUTE FUNCTION ${s}.stamp_unit_line_notification();
    CREATE TRIGGER unit_line_listed_update AFTER UPDATE ON unit_line
      FOR EACH ROW WHEN (${changed(UNIT_LINE_LISTED)}) EXECUTE FUNCTION ${s}.stamp_unit_line_notification();

    CREATE FUNCTION ${s}.stamp_decision_notifications() RETURNS trigger ${definer} AS $fn$
    BEGIN
      ${stamp('decision_id = NEW.id')}
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER decision_listed_update AFTER UPDATE ON decision
      FOR EACH ROW WHEN (${changed(DECISION_LISTED)}) EXECUTE FUNCTION ${s}.stamp_decision_notifications();

    CREATE FUNCTION ${s}.stamp_person_notifications() RETURNS trigger ${definer} AS $fn$
    BEGIN
      ${stamp(`decision_id IN (SELECT id FROM ${s}.decision WHERE person_id = NEW.id)`)}
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER person_listed_update AFTER UPDATE ON person
      FOR EACH ROW WHEN (${changed(PERSON_LISTED)}) EXECUTE FUNCTION ${s}.stamp_person_notifications();

    CREATE FUNCTION ${s}.bump_worklist_epoch() RETURNS trigger ${definer} AS $fn$
    BEGIN
      UPDATE ${s}.worklist_epoch SET value = value + 1;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER notification_listed_delete AFTER DELETE ON notification
      FOR EACH ROW EXECUTE FUNCTION ${s}.bump_worklist_epoch();
    CREATE TRIGGER geographic_entity_listed_insert_delete AFTER INSERT OR DELETE ON geographic_entity
      FOR EACH ROW EXECUTE FUNCTION ${s}.bump_worklist_epoch();
    CREATE TRIGGER geographic_entity_listed_update AFTER UPDATE ON geographic_entity
      FOR EACH ROW WHEN (${changed(['name', 'local_activated'])}) EXECUTE FUNCTION ${s}.bump_worklist_epoch();
    CREATE TRIGGER ror_unit_listed_delete AFTER DELETE ON ror_unit
      FOR EACH ROW EXECUTE FUNCTION ${s}.bump_worklist_epoch();
    CREATE TRIGGER ror_unit_listed_update AFTER UPDATE ON ror_unit
      FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION ${s}.bump_worklist_epoch();
  `;
  },
};
