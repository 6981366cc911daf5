/**
 * Degraded start (docs/decisions.md): in organisation mode, when the organisation's store cannot be opened (server
 * unreachable, password lost from the secret store, settings file damaged, schema missing, TLS refused), the session
 * opens the desk's own encrypted SQLite instead of stopping, so the referent reaches Paramètres › Organisation to
 * fix it. That store may be stale (the desk was migrated), so nothing from it may reach ViaTrajectoire: syncing,
 * sending and recording statuses are refused until a start reaches the organisation again.
 */
import type { EnvironmentId } from '@shared/domain/environments';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { OrganisationUnavailable } from '@shared/ipc/channels/organisation-channels';
import type { ChannelName } from '@shared/ipc/contract';
import { openStore, type StoreLocation } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import { createLogger } from '../logging/logger';
import type { SecretStore } from '../secrets/file-secret-store';
import { deskStoreLocation, storeLocationFor } from './organisation-settings';

const log = createLogger('organisation');

export interface OpenedEnvironmentStore {
  readonly store: StoreLocation;
  readonly db: SqlDatabase;
  /** Set when the organisation's store was chosen but could not be opened: `db` is then the desk's. */
  readonly organisationUnavailable?: OrganisationUnavailable;
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
    const desk = deskStoreLocation(dataRoot, environment, keys.databaseKey);
    return { store: desk, db: await open(desk), organisationUnavailable: unavailable };
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
