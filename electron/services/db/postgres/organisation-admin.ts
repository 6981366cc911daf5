/**
 * The organisation administrator's tools, over a connection of the administrator (a role allowed to create roles;
 * the one that created the schema is a member of referent_vt_admin): create or update the schema, add a referent or
 * a coordinator (a PostgreSQL LOGIN role with a SCRAM password, member of its group role), assign EGs, revoke, list.
 * Passwords never travel in clear: the SCRAM verifier is computed here, as psql's \password does, so a server
 * logging statements never logs a password. Each change is journaled (author: the administrator's role).
 */
import crypto from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import type { OrganisationMember, OrganisationRole } from '@shared/ipc/channels/organisation-channels';
import type { PostgresDatabase } from '../sql/postgres-database';
import type { SqlExecutor } from '../sql/sql-database';
import { migratePostgres, postgresSchemaVersion } from './migrations';
import { GROUP_ROLES } from './migrations/0003-roles-and-row-security';

export type MemberKind = 'referent' | 'coordinator' | 'sync' | 'admin';

const KIND_OF_ROLE: Readonly<Record<OrganisationRole, MemberKind>> = {
  référent: 'referent',
  coordinateur: 'coordinator',
};

const FINESS = /^\d{2}[0-9AB]\d{6}$/;

/** Creates the schema or brings it to this version's; returns the schema version. */
export async function createOrganisationSchema(db: PostgresDatabase): Promise<number> {
  await migratePostgres(db);
  await journal(db, 'Création ou mise à jour du schéma de l’organisation', 'organisation', db.schema);
  return postgresSchemaVersion(db, db.schema);
}

/** A new LOGIN role, member of its group. Refused when the name is already taken (by anyone on the server). */
export async function addMember(
  db: PostgresDatabase,
  name: string,
  password: string,
  kind: MemberKind | OrganisationRole,
): Promise<void> {
  const role = checkMemberName(name);
  const group = GROUP_ROLES[kind in KIND_OF_ROLE ? KIND_OF_ROLE[kind as OrganisationRole] : (kind as MemberKind)];
  if (password.length < 12) throw new AppError('INVALID_INPUT', 'Le mot de passe doit compter 12 caractères au moins.');
  if (await roleExists(db, role)) {
    throw new AppError('INVALID_INPUT', `Le compte « ${role} » existe déjà sur le serveur PostgreSQL.`);
  }
  await db.transaction(async (tx) => {
    await tx.exec(
      `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(scramVerifier(password))} IN ROLE ${group}`,
    );
    await journal(tx, `Ajout du compte (${group})`, 'compte', role);
  });
}

/** Replaces the password of a member (a forgotten password, a first connection). */
export async function setMemberPassword(db: PostgresDatabase, name: string, password: string): Promise<void> {
  const role = await existingMember(db, name);
  if (password.length < 12) throw new AppError('INVALID_INPUT', 'Le mot de passe doit compter 12 caractères au moins.');
  await db.exec(`ALTER ROLE ${quoteIdent(role)} PASSWORD ${quoteLiteral(scramVerifier(password))}`);
  await journal(db, 'Nouveau mot de passe', 'compte', role);
}

export async function assignEg(db: PostgresDatabase, name: string, finessEg: string): Promise<void> {
  await setAssignments(db, name, [...(await assignmentsOf(db, name)), finessEg]);
}

export async function unassignEg(db: PostgresDatabase, name: string, finessEg: string): Promise<void> {
  await setAssignments(
    db,
    name,
    (await assignmentsOf(db, name)).filter((eg) => eg !== finessEg),
  );
}

/** Sets the EGs a member works on to exactly these (the admin screen's list). */
export async function setAssignments(db: PostgresDatabase, name: string, finessEgs: readonly string[]): Promise<void> {
  const role = await existingMember(db, name);
  for (const eg of finessEgs) {
    if (!FINESS.test(eg)) throw new AppError('INVALID_INPUT', `FINESS invalide : « ${eg} ».`);
  }
  const wanted = [...new Set(finessEgs)];
  const now = new Date().toISOString();
  await db.transaction(async (tx) => {
    const current = await egsOf(tx, role);
    for (const eg of current.filter((e) => !wanted.includes(e))) {
      await tx.run('DELETE FROM eg_assignment WHERE role_name = ? AND finess_eg = ?', [role, eg]);
      await journal(tx, `Retrait de l’EG au compte ${role}`, 'entité géographique', eg);
    }
    for (const eg of wanted.filter((e) => !current.includes(e))) {
      await tx.run(
        'INSERT INTO eg_assignment (role_name, finess_eg, assigned_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        [role, eg, now],
      );
      await journal(tx, `Attribution de l’EG au compte ${role}`, 'entité géographique', eg);
    }
  });
}

