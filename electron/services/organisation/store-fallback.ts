/**
 * Degraded start (docs/decisions.md): in organisation mode, when the organisation's store cannot be opened (server
 * unreachable, password lost from the secret store, settings file damaged, schema missing, TLS refused), the session
 * opens the desk's own encrypted SQLite instead of stopping, so the referent reaches Paramètres › Organisation to
 * fix it. That store may be stale (the desk was migrated), so nothing from it may reach ViaTrajectoire: syncing,
 * sending and recording statuses are refused until a start reaches the organisation again. When the workstation
 * holds an offline snapshot of the organisation (offline-snapshot.ts, docs/decisions.md §16), that snapshot is
 * opened instead of the desk, and statuses and consents wait for the organisation rather than being refused.
 */
import { existsSync } from 'node:fs';
import type { EnvironmentId } from '@shared/domain/environments';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { OrganisationUnavailable } from '@shared/ipc/channels/organisation-channels';
import type { ChannelName } from '@shared/ipc/contract';
import { openStore, type StoreLocation } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import { createLogger } from '../logging/logger';
import type { SecretStore } from '../secrets/file-secret-store';
import { snapshotLocation, type SnapshotInfo } from './offline-snapshot';
import { deskStoreLocation, storeLocationFor } from './organisation-settings';

const log = createLogger('organisation');

export interface OpenedEnvironmentStore {
  readonly store: StoreLocation;
  readonly db: SqlDatabase;
  /** Set when the organisation's store was chosen but could not be opened: `db` is then the desk's or the snapshot's. */
  readonly organisationUnavailable?: OrganisationUnavailable;
  /** Set when `db` is the workstation's offline snapshot of the organisation (offline-snapshot.ts), not the desk. */
  readonly offlineSnapshot?: SnapshotInfo;
}

/** The environment's store as storeLocationFor says, or the desk's own when the organisation's cannot be opened. */
export async function openEnvironmentStore(
  dataRoot: string,
  environment: EnvironmentId,
  keys: { readonly databaseKey: (databaseFile: string) => Buffer; readonly secrets: SecretStore },
  now: () => Date,
  open: (location: StoreLocation) => Promise<SqlDatabase> = openStore,
): Promise<OpenedEnvironmentStore> {
  let store: StoreLocation | undefined;
  try {
    store = await storeLocationFor(dataRoot, environment, keys);
    return { store, db: await open(store) };
  } catch (e) {
    // The desk's own store failing is not this fallback's to hide.
    if (store?.kind === 'sqlite') throw e;
    const unavailable: OrganisationUnavailable = {
      code: isAppError(e) ? e.code : 'ORG_CONNECTION_FAILED',
      reason: isAppError(e) ? e.message : 'Erreur inattendue à l’ouverture de la base de l’organisation.',
      at: now().toISOString(),
    };
    if (!isAppError(e)) log.error('Base de l’organisation : erreur inattendue à l’ouverture', e);
    log.warn('Base de l’organisation indisponible : démarrage sur la base du poste', { code: unavailable.code });
    // The workstation's snapshot of the organisation is newer than the migrated desk: read it when there is one.
    const snapshot = await openSnapshot(dataRoot, environment, keys.databaseKey, open);
    if (snapshot) return { ...snapshot, organisationUnavailable: unavailable };
    const desk = deskStoreLocation(dataRoot, environment, keys.databaseKey);
    return { store: desk, db: await open(desk), organisationUnavailable: unavailable };
  }
}

/** The offline snapshot, when one was ever filled; an unreadable one is set aside for the desk (logged). */
async function openSnapshot(
  dataRoot: string,
  environment: EnvironmentId,
  databaseKey: (databaseFile: string) => Buffer,
  open: (location: StoreLocation) => Promise<SqlDatabase>,
): Promise<{ store: StoreLocation; db: SqlDatabase; offlineSnapshot: SnapshotInfo } | undefined> {
  const store = snapshotLocation(dataRoot, environment, databaseKey);
  if (!existsSync(store.file)) return undefined;
  let db: SqlDatabase | undefined;
  try {
    db = await open(store);
    const row = await db.get<{ taken_at: string; refreshed_at: string; account: string; notifications: number }>(
      'SELECT taken_at, refreshed_at, account, notifications FROM offline_snapshot WHERE id = 1',
    );
    if (!row) {
      await db.close();
      return undefined;
    }
    const offlineSnapshot: SnapshotInfo = {
      takenAt: row.taken_at,
      refreshedAt: row.refreshed_at,
      account: row.account,
      notifications: Number(row.notifications),
    };
    log.warn('Base de l’organisation indisponible : consultation hors ligne sur la copie du poste', {
      takenAt: offlineSnapshot.takenAt,
    });
    return { store, db, offlineSnapshot };
  } catch (e) {
    await db?.close().catch(() => undefined);
    log.error('Copie hors ligne illisible : données du poste ouvertes à la place', e);
    return undefined;
  }
}

/**
 * Channels that would queue something for ViaTrajectoire (a status, a consent, a reprise) or send the outbox. On a
 * degraded start they are refused: recorded on a stale desk, they would contradict the organisation's statuses.
 */
export const CHANNELS_REFUSED_WHILE_UNAVAILABLE = [
  'notifications:perform-action',
  'notifications:record-consent',
  'notifications:carry-over-renewal',
  'reprise:push',
  'sync:run-now',
  'sync:outbox-retry',
  'sync:quarantine-reread',
] as const satisfies readonly ChannelName[];

export function organisationUnavailableError(unavailable: OrganisationUnavailable): AppError {
  return new AppError(
    'ORG_UNAVAILABLE',
    'Le serveur de l’organisation est injoignable : Référent VT a ouvert les données de ce poste en consultation. ' +
      'La synchronisation, les envois et l’enregistrement des statuts sont suspendus jusqu’au prochain démarrage ' +
      'qui rejoint l’organisation (Paramètres › Organisation).',
    unavailable.code,
  );
}

/** Journal line of a degraded start (in the desk's journal: the only one reachable). */
export function describeUnavailable(unavailable: OrganisationUnavailable): string {
  return `${unavailable.reason} (détail technique : ${unavailable.code})`;
}
