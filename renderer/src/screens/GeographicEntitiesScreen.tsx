import { useApiMutation, useApiQuery } from '../api/use-api';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatCount, formatInstant } from '../components/format';

export function GeographicEntitiesScreen() {
  const egs = useApiQuery('geographic-entities:list', {});
  const toggle = useApiMutation('geographic-entities:set-local-activation', ['geographic-entities', 'notifications']);
  return (
    <>
      <ScreenTitle description="Les établissements (FINESS EG) de votre entité juridique. Un établissement est synchronisé lorsqu'il est activé des deux côtés : par ViaTrajectoire (il figure dans le jeton d'accès) et par vous, ici.">
        Entités géographiques
      </ScreenTitle>
      {egs.isPending && <Loading />}
      <ErrorMessage error={egs.error ?? toggle.error} />
      {egs.data && egs.data.length === 0 && (
        <Empty>
          Aucun établissement connu : lancez une première synchronisation avec le certificat de votre entité juridique.
        </Empty>
      )}
      <div className="eg-list">
        {egs.data?.map((g) => (
          <section key={g.finessEg} className="panel" aria-labelledby={`eg-${g.finessEg}`} data-testid="eg-card">
            <h2 id={`eg-${g.finessEg}`}>
              {g.name}{' '}
              <span className="muted small">
                FINESS EG {g.finessEg} · EJ {g.finessEj}
              </span>
            </h2>
            <div className="eg-activation">
              <span className={`badge ${g.vtActivated ? 'badge-ok' : 'badge-warn'}`}>
                ViaTrajectoire : {g.vtActivated ? 'activé' : 'non activé'}
              </span>
              <span className={`badge ${g.localActivated ? 'badge-ok' : 'badge-warn'}`}>
                Référent VT : {g.localActivated ? 'activé' : 'non activé'}
              </span>
              {/* An action the referent takes, worded as one: the state is the badge beside it. */}
              <button
                type="button"
                className={g.localActivated ? 'secondary' : undefined}
                disabled={toggle.isPending}
                onClick={() => toggle.mutate({ finessEg: g.finessEg, active: !g.localActivated })}
              >
                {g.localActivated ? 'Désactiver la synchronisation' : 'Activer la synchronisation'}
              </button>
            </div>
            <dl className="fields compact">
              <dt>Décisions (flux 1)</dt>
              <dd>{formatInstant(g.lastSync.flux1)}</dd>
              <dt>Statuts (flux 5)</dt>
              <dd>{formatInstant(g.lastSync.flux5)}</dd>
              <dt>Unités ROR</dt>
              <dd>{formatInstant(g.lastSync.ror)}</dd>
              <dt>Vu dans le jeton</dt>
              <dd>{formatInstant(g.vtSeenAt)}</dd>
            </dl>
            <p>
              {formatCount(g.counts.notifications)} notification(s) dont {formatCount(g.counts.active)} en cours et{' '}
              {formatCount(g.counts.aTraiter)} à traiter · {formatCount(g.counts.units)} unité(s) ROR
              {g.counts.rejected > 0 && (
                <>
                  {' '}
                  · <span className="error-text">{formatCount(g.counts.rejected)} statut(s) rejeté(s)</span>
                </>
              )}
              {g.counts.quarantined > 0 && (
                <>
                  {' '}
                  · <span className="error-text">{formatCount(g.counts.quarantined)} élément(s) en quarantaine</span>
                </>
              )}
            </p>
            {g.nextSteps.length > 0 && (
              <div className="next-steps">
                <h3>Prochaines étapes</h3>
                <ol>
                  {g.nextSteps.map((s) => (
                    <li key={s}>{s}</li>
                  ))}
                </ol>
              </div>
            )}
          </section>
        ))}
      </div>
    </>
  );
}