/**
 * Revokes a member: it can no longer log in, leaves its groups and EGs, and its open sessions are ended. The role
 * itself stays, so the journal's authors keep their meaning.
 */
export async function revokeMember(db: PostgresDatabase, name: string): Promise<void> {
  const role = await existingMember(db, name);
  await db.transaction(async (tx) => {
    await tx.exec(`ALTER ROLE ${quoteIdent(role)} NOLOGIN`);
    for (const group of Object.values(GROUP_ROLES)) {
      if (
        await tx.value(
          'SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE g.rolname = ? AND r.rolname = ?',
          [group, role],
        )
      ) {
        await tx.exec(`REVOKE ${group} FROM ${quoteIdent(role)}`);
      }
    }
    await tx.run('DELETE FROM eg_assignment WHERE role_name = ?', [role]);
    await journal(tx, 'Révocation du compte', 'compte', role);
  });
  // Needs the right to signal that role's sessions; without it they end at their next login attempt.
  await db
    .all('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?', [role])
    .catch(() => undefined);
}

/** The members (referents, coordinators; revoked ones too) and their EGs. */
export async function listMembers(db: PostgresDatabase): Promise<OrganisationMember[]> {
  const rows = await db.all<{ name: string; groups: string | null; canLogin: number }>(
    `SELECT r.rolname AS "name", r.rolcanlogin AS "canLogin",
            (SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m
               JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS "groups"
       FROM pg_roles r
      WHERE NOT r.rolname LIKE 'pg\\_%' AND r.rolname NOT LIKE 'referent\\_vt\\_%'
        AND (EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                      WHERE m.member = r.oid AND g.rolname IN (?, ?))
             OR EXISTS (SELECT 1 FROM eg_assignment a WHERE a.role_name = r.rolname)
             OR EXISTS (SELECT 1 FROM journal j WHERE j.record_type = 'compte' AND j.record_id = r.rolname))
      ORDER BY r.rolname`,
    [GROUP_ROLES.referent, GROUP_ROLES.coordinator],
  );
  const assignments = await db.all<{ role: string; finessEg: string }>(
    'SELECT role_name AS "role", finess_eg AS "finessEg" FROM eg_assignment ORDER BY role_name, finess_eg',
  );
  return rows.map((r) => {
    const groups = (r.groups ?? '').split(',');
    return {
      name: r.name,
      role: groups.includes(GROUP_ROLES.coordinator) ? 'coordinateur' : 'référent',
      finessEgs: assignments.filter((a) => a.role === r.name).map((a) => a.finessEg),
      active: r.canLogin === 1 && (groups.includes(GROUP_ROLES.referent) || groups.includes(GROUP_ROLES.coordinator)),
    };
  });
}

/** A member name the server will take as is; reserved prefixes refused. */
export function checkMemberName(name: string): string {
  const trimmed = name.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(trimmed) || /^(pg_|referent_vt_)/i.test(trimmed)) {
    throw new AppError('INVALID_INPUT', `Nom de compte invalide : « ${name} » (lettres, chiffres, _ et -).`);
  }
  return trimmed;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, PostgreSQL's format): the server can
 * check a login with it but cannot recover the password.
 */
export function scramVerifier(password: string, iterations = 4096, salt: Buffer = crypto.randomBytes(16)): string {
  // Not SASLprep-normalised: node-postgres, our client, sends the password as typed.
  const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = crypto.createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = crypto.createHash('sha256').update(clientKey).digest();
  const serverKey = crypto.createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

async function assignmentsOf(db: PostgresDatabase, name: string): Promise<string[]> {
  return egsOf(db, await existingMember(db, name));
}

async function egsOf(db: SqlExecutor, role: string): Promise<string[]> {
  const rows = await db.all<{ eg: string }>(
    'SELECT finess_eg AS "eg" FROM eg_assignment WHERE role_name = ? ORDER BY finess_eg',
    [role],
  );
  return rows.map((r) => r.eg);
}

async function roleExists(db: SqlExecutor, role: string): Promise<boolean> {
  return (await db.value<number>('SELECT count(*) FROM pg_roles WHERE rolname = ?', [role])) === 1;
}

async function existingMember(db: SqlExecutor, name: string): Promise<string> {
  const role = checkMemberName(name);
  if (!(await roleExists(db, role))) throw new AppError('NOT_FOUND', `Aucun compte « ${role} » sur le serveur.`);
  return role;
}

async function journal(db: SqlExecutor, action: string, recordType: string, recordId: string): Promise<void> {
  await db.run(
    `INSERT INTO journal (at, actor, action, record_type, record_id, outcome) VALUES (?, 'utilisateur', ?, ?, ?, 'succès')`,
    [new Date().toISOString(), action, recordType, recordId],
  );
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
