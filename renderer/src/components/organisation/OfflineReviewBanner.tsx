import type {
  OfflineAction,
  OfflineReviewStatus,
  OrganisationUnavailable,
} from '@shared/ipc/channels/organisation-channels';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { formatInstant } from '../format';
import { ErrorMessage, TechnicalDetail } from '../states';

/**
 * Offline review (docs/decisions.md §16), on every screen. Offline: the organisation's server could not be reached
 * at start, the screens read this workstation's copy, read-only, dated; statuses and consents wait for the
 * organisation. Online: the actions taken offline that could not be replayed (conflict, refusal), until read.
 */
export function OfflineReviewBanner({ unavailable }: { unavailable?: OrganisationUnavailable | undefined }) {
  const status = useApiQuery('organisation:offline-status', {});
  const reconnect = useApiMutation('organisation:reconnect', ['*']);
  const dismiss = useApiMutation('organisation:offline-dismiss', ['organisation']);
  const data = status.data;
  if (!data || data.mode === 'sans-objet') return null;
  if (data.mode === 'en-ligne' && data.actions.length === 0) return null;
  const error = reconnect.error ?? dismiss.error;
  return (
    <div className="notice organisation-unavailable" role="status" data-testid="offline-review">
      {data.mode === 'hors-ligne' && <OfflineHeader status={data} unavailable={unavailable} />}
      {data.mode === 'en-ligne' && (
        <p>
          <strong>Actions prises hors ligne non enregistrées dans l’organisation.</strong> Vérifiez la notification et
          refaites l’action si elle a encore lieu d’être.
        </p>
      )}
      {data.actions.length > 0 && (
        <ul className="offline-actions" aria-label="Actions prises hors ligne">
          {data.actions.map((a) => (
            <li key={a.id}>
              <a href={`#/notifications/${a.notificationId}`}>{a.summary}</a> — {stateLabel(a)}
              {a.message && <span className="offline-action-message"> : {a.message}</span>}
              {a.state !== 'en-attente' && (
                <>
                  {' '}
                  <button
                    type="button"
                    className="secondary"
                    disabled={dismiss.isPending}
                    onClick={() => dismiss.mutate({ id: a.id })}
                  >
                    Écarter
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {data.mode === 'hors-ligne' && (
        <p>
          <button
            type="button"
            className="secondary"
            disabled={reconnect.isPending}
            onClick={() => reconnect.mutate({})}
          >
            {reconnect.isPending ? 'Connexion…' : 'Se reconnecter'}
          </button>
        </p>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}

function OfflineHeader({
  status,
  unavailable,
}: {
  status: OfflineReviewStatus;
  unavailable: OrganisationUnavailable | undefined;
}) {
  const waiting = status.actions.filter((a) => a.state === 'en-attente').length;
  return (
    <>
      <p>
        <strong data-testid="offline-review-date">
          Consultation hors ligne — données du {formatInstant(status.snapshotTakenAt)}
        </strong>
      </p>
      {status.reachableAgainAt ? (
        <p>
          Le serveur de l’organisation répond de nouveau ({formatInstant(status.reachableAgainAt)}) : les actions en
          attente lui ont été transmises et la copie a été mise à jour. Redémarrez Référent VT pour reprendre la
          synchronisation et l’enregistrement direct des statuts.
        </p>
      ) : (
        <p>
          {unavailable ? `${unavailable.reason} ` : ''}La liste de travail et les listes d’attente sont celles de la
          copie de ce poste, en lecture seule. Les statuts et accords saisis attendent l’organisation
          {waiting > 0 ? ` (${waiting} en attente)` : ''} ; Référent VT réessaie toutes les 30 secondes.
        </p>
      )}
      {status.lastAttemptError && !status.reachableAgainAt && (
        <p>
          Dernière tentative ({formatInstant(status.lastAttemptAt)}) : {status.lastAttemptError}
        </p>
      )}
      {unavailable && <TechnicalDetail>{unavailable.code}</TechnicalDetail>}
    </>
  );
}

function stateLabel(action: OfflineAction): string {
  switch (action.state) {
    case 'en-attente':
      return 'en attente de l’organisation';
    case 'conflit':
      return 'non enregistrée : conflit';
    case 'refusée':
      return 'non enregistrée : refusée';
    default:
      return action.state;
  }
}
