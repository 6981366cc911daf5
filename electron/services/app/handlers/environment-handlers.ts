/**
 * Paramètres: the three environments' settings, the client secret (write-only), switching environment and the
 * connection check. Switching is not done live: the session's database, sync and sandbox stay those of the
 * environment it started with, and the next start opens the chosen one (nothing can mix mid-session).
 */
import { sdoVersion } from '@shared/domain/sdo-versions';
import { AppError } from '@shared/errors/app-error';
import { modesPriseChargeInForce } from '@shared/terminology/terminology-catalog';
import type { EnvironmentPatch } from '../../environments/environment-store';
import { loadTerminologyCatalog } from '../../fhir';
import { CLIENT_SECRET_NAME } from '../../environments/environment-store';
import type { Handlers } from '../dispatch';
import type { AppContext } from '../app-context';
import { runConnectionCheck } from './connection-check-runner';
import type { ConnectionServices } from './connection-services';
import { environmentSdo } from './environment-sdo';
import { journaled } from './user-action-journal';
import { connectionSettingsErrors } from '@shared/domain/connection-settings-form';
import type { RequestOf } from '@shared/ipc/contract';

/** Paramètres' own checks, for a request that did not come through the form: only the fields it changes. */
function refuseInvalidConnectionFields(req: RequestOf<'environments:update'>): void {
  const errors = connectionSettingsErrors({
    fhirBaseUrl: req.fhirBaseUrl ?? 'https://inchangé',
    tokenUrl: req.tokenUrl ?? 'https://inchangé',
    clientId: req.clientId ?? 'inchangé',
    proxyUrl: req.proxy?.mode === 'manual' ? (req.proxy.url ?? '') : undefined,
  });
  const first = Object.values(errors)[0];
  if (first) throw new AppError('INVALID_INPUT', first);
}

type EnvironmentChannel =
  | 'environments:list'
  | 'environments:get'
  | 'environments:update'
  | 'environments:switch'
  | 'connection:check'
  | 'terminology:in-force';

export function createEnvironmentHandlers(
  ctx: AppContext,
  services: ConnectionServices = ctx.connection,
): Pick<Handlers, EnvironmentChannel> {
  const changed = (...scopes: string[]) => ctx.events.emit('data:changed', { scopes });

  return {
    'environments:list': async () => {
      const settings = services.environments.list();
      return Promise.all(settings.map((s) => services.describe(s.id)));
    },

    'environments:get': (req) => services.describe(req.id ?? services.environmentId),

    'environments:update': (req) => {
      const label = services.environments.get(req.id).label;
      refuseInvalidConnectionFields(req);
      return journaled(
        ctx,
        { action: 'Modification des paramètres de connexion', recordType: 'environnement', recordId: req.id },
        async () => {
          const { id, clientSecret, clearClientSecret, proxy, ...rest } = req;
          if (rest.terminologyRelease) {
            const known = loadTerminologyCatalog(services.environments.paths(id).dataDir).catalog;
            if (!known.has(rest.terminologyRelease)) {
              throw new AppError(
                'INVALID_INPUT',
                `Version des terminologies inconnue : ${rest.terminologyRelease} (connues : ${known.releaseIds().join(', ')}).`,
                'terminologyRelease',
              );
            }
          }
          const patch: EnvironmentPatch = {
            ...rest,
            ...(proxy ? { proxy: proxy.mode === 'manual' ? proxy : { mode: proxy.mode } } : {}),
          };
          await services.environments.update(id, patch);
          const { secrets } = services.storesOf(id);
          if (clientSecret !== undefined) await secrets.set(CLIENT_SECRET_NAME, clientSecret);
          else if (clearClientSecret) await secrets.delete(CLIENT_SECRET_NAME);
          // The guide and terminology releases decide the codes in force, hence the units' checks.
          changed('environments', 'terminology', 'units');
          return services.describe(id);
        },
        () =>
          `${label}${req.clientSecret !== undefined ? ' · secret client remplacé' : req.clearClientSecret ? ' · secret client effacé' : ''}`,
      );
    },

    'terminology:in-force': () => {
      const sdo = environmentSdo(ctx, services);
      return {
        igVersion: sdo.profileVersion,
        terminologyRelease: sdo.terminologyRelease,
        pinnedTerminologyRelease: sdoVersion(sdo.profileVersion).terminologyRelease,
        knownTerminologyReleases: sdo.terminology.releaseIds(),
        modesPriseCharge: modesPriseChargeInForce(sdo, sdo.terminology.at(sdo.terminologyRelease)),
      };
    },

    'environments:switch': (req) =>
      journaled(
        ctx,
        { action: 'Changement d’environnement', recordType: 'environnement', recordId: req.id },
        async () => {
          await services.environments.setActive(req.id);
          changed('environments');
          const label = services.environments.get(req.id).label;
          const restartRequired = req.id !== services.environmentId;
          return {
            activeId: req.id,
            restartRequired,
            message: restartRequired
              ? `« ${label} » sera ouvert au prochain démarrage. Redémarrez Référent VT pour basculer : ` +
                'ses données, sa base et sa connexion sont séparées de celles de l’environnement actuel.'
              : `« ${label} » est l’environnement en cours.`,
          };
        },
        (r) => (r.restartRequired ? 'prend effet au redémarrage' : undefined),
      ),

    'connection:check': (req) =>
      journaled(
        ctx,
        { action: 'Test de la connexion', recordType: 'environnement', recordId: services.environmentId },
        async () => {
          const report = await runConnectionCheck(services, {
            ...(req.password !== undefined ? { password: req.password } : {}),
            ...(ctx.chromiumHttpSender ? { chromiumHttpSender: ctx.chromiumHttpSender } : {}),
            now: ctx.now,
          });
          return report;
        },
        (r) => {
          const failed = r.steps.find((s) => s.status === 'error');
          return failed
            ? { detail: `Échec à l’étape « ${failed.label} » : ${failed.error?.code ?? ''}`, failed: true }
            : { detail: `Toutes les étapes réussies (${r.totalDurationMs} ms)`, failed: false };
        },
      ),
  };
}
