/**
 * The migration assistant's two ends, as the app and the CLI open them: the desk's own SQLite (the session's store
 * in "Poste seul", the desk's file otherwise) and the organisation's PostgreSQL from the saved settings.
 */
import { existsSync } from 'node:fs';
import type { EnvironmentId } from '@shared/domain/environments';
import type { DeskMigrationReport } from '@shared/ipc/channels/organisation-channels';
import { AppError } from '@shared/errors/app-error';
import { openStore } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import { environmentPaths } from '../environments/environment-store';
import { migrateDesk, type DeskMigrationOptions } from './desk-migration';
import { openOrganisationStore, type PostgresOpener } from './organisation-connection';
import { deskStoreLocation, type OrganisationSettingsStore } from './organisation-settings';

export interface DeskMigrationEnds {
  readonly dataRoot: string;
  readonly environment: EnvironmentId;
  readonly settings: OrganisationSettingsStore;
  readonly databaseKey: (databaseFile: string) => Buffer;
  /** The desk's store when the session already has it open (mode "Poste seul"): not opened twice. */
  readonly openDesk?: SqlDatabase;
  readonly openOrganisation?: PostgresOpener;
}

export async function runDeskMigration(
  ends: DeskMigrationEnds,
  options: DeskMigrationOptions,
): Promise<DeskMigrationReport> {
  const organisation = await (ends.openOrganisation ?? openOrganisationStore)(await ends.settings.connectionOptions());
  try {
    if (ends.openDesk) return await migrateDesk(ends.openDesk, organisation, options);
    if (!existsSync(environmentPaths(ends.dataRoot, ends.environment).databaseFile)) {
      throw new AppError('ORG_MIGRATION_FAILED', 'Ce poste n’a pas de base locale à migrer pour cet environnement.');
    }
    const desk = await openStore(deskStoreLocation(ends.dataRoot, ends.environment, ends.databaseKey));
    try {
      return await migrateDesk(desk, organisation, options);
    } finally {
      await desk.close();
    }
  } finally {
    await organisation.close();
  }
}
