/**
 * The one place the session's environment says which SDO guide release and which terminology release it
 * exchanges with (Paramètres: igVersion, terminologyRelease). Handlers, the sync worker's data and the embedded
 * sandbox all read it here, at each use: a change in Paramètres applies to the next Task without a restart.
 */
import { sdoSettings } from '@shared/domain/sdo-versions';
import { AppError } from '@shared/errors/app-error';
import { loadTerminologyCatalog, type SdoContext } from '../../fhir/terminology-release-files';
import { createLogger } from '../../logging/logger';
import type { AppContext } from '../app-context';
import type { ConnectionServices } from './connection-services';

const log = createLogger('environment-sdo');
const reported = new Set<string>();

/** The code lists of the environment: built-in releases plus its own release files (bad ones journaled once). */
export function environmentTerminology(
  ctx: Pick<AppContext, 'dataDir'> & { readonly journal?: Pick<AppContext['journal'], 'append'> },
): SdoContext['terminology'] {
  const { catalog, rejected } = loadTerminologyCatalog(ctx.dataDir);
  for (const { file, reason } of rejected) {
    const key = `${ctx.dataDir}|${file}|${reason}`;
    if (reported.has(key)) continue;
    reported.add(key);
    log.warn('Fichier de terminologies ignoré', { file, reason });
    // Not awaited: the code lists are needed now, by callers that cannot wait (a Task being built).
    ctx.journal
      ?.append({
        actor: 'système',
        action: 'Fichier de terminologies ignoré',
        outcome: 'échec',
        detail: `${file} : ${reason}`,
      })
      .catch((e: unknown) => log.error('Fichier de terminologies ignoré non consigné', e));
  }
  return catalog;
}

/** What the environment's resources are built and checked against. */
export function environmentSdo(ctx: AppContext, services: ConnectionServices = ctx.connection): SdoContext {
  const environment = services.environments.get(services.environmentId);
  const settings = sdoSettings(environment.igVersion, environment.terminologyRelease);
  const terminology = environmentTerminology(ctx);
  if (!terminology.has(settings.terminologyRelease)) {
    throw new AppError(
      'INVALID_INPUT',
      `La version des terminologies ${settings.terminologyRelease} choisie dans Paramètres n’est pas connue de Référent VT : ` +
        `choisissez-en une autre (${terminology.releaseIds().join(', ')}) ou ajoutez son fichier.`,
    );
  }
  return { ...settings, terminology };
}
