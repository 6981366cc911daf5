/**
 * Organisation mode (Paramètres › Organisation): where the desk keeps its data, the connection test, the desk →
 * organisation migration assistant, and the organisation admin's screen. The store mode chosen takes effect at the
 * next start (the session keeps the store it opened: nothing mixes mid-session). Passwords are write-only and never
 * journaled; the admin's password lives in this process's memory for the session only.
 */
import type { EnvironmentId } from '@shared/domain/environments';
import type { DeskMigrationReport, StoreMode } from '@shared/ipc/channels/organisation-channels';
import { runDeskMigration } from '../../organisation/desk-migration-service';
import { OrganisationAdminSession } from '../../organisation/organisation-admin-session';
import { testOrganisationConnection, type PostgresOpener } from '../../organisation/organisation-connection';
import { OrganisationSettingsStore } from '../../organisation/organisation-settings';
import type { AppContext } from '../app-context';
import type { Handlers } from '../dispatch';
import { journaled } from './user-action-journal';

type OrganisationChannel = Exclude<
  Extract<keyof Handlers, `organisation:${string}` | `organisation-admin:${string}`>,
  // offline (issue 15): answered by organisation/offline-review.ts.
  'organisation:offline-status' | 'organisation:reconnect' | 'organisation:offline-dismiss'
>;

export interface OrganisationHandlerDeps {
  /** Root of the user data (the environment's folder is below it). */
  readonly dataRoot: string;
  /** The desk database's key, to read the desk's own SQLite while the session runs on the organisation's store. */
  readonly databaseKey: (databaseFile: string) => Buffer;
  /** Tests: another way to open the organisation's PostgreSQL. */
  readonly openOrganisation?: PostgresOpener;
}

export function createOrganisationHandlers(
  ctx: AppContext,
  deps: OrganisationHandlerDeps,
): Pick<Handlers, OrganisationChannel> {
  const environment = ctx.environmentId as EnvironmentId;
  const settings = new OrganisationSettingsStore(deps.dataRoot, environment, ctx.connection.secrets);
  const activeMode: StoreMode = ctx.store.kind === 'postgres' ? 'organisation' : 'poste';
  const admin = new OrganisationAdminSession(settings);
  const withMode = async () => {
    const summary = await settings.describe();
    return { ...summary, activeMode, restartRequired: summary.mode !== activeMode };
  };
  const migration = (dryRun: boolean, acceptConflicts: boolean): Promise<DeskMigrationReport> =>
    runDeskMigration(
      {
        dataRoot: deps.dataRoot,
        environment,
        settings,
        databaseKey: deps.databaseKey,
        ...(ctx.store.kind === 'sqlite' ? { openDesk: ctx.db } : {}),
        ...(deps.openOrganisation ? { openOrganisation: deps.openOrganisation } : {}),
      },
      { dryRun, acceptConflicts, now: ctx.now },
    );

  return {
    'organisation:settings': withMode,

    'organisation:update': (req) =>
      journaled(
        ctx,
        { action: 'Modification du mode de stockage (organisation)', recordType: 'organisation' },
        async () => {
          await settings.update(req);
          return withMode();
        },
        (result) =>
          `Mode ${result.mode === 'organisation' ? 'Organisation' : 'Poste seul'}` +
          (result.restartRequired ? ' (au prochain démarrage)' : ''),
      ),

    'organisation:test-connection': () =>
      journaled(
        ctx,
        { action: 'Test de connexion au serveur de l’organisation', recordType: 'organisation' },
        () => testOrganisationConnection(settings, deps.openOrganisation),
        (report) => ({
          detail: report.steps.map((s) => `${s.label} : ${s.ok ? 'OK' : 'échec'}`).join(', '),
          failed: !report.ok,
        }),
      ),

    'organisation:migration-dry-run': () =>
      journaled(
        ctx,
        { action: 'Migration vers l’organisation : simulation', recordType: 'organisation' },
        () => migration(true, false),
        describeMigration,
      ),

    'organisation:migration-run': (req) =>
      journaled(
        ctx,
        { action: 'Migration du poste vers l’organisation', recordType: 'organisation' },
        async () => {
          const report = await migration(false, req.acceptConflicts);
          if (report.applied) ctx.events.emit('data:changed', { scopes: ['*'] });
          return report;
        },
        describeMigration,
      ),

    'organisation-admin:sign-in': (req) =>
      journaled(
        ctx,
        { action: 'Connexion de l’administrateur de l’organisation', recordType: 'organisation', recordId: req.user },
        () => admin.signIn(req.user, req.password),
      ),
    'organisation-admin:sign-out': () => admin.signOut(),
    'organisation-admin:overview': () => admin.overview(),
    'organisation-admin:create-schema': () =>
      journaled(
        ctx,
        { action: 'Création ou mise à jour du schéma de l’organisation', recordType: 'organisation' },
        () => admin.createSchema(),
      ),
    'organisation-admin:add-member': (req) =>
      journaled(
        ctx,
        { action: `Ajout d’un ${req.role} à l’organisation`, recordType: 'compte', recordId: req.name },
        () => admin.addMember(req.name, req.password, req.role),
      ),
    'organisation-admin:assign-egs': (req) =>
      journaled(
        ctx,
        { action: 'Attribution des entités géographiques', recordType: 'compte', recordId: req.name },
        () => admin.assignEgs(req.name, req.finessEgs),
        () => req.finessEgs.join(', ') || 'aucune',
      ),
    'organisation-admin:revoke': (req) =>
      journaled(
        ctx,
        { action: 'Révocation d’un compte de l’organisation', recordType: 'compte', recordId: req.name },
        () => admin.revoke(req.name),
      ),
  };
}

function describeMigration(report: DeskMigrationReport): { detail: string; failed: boolean } {
  const moved = report.tables.reduce((n, t) => n + t.moved, 0);
  const parts = [
    `${moved} lignes ${report.dryRun ? 'à copier' : report.applied ? 'copiées' : 'non copiées'}`,
    `${report.mergedDecisions} décisions déjà présentes`,
    `${report.conflicts.length} conflit${report.conflicts.length > 1 ? 's' : ''}`,
  ];
  return { detail: parts.join(', '), failed: report.refusal !== undefined };
}
