/**
 * Live changes (issue 15): the once-per-transaction bump of the change counter (0002) also sends a NOTIFY, so every
 * workstation listening (change-listener.ts) learns of a commit within milliseconds instead of polling. NOTIFY is
 * delivered at commit and only if the transaction commits, exactly when the new counter value becomes visible.
 * Payload, small and without personal data: `{"v": <counter>, "pid": <writer's backend pid>}`.
 */
import type { PostgresMigration } from './migration';

/** PostgreSQL's longest identifier: pg_notify refuses a longer channel, LISTEN would silently truncate it. */
const MAX_IDENTIFIER_LENGTH = 63;

/**
 * The channel of one organisation schema's changes: two schemas in one database (a test and a live one, two
 * organisations) never wake each other. Computed in one place for the trigger and the listener.
 */
export function changeChannel(schema: string): string {
  return `${schema}_changes`.slice(0, MAX_IDENTIFIER_LENGTH);
}

export const migration: PostgresMigration = {
  version: 5,
  name: '0005-change-notify',
  sql: (schema) => `
    -- Same function as 0002 (its triggers keep calling it), plus the notification when this transaction's bump
    -- actually happened: the second and later rows of a transaction update nothing and notify nothing.
    CREATE OR REPLACE FUNCTION ${schema}.bump_change_counter() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $fn$
    DECLARE
      bumped bigint;
    BEGIN
      UPDATE ${schema}.change_counter SET value = value + 1, last_xact = pg_current_xact_id()
        WHERE id = 1 AND last_xact IS DISTINCT FROM pg_current_xact_id()
        RETURNING value INTO bumped;
      IF bumped IS NOT NULL THEN
        PERFORM pg_notify('${changeChannel(schema)}',
          json_build_object('v', bumped, 'pid', pg_backend_pid())::text);
      END IF;
      RETURN NULL;
    END
    $fn$;
  `,
};
