/**
 * The change token (PostgresDatabase.changeToken): one counter row, bumped once per writing transaction by
 * deferred constraint triggers, i.e. at commit, after every other lock of the transaction is taken.
 */
import type { PostgresMigration } from './migration';

/** Every table whose rows a screen shows; a change to any of them must move the token. */
export const COUNTED_TABLES = [
  'legal_entity',
  'geographic_entity',
  'ror_unit',
  'person',
  'decision',
  'decision_link',
  'notification',
  'unit_line',
  'status_event',
  'outbox',
  'consent',
  'evaluation',
  'sync_cursor',
  'sync_run',
  'quarantine',
  'sync_gap',
  'journal',
  'setting',
] as const;

export const migration: PostgresMigration = {
  version: 2,
  name: '0002-change-counter',
  sql: (schema) => `
    CREATE TABLE change_counter (
      id        integer PRIMARY KEY CHECK (id = 1),
      value     bigint NOT NULL,
      last_xact xid8
    );
    INSERT INTO change_counter (id, value) VALUES (1, 0);

    -- Runs as its owner: a referent never needs the right to update the counter itself. The second and later rows
    -- of a transaction find last_xact already theirs and update nothing.
    CREATE FUNCTION ${schema}.bump_change_counter() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $fn$
    BEGIN
      UPDATE ${schema}.change_counter SET value = value + 1, last_xact = pg_current_xact_id()
        WHERE id = 1 AND last_xact IS DISTINCT FROM pg_current_xact_id();
      RETURN NULL;
    END
    $fn$;
    ${COUNTED_TABLES.map(
      (table) => `
    CREATE CONSTRAINT TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${schema}.bump_change_counter();`,
    ).join('')}
  `,
};
