/**
 * "Tester la connexion" (Paramètres › Organisation): the saved settings, then the server reached over TLS
 * verify-full with the account, then Référent VT's schema, then what this account may see — step by step, in French.
 * The password is read from the secret store and never appears in a message (the adapter's messages are built from
 * error codes, never from node-postgres's text, which may quote the settings).
 */
import type {
  OrganisationConnectionReport,
  OrganisationConnectionStep,
} from '@shared/ipc/channels/organisation-channels';
import { isAppError } from '@shared/errors/app-error';
import type { PostgresConnectionOptions } from '../db/postgres/postgres-connection';
import type { SqlDatabase } from '../db/sql/sql-database';
import { createLogger } from '../logging/logger';
import type { OrganisationSettingsStore } from './organisation-settings';

const log = createLogger('organisation');

/** Errors that mean the server answered and accepted the account, but Référent VT's schema is not usable. */
const SCHEMA_CODES = new Set(['DB_SCHEMA_MISSING', 'DB_FROM_FUTURE']);

export type PostgresOpener = (connection: PostgresConnectionOptions) => Promise<SqlDatabase>;

/** The organisation's store as a session opens it (schema checked, never migrated: that is the admin's). */
export const openOrganisationStore: PostgresOpener = async (connection) => {
  const { openPostgresDatabase } = await import('../db/postgres/postgres-database');
  return openPostgresDatabase(connection, { maxConnections: 2 });
};

export async function testOrganisationConnection(
  settings: OrganisationSettingsStore,
  open: PostgresOpener = openOrganisationStore,
): Promise<OrganisationConnectionReport> {
  const steps: OrganisationConnectionStep[] = [];
  const done = (): OrganisationConnectionReport => ({ ok: steps.every((s) => s.ok), steps });

  let connection: PostgresConnectionOptions;
  try {
    connection = await settings.connectionOptions();
    steps.push({ label: 'Réglages', ok: true, message: 'Serveur, compte, autorité et mot de passe renseignés.' });
  } catch (e) {
    steps.push({ label: 'Réglages', ok: false, message: messageOf(e) });
    return done();
  }

  const where = connection.host.startsWith('/') ? 'socket local' : `${connection.host}:${connection.port}`;
  const tls = connection.tls.mode === 'verify-full' ? 'TLS vérifié (verify-full)' : 'socket local, sans réseau';
  let db: SqlDatabase | undefined;
  try {
    db = await open(connection);
    steps.push({ label: 'Serveur et compte', ok: true, message: `Connecté à ${where} (${tls}), compte accepté.` });
    steps.push({ label: 'Schéma Référent VT', ok: true, message: 'Le schéma de l’organisation est à jour.' });
  } catch (e) {
    const code = isAppError(e) ? e.code : '';
    if (SCHEMA_CODES.has(code)) {
      steps.push({ label: 'Serveur et compte', ok: true, message: `Connecté à ${where} (${tls}), compte accepté.` });
      steps.push({ label: 'Schéma Référent VT', ok: false, message: messageOf(e) });
    } else {
      steps.push({ label: 'Serveur et compte', ok: false, message: messageOf(e) });
    }
    log.info('Test de connexion à l’organisation refusé', { code: code || 'inconnu' });
    return done();
  }

  try {
    // Row-level security answers for the account: a referent sees their EGs, a coordinator every one.
    const egs = Number(await db.value('SELECT count(*) FROM geographic_entity'));
    steps.push({
      label: 'Droits du compte',
      ok: true,
      message:
        egs === 0
          ? 'Ce compte ne voit encore aucune entité géographique : l’administrateur doit lui en attribuer, ou ' +
            'migrer un poste.'
          : `Ce compte voit ${egs} entité${egs > 1 ? 's' : ''} géographique${egs > 1 ? 's' : ''}.`,
    });
  } catch (e) {
    steps.push({ label: 'Droits du compte', ok: false, message: messageOf(e) });
  } finally {
    await db.close().catch(() => undefined);
  }
  return done();
}

function messageOf(e: unknown): string {
  if (isAppError(e)) return e.message;
  log.error('Test de connexion à l’organisation : erreur inattendue', e);
  return 'Erreur inattendue pendant le test de connexion ; elle a été consignée.';
}
