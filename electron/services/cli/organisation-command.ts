/**
 * `npx referent-vt organisation <sous-commande>`: the organisation mode from the command line.
 * - `migrate-desk [--dry-run] [--accept-conflicts] [--data <dossier>]`: moves this desk's local database into the
 *   organisation's PostgreSQL configured in Paramètres › Organisation (the dry run counts and lists, changes
 *   nothing). Exit code: 0 done (or dry run without conflict), 3 conflicts (listed; refused without
 *   --accept-conflicts), 1 failure, 2 usage.
 * - every other sub-command (create-schema, add-referent, assign, revoke, list…) is the organisation admin's,
 *   handled by the administration module.
 * Data folder: --data, else $REFERENT_VT_DATA, else .data/app; the keys must be key files (the Electron shell's
 * safeStorage cannot be read outside Electron).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '@shared/errors/app-error';
import type { DeskMigrationReport } from '@shared/ipc/channels/organisation-channels';
import { activeEnvironmentDescriptor, openConnectionServices } from '../app/handlers/connection-services';
import { runDeskMigration } from '../organisation/desk-migration-service';
import type { PostgresOpener } from '../organisation/organisation-connection';
import { OrganisationSettingsStore } from '../organisation/organisation-settings';
import { getOrCreateDatabaseKey } from '../secrets';
import type { CommandOutput } from './command';

export const ORGANISATION_USAGE =
  'organisation migrate-desk [--dry-run] [--accept-conflicts] [--data <dossier>] : migre la base du poste vers ' +
  'celle de l’organisation ; organisation <create-schema|add-referent|assign|revoke|list> : administration ; ' +
  'organisation <create-key|import-certificate|certificates|rewrap-certificates> : certificat de l’organisation';

const MIGRATE_USAGE =
  'Usage : npx referent-vt organisation migrate-desk [--dry-run] [--accept-conflicts] [--data <dossier>]';

export const MIGRATE_EXIT_CODES = { done: 0, failed: 1, usage: 2, conflicts: 3 } as const;

export async function runOrganisationCommand(
  args: string[],
  out: CommandOutput,
  options: { env?: NodeJS.ProcessEnv; openOrganisation?: PostgresOpener } = {},
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'migrate-desk') return migrateDeskCommand(rest, out, options);
  if (!sub) {
    out.log(`Usage : npx referent-vt ${ORGANISATION_USAGE}`);
    return 2;
  }
  const certificates = await import('../organisation/organisation-certificate-command');
  if ((certificates.ORGANISATION_CERTIFICATE_SUBCOMMANDS as readonly string[]).includes(sub)) {
    return certificates.runOrganisationCertificateCommand(args, out);
  }
  const { runOrganisationAdminCommand } = await import('../db/postgres/organisation-admin-command');
  return runOrganisationAdminCommand(args, out);
}

async function migrateDeskCommand(
  args: string[],
  out: CommandOutput,
  options: { env?: NodeJS.ProcessEnv; openOrganisation?: PostgresOpener },
): Promise<number> {
  let values: { 'dry-run'?: boolean; 'accept-conflicts'?: boolean; data?: string };
  try {
    values = parseArgs({
      args,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'accept-conflicts': { type: 'boolean', default: false },
        data: { type: 'string' },
      },
      allowPositionals: false,
    }).values;
  } catch {
    out.log(MIGRATE_USAGE);
    return MIGRATE_EXIT_CODES.usage;
  }
  const env = options.env ?? process.env;
  const dataRoot = path.resolve(values.data ?? env.REFERENT_VT_DATA ?? '.data/app');
  const environment = activeEnvironmentDescriptor(dataRoot);
  const dryRun = values['dry-run'] ?? false;
  try {
    const services = openConnectionServices({ dataRoot, environmentId: environment.id, now: () => new Date() });
    const settings = new OrganisationSettingsStore(dataRoot, environment.id, services.secrets);
    out.log(
      `${dryRun ? 'Simulation de la migration' : 'Migration'} du poste vers l’organisation — ${environment.label}`,
    );
    const report = await runDeskMigration(
      {
        dataRoot,
        environment: environment.id,
        settings,
        databaseKey: (file) => getOrCreateDatabaseKey(`${file}.key`, file),
        ...(options.openOrganisation ? { openOrganisation: options.openOrganisation } : {}),
      },
      { dryRun, acceptConflicts: values['accept-conflicts'] ?? false },
    );
    printReport(out, report);
    return report.conflicts.length > 0 && !report.applied ? MIGRATE_EXIT_CODES.conflicts : MIGRATE_EXIT_CODES.done;
  } catch (e) {
    out.log(`Erreur : ${isAppError(e) ? `${e.message} [${e.code}]` : 'erreur inattendue'}`);
    return MIGRATE_EXIT_CODES.failed;
  }
}

export function printReport(out: CommandOutput, report: DeskMigrationReport): void {
  const verb = report.dryRun ? 'à copier' : report.applied ? 'copiées' : 'non copiées';
  for (const t of report.tables) {
    if (t.desk === 0) continue;
    out.log(`  ${t.label} : ${t.desk} sur le poste, ${t.moved} ${verb}, ${t.alreadyThere} déjà dans l’organisation`);
  }
  out.log(`  Décisions déjà présentes (fusionnées par idNat_Decision) : ${report.mergedDecisions}`);
  if (report.conflicts.length === 0) out.log('  Aucun conflit.');
  else {
    out.log(`  Conflits (${report.conflicts.length}) — la valeur de l’organisation est gardée :`);
    for (const c of report.conflicts) {
      const what = c.kind === 'statut-esms' ? 'statut ESMS' : `ligne de l’unité ${c.idRor ?? ''}`;
      out.log(
        `    ${c.idNatDecision} (EG ${c.finessEg}) — ${what} : organisation ${c.organisation.status}` +
          ` (${c.organisation.date ?? 'sans date'}), poste ${c.desk.status} (${c.desk.date ?? 'sans date'})`,
      );
    }
  }
  if (report.refusal) out.log(report.refusal + ' (relancer avec --accept-conflicts)');
  else if (report.dryRun) out.log('Simulation : rien n’a été modifié.');
  else if (report.applied) out.log('Migration terminée.');
}
