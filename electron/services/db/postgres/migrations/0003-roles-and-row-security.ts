/**
 * People and rights (docs: README « Mode organisation »). Referents are PostgreSQL LOGIN roles with SCRAM passwords,
 * members of group roles: the server itself then restricts each connection, whatever SQL it sends — accounts managed
 * by the application over one shared role could not stop a referent who connects with another client.
 * - referent_vt_referent: reads and changes only the rows of the EGs assigned to it (eg_assignment);
 * - referent_vt_coordinator, referent_vt_sync: every EG;
 * - referent_vt_admin: every EG, plus assignments and the journal's history.
 * Group roles belong to the whole cluster (PostgreSQL roles do): created once, shared by every Référent VT
 * database on the server; assignments belong to each database.
 * Row-level security is enabled and forced (the owner too) on every table carrying an EG's data; a child row
 * (unit line, status event) is visible when its notification is, a decision when one of its notifications is, a
 * person when one of their decisions is. Journal rows record the EG they are about (derived on insert) and their
 * author, who must be the connected role.
 */
import type { PostgresMigration } from './migration';

export const GROUP_ROLES = {
  referent: 'referent_vt_referent',
  coordinator: 'referent_vt_coordinator',
  sync: 'referent_vt_sync',
  admin: 'referent_vt_admin',
} as const;

const ALL_GROUPS = Object.values(GROUP_ROLES);
const WORKING_GROUPS = [GROUP_ROLES.referent, GROUP_ROLES.coordinator, GROUP_ROLES.sync];

/** Tables whose rows carry an EG directly. */
const EG_TABLES = [
  'geographic_entity',
  'ror_unit',
  'notification',
  'outbox',
  'consent',
  'evaluation',
  'sync_cursor',
  'sync_gap',
] as const;

/** Tables without an EG's data: readable and writable by every working role. */
const SHARED_TABLES = ['legal_entity', 'sync_run', 'setting'] as const;

