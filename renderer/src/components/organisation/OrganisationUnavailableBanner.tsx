import type { OrganisationUnavailable } from '@shared/ipc/channels/organisation-channels';
import { TechnicalDetail } from '../states';

/**
 * Degraded start, on every screen: "Organisation" is chosen but its server could not be opened, so the session shows
 * the desk's own data, in consultation, until a start reaches the organisation again.
 */
export function OrganisationUnavailableBanner({ unavailable }: { unavailable: OrganisationUnavailable }) {
  return (
    <div className="notice organisation-unavailable" role="status" data-testid="organisation-unavailable">
      <p>
        <strong>Serveur de l’organisation injoignable.</strong> {unavailable.reason}
      </p>
      <p>
        Référent VT affiche les données de ce poste, en consultation : la synchronisation, les envois à ViaTrajectoire
        et l’enregistrement des statuts sont suspendus. Corrigez les réglages dans{' '}
        <a href="#/organisation">Organisation</a>, puis redémarrez Référent VT.
      </p>
      <TechnicalDetail>{unavailable.code}</TechnicalDetail>
    </div>
  );
}
