import { useApiMutation, useApiQuery } from '../../api/use-api';
import { formatInstant } from '../format';
import { ErrorMessage } from '../states';
import { useEstablishmentNames } from '../establishment-names';

/**
 * Periods whose decisions or statuses may be missing: the workstation stayed offline beyond the 30 days
 * ViaTrajectoire goes back. Shown on the dashboard and the Synchronisation screen until the referent says done.
 */
export function SyncGapNotice() {
  const status = useApiQuery('sync:status', {});
  const dismiss = useApiMutation('sync:gap-dismiss', ['sync', 'dashboard']);
  const egName = useEstablishmentNames().label;
  const gaps = status.data?.gaps ?? [];
  if (gaps.length === 0) return null;
  return (
    <section className="panel notice-alert" aria-labelledby="sync-gaps" data-testid="sync-gaps">
      <h2 id="sync-gaps">Décisions ou statuts possiblement manquants</h2>
      <ErrorMessage error={dismiss.error} />
      <ul>
        {gaps.map((g) => (
          <li key={g.id}>
            {g.flow === 'flux1' ? 'Décisions' : 'Statuts'} de l’établissement {egName(g.finessEg)} publiés entre le{' '}
            {formatInstant(g.missingFrom)} et le {formatInstant(g.missingTo)} : le poste est resté hors ligne plus de 30
            jours et ViaTrajectoire ne les transmet plus. Récupérez-les dans ViaTrajectoire (« Récupérer une décision
            d’orientation ») ou par la reprise (Raccordement).{' '}
            <button type="button" className="secondary" onClick={() => dismiss.mutate({ id: g.id })}>
              C’est fait
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
