/**
 * The organisation admin's session behind the administration screen: the admin signs in with their own PostgreSQL
 * account (on the server of Paramètres › Organisation); the account and password stay in this process's memory
 * until sign-out or exit, never written, never sent back. The tools themselves (schema, members, EGs) are the
 * PostgreSQL administration module's.
 */
import type { OrganisationAdminOverview, OrganisationRole } from '@shared/ipc/channels/organisation-channels';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { PostgresConnectionOptions } from '../db/postgres/postgres-connection';
import type { PostgresDatabase } from '../db/sql/postgres-database';
import type { OrganisationSettingsStore } from './organisation-settings';

interface SignedIn {
  readonly user: string;
  readonly connection: PostgresConnectionOptions;
  /** Open once the schema exists (a server without it only lets the admin create it). */
  db: PostgresDatabase | undefined;
}

/** Loaded on use: a desk that never administers never loads the PostgreSQL client. */
const adminModule = () => import('../db/postgres/organisation-admin');
const migrationsModule = () => import('../db/postgres/migrations');
const openAdmin = async (connection: PostgresConnectionOptions, migrate: boolean): Promise<PostgresDatabase> => {
  const { openPostgresDatabase } = await import('../db/postgres/postgres-database');
  return openPostgresDatabase(connection, { migrate, maxConnections: 1 });
};

export class OrganisationAdminSession {
  private session: SignedIn | undefined;

  constructor(private readonly settings: OrganisationSettingsStore) {}

  async signIn(user: string, password: string): Promise<OrganisationAdminOverview> {
    await this.signOut();
    const connection = this.settings.connectionOptionsAs(user, password);
    let db: PostgresDatabase | undefined;
    try {
      db = await openAdmin(connection, false);
    } catch (e) {
      // The server accepted the account but has no schema yet: the admin may create it.
      if (!(isAppError(e) && e.code === 'DB_SCHEMA_MISSING')) throw e;
    }
    this.session = { user, connection, db };
    return this.overview();
  }

  async signOut(): Promise<OrganisationAdminOverview> {
    const session = this.session;
    this.session = undefined;
    await session?.db?.close().catch(() => undefined);
    return this.overview();
  }

  async overview(): Promise<OrganisationAdminOverview> {
    const session = this.session;
    if (!session) return { signedInAs: undefined, schemaVersion: undefined, members: [], geographicEntities: [] };
    const db = session.db;
    if (!db) return { signedInAs: session.user, schemaVersion: 0, members: [], geographicEntities: [] };
    const { listMembers } = await adminModule();
    const { postgresSchemaVersion } = await migrationsModule();
    return {
      signedInAs: session.user,
      schemaVersion: await postgresSchemaVersion(db, db.schema),
      members: await listMembers(db),
      geographicEntities: await db.all<{ finessEg: string; name: string }>(
        'SELECT finess_eg AS "finessEg", name FROM geographic_entity ORDER BY finess_eg',
      ),
    };
  }

  async createSchema(): Promise<OrganisationAdminOverview> {
    const session = this.signedIn();
    const { createOrganisationSchema } = await adminModule();
    if (!session.db) session.db = await openAdmin(session.connection, true);
    await createOrganisationSchema(session.db);
    return this.overview();
  }

  async addMember(name: string, password: string, role: OrganisationRole): Promise<OrganisationAdminOverview> {
    const { addMember } = await adminModule();
    await addMember(this.withSchema(), name, password, role);
    return this.overview();
  }

  async assignEgs(name: string, finessEgs: readonly string[]): Promise<OrganisationAdminOverview> {
    const { setAssignments } = await adminModule();
    await setAssignments(this.withSchema(), name, finessEgs);
    return this.overview();
  }

  async revoke(name: string): Promise<OrganisationAdminOverview> {
    const { revokeMember } = await adminModule();
    await revokeMember(this.withSchema(), name);
    return this.overview();
  }

  private signedIn(): SignedIn {
    if (!this.session) {
      throw new AppError('ORG_ADMIN_UNAVAILABLE', 'Connectez-vous d’abord avec le compte administrateur.');
    }
    return this.session;
  }

  private withSchema(): PostgresDatabase {
    const db = this.signedIn().db;
    if (!db) {
      throw new AppError(
        'ORG_ADMIN_UNAVAILABLE',
        'Le schéma de Référent VT n’existe pas encore sur ce serveur : créez-le d’abord.',
      );
    }
    return db;
  }
}