export const migration: PostgresMigration = {
  version: 3,
  name: '0003-roles-and-row-security',
  sql: (s) => {
    // Evaluated once per statement (uncorrelated sub-selects), not once per row.
    const seesAll = `(SELECT ${s}.sees_all_egs())`;
    const egVisible = (column: string): string =>
      `(${seesAll} OR ${column} IN (SELECT a.finess_eg FROM ${s}.eg_assignment a WHERE a.role_name = current_user))`;
    const policy = (table: string, expression: string): string => `
      ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
      ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
      CREATE POLICY ${table}_by_eg ON ${table} USING (${expression}) WITH CHECK (${expression});`;
    // A decision or person is seen through its notifications/decisions, or by everyone while none claims it yet (it
    // is inserted before them and `INSERT … RETURNING` must see it); inserting is open, the child rows are guarded.
    const claimedPolicies = (table: string, visible: string): string => `
      ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
      ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
      CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (${visible});
      CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (true);
      CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING (${visible}) WITH CHECK (true);
      CREATE POLICY ${table}_delete ON ${table} FOR DELETE USING (${visible});`;
    return `
    DO $roles$
    BEGIN
      ${ALL_GROUPS.map(
        (role) => `
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
        CREATE ROLE ${role} NOLOGIN;
      END IF;`,
      ).join('')}
      -- Whoever creates the schema administers it (and, owning the tables, is itself subject to the policies).
      IF NOT pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER') THEN
        EXECUTE format('GRANT ${GROUP_ROLES.admin} TO %I', current_user);
      END IF;
    END
    $roles$;

    CREATE TABLE eg_assignment (
      role_name    text NOT NULL,
      finess_eg    text NOT NULL CHECK (length(finess_eg) = 9),
      assigned_at  text NOT NULL,
      PRIMARY KEY (role_name, finess_eg)
    );

    CREATE FUNCTION ${s}.sees_all_egs() RETURNS boolean LANGUAGE sql STABLE AS $fn$
      SELECT pg_has_role(current_user, '${GROUP_ROLES.coordinator}', 'MEMBER')
          OR pg_has_role(current_user, '${GROUP_ROLES.sync}', 'MEMBER')
          OR pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER')
    $fn$;

    -- Run as the owner (who sees every row): whether a decision or a person is linked to nobody yet. A new
    -- decision is inserted before its notification, and INSERT … RETURNING must be able to see it.
    CREATE FUNCTION ${s}.decision_unclaimed(decision bigint) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ${s}, pg_temp AS $fn$
      SELECT NOT EXISTS (SELECT 1 FROM ${s}.notification n WHERE n.decision_id = decision)
    $fn$;
    CREATE FUNCTION ${s}.person_unclaimed(person bigint) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ${s}, pg_temp AS $fn$
      SELECT NOT EXISTS (SELECT 1 FROM ${s}.decision d WHERE d.person_id = person)
    $fn$;

    -- The EG a journal entry is about, whoever may see that record (run as the owner).
    CREATE FUNCTION ${s}.journal_record_eg(record_type text, record_id text) RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ${s}, pg_temp AS $fn$
      SELECT CASE
        WHEN record_type = 'notification' AND record_id ~ '^[0-9]{1,18}$' THEN
          (SELECT n.finess_eg FROM ${s}.notification n WHERE n.id = record_id::bigint)
        WHEN record_type IN ('outbox', 'envoi') AND record_id ~ '^[0-9]{1,18}$' THEN
          (SELECT o.finess_eg FROM ${s}.outbox o WHERE o.id = record_id::bigint)
        WHEN record_type = 'quarantaine' AND record_id ~ '^[0-9]{1,18}$' THEN
          (SELECT q.finess_eg FROM ${s}.quarantine q WHERE q.id = record_id::bigint)
        WHEN record_type = 'période' AND record_id ~ '^[0-9]{1,18}$' THEN
          (SELECT g.finess_eg FROM ${s}.sync_gap g WHERE g.id = record_id::bigint)
        WHEN record_type = 'unité' THEN
          (SELECT u.finess_eg FROM ${s}.ror_unit u WHERE u.id_ror = record_id)
        WHEN record_type IN ('entité géographique', 'établissement') THEN record_id
      END
    $fn$;

    ALTER TABLE journal ADD COLUMN finess_eg text;
    CREATE FUNCTION ${s}.journal_before_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      NEW.author := coalesce(NEW.author, current_user);
      IF NEW.finess_eg IS NULL THEN
        NEW.finess_eg := ${s}.journal_record_eg(NEW.record_type, NEW.record_id);
      END IF;
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER journal_record_eg BEFORE INSERT ON journal
      FOR EACH ROW EXECUTE FUNCTION ${s}.journal_before_insert();

    ${EG_TABLES.map((t) => policy(t, egVisible('finess_eg'))).join('')}
    ${policy('quarantine', `(finess_eg IS NULL OR ${egVisible('finess_eg')})`)}
    ${['unit_line', 'status_event']
      .map((t) =>
        policy(t, `(${seesAll} OR EXISTS (SELECT 1 FROM ${s}.notification n WHERE n.id = ${t}.notification_id))`),
      )
      .join('')}
    ${policy(
      'decision_link',
      `(${seesAll} OR EXISTS (SELECT 1 FROM ${s}.decision d WHERE d.id = decision_link.decision_id))`,
    )}

    ${claimedPolicies(
      'decision',
      `${seesAll} OR EXISTS (SELECT 1 FROM ${s}.notification n WHERE n.decision_id = decision.id)
        OR ${s}.decision_unclaimed(decision.id)`,
    )}
    ${claimedPolicies(
      'person',
      `${seesAll} OR EXISTS (SELECT 1 FROM ${s}.decision d WHERE d.person_id = person.id)
        OR ${s}.person_unclaimed(person.id)`,
    )}

    ALTER TABLE journal ENABLE ROW LEVEL SECURITY;
    ALTER TABLE journal FORCE ROW LEVEL SECURITY;
    CREATE POLICY journal_read ON journal FOR SELECT
      USING (finess_eg IS NULL OR author = current_user OR ${egVisible('finess_eg')});
    CREATE POLICY journal_append ON journal FOR INSERT WITH CHECK (
      (author = current_user OR pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER'))
      AND (finess_eg IS NULL OR ${egVisible('finess_eg')}));
    CREATE POLICY journal_admin ON journal FOR UPDATE
      USING (pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER'));
    CREATE POLICY journal_admin_delete ON journal FOR DELETE
      USING (pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER'));

    ALTER TABLE eg_assignment ENABLE ROW LEVEL SECURITY;
    ALTER TABLE eg_assignment FORCE ROW LEVEL SECURITY;
    CREATE POLICY eg_assignment_own ON eg_assignment FOR SELECT USING (role_name = current_user OR ${seesAll});
    CREATE POLICY eg_assignment_admin ON eg_assignment
      USING (pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER'))
      WITH CHECK (pg_has_role(current_user, '${GROUP_ROLES.admin}', 'MEMBER'));

    GRANT USAGE ON SCHEMA ${s} TO ${ALL_GROUPS.join(', ')};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${[...EG_TABLES, ...SHARED_TABLES, 'quarantine', 'unit_line', 'status_event', 'decision_link', 'decision', 'person'].join(', ')}
      TO ${WORKING_GROUPS.join(', ')};
    GRANT SELECT, INSERT ON journal TO ${WORKING_GROUPS.join(', ')};
    GRANT SELECT ON eg_assignment, schema_version, change_counter TO ${WORKING_GROUPS.join(', ')};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${WORKING_GROUPS.join(', ')};
    GRANT ALL ON ALL TABLES IN SCHEMA ${s} TO ${GROUP_ROLES.admin};
    GRANT ALL ON ALL SEQUENCES IN SCHEMA ${s} TO ${GROUP_ROLES.admin};
    `;
  },
};
