import { useEffect, useRef, useState } from 'react';
import {
  syncOutcomeLabel,
  type OutboxState,
  type SyncNotice,
  type SyncOutcome,
  type SyncLeaseDto,
  type SyncProgress,
} from '@shared/domain/sync';
import { displayOf, STATUT_ESMS, STATUT_UNITE } from '@shared/terminology/code-lists';
import { api } from '../api/api-client';
import { useApiMutation, useApiQuery } from '../api/use-api';
import { Empty, ErrorMessage, Loading, ScreenTitle, TechnicalDetail } from '../components/states';
import { ReferentWords, useEstablishmentNames } from '../components/establishment-names';
import { formatInstant } from '../components/format';
import { RefusedItemsPanel } from '../components/sync/RefusedItemsPanel';
import { SyncGapNotice } from '../components/sync/SyncGapNotice';
import type { ScreenProps } from '../app/screen-props';

/** `#/synchronisation/elements-refuses` opens the screen on the refused items (the dashboard tile's link). */
export const REFUSED_ITEMS_DETAIL = 'elements-refuses';

const OUTCOME_BADGE: Record<SyncOutcome, string> = {
  succès: 'badge-ok',
  anomalies: 'badge-warn',
  partiel: 'badge-error',
  échec: 'badge-error',
  annulé: 'badge-info',
};

const PHASE_LABELS: Record<string, string> = {
  connexion: 'Connexion à ViaTrajectoire',
  envoi: 'Envoi des statuts',
  unités: 'Unités ROR',
  décisions: 'Décisions (flux 1)',
  statuts: 'Statuts reçus (flux 5)',
  évaluations: 'Évaluations (flux 3)',
  terminé: 'Terminé',
};

const STATE_LABELS: Record<OutboxState, string> = {
  pending: 'En attente',
  in_flight: 'En cours d’envoi',
  sent: 'Envoyé',
  rejected: 'Rejeté',
  abandoned: 'Abandonné',
};

const STATE_BADGE: Record<OutboxState, string> = {
  pending: 'badge-warn',
  in_flight: 'badge-info',
  sent: 'badge-ok',
  rejected: 'badge-error',
  abandoned: 'badge-info',
};

const NOTICE_LABELS: Record<SyncNotice['kind'], string> = {
  refusée: 'refusée',
  'aucune-eg-activée': 'rien à synchroniser',
};

/** Why a run did nothing, with the way out when there is one on another screen. */
function SyncNoticeText({ notice }: { notice: SyncNotice }) {
  return (
    <>
      {notice.message}
      {notice.kind === 'aucune-eg-activée' && (
        <>
          {' '}
          <a href="#/entites-geographiques">Ouvrir les entités géographiques</a>
        </>
      )}
      {notice.kind === 'refusée' && (
        <>
          {' '}
          <a href="#/certificats">Certificats</a> · <a href="#/parametres">Paramètres</a>
        </>
      )}
    </>
  );
}

/** Organisation mode: which workstation syncs for everyone, since when (one at a time, elected among them). */
function SyncHolderLine({ lease }: { lease: SyncLeaseDto }) {
  if (!lease.shared) return null;
  const { holder } = lease;
  let text: string;
  if (holder?.thisWorkstation) {
    text = `Ce poste assure la synchronisation de l’organisation depuis le ${formatInstant(holder.since)}.`;
  } else if (holder) {
    text =
      `La synchronisation de l’organisation est assurée par le poste « ${holder.label} » depuis le ` +
      `${formatInstant(holder.since)} : les statuts enregistrés ici partent par ce poste.`;
  } else {
    text = lease.eligible
      ? 'Aucun poste ne synchronise en ce moment : ce poste prend le relais dans moins d’une minute.'
      : 'Aucun poste ne synchronise en ce moment : ouvrez Référent VT sur un poste disposant du certificat, ou ' +
        'démarrez le service de synchronisation de l’organisation.';
  }
  return (
    <p className="notice" data-testid="sync-holder">
      {text}
      {holder && !holder.thisWorkstation && !lease.eligible && (
        <> Ce poste ne peut pas prendre le relais : il n’a pas de certificat utilisable.</>
      )}
    </p>
  );
}

function useSyncProgress(): SyncProgress | null {
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  useEffect(() => api.subscribe('sync:progress', (p) => setProgress(p as SyncProgress)), []);
  return progress;
}

/** What the first seconds of a run do, before the first counted phase. */
const STARTING =
  'Préparation : lecture du certificat, connexion sécurisée à ViaTrajectoire et demande du jeton d’accès…';

function ProgressPanel() {
  const status = useApiQuery('sync:status', {}, { refetchInterval: (q) => (q.state.data?.running ? 1000 : false) });
  const live = useSyncProgress();
  const runNow = useApiMutation('sync:run-now', ['*']);
  const cancel = useApiMutation('sync:cancel', ['sync']);
  const egName = useEstablishmentNames().label;
  // A double click must not start a second run (answered « déjà en cours » after the first one succeeded).
  const starting = useRef(false);
  const running = runNow.isPending || (status.data?.running ?? false);
  const progress = running ? (live?.running ? live : status.data?.progress) : null;
  const percent = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;
  // Asked while a scheduled run was going on: once it is over, its result replaces the « déjà en cours ».
  const collided = runNow.error?.data.code === 'SYNC_ALREADY_RUNNING';
  const last = runNow.data ?? (collided && !running ? status.data?.lastRuns[0] : undefined);
  const runError = collided && !running ? null : runNow.error;
  const progressText = progress
    ? `${PHASE_LABELS[progress.phase] ?? progress.phase}${progress.finessEg ? ` — ${egName(progress.finessEg)}` : ''} : ${progress.done} / ${progress.total}`
    : STARTING;
  return (
    <section className="panel" aria-labelledby="sync-now">
      <h2 id="sync-now">Échanges avec ViaTrajectoire</h2>
      {status.data && <SyncHolderLine lease={status.data.lease} />}
      <div className="button-row">
        <button
          type="button"
          onClick={() => {
            if (starting.current) return;
            starting.current = true;
            runNow.mutate({}, { onSettled: () => (starting.current = false) });
          }}
          disabled={running}
        >
          Synchroniser maintenant
        </button>
        {running && (
          <button type="button" className="secondary" onClick={() => cancel.mutate({})}>
            Annuler la synchronisation
          </button>
        )}
      </div>
      <ErrorMessage error={runError ?? cancel.error ?? status.error} />
      {running && (
        <div className="sync-progress" data-testid="sync-progress">
          <progress
            max={100}
            value={percent}
            aria-label="Avancement de la synchronisation"
            aria-valuetext={progressText}
          />
          <p role="status" aria-live="polite" data-testid="sync-progress-text">
            {progressText}
          </p>
        </div>
      )}
      {!running && last?.summary?.notice && (
        <p role="status" className="notice" data-testid="sync-result">
          <SyncNoticeText notice={last.summary.notice} />
        </p>
      )}
      {!running && last?.outcome && !last.summary?.notice && (
        <p role="status" className="notice" data-testid="sync-result">
          {last.outcome === 'annulé'
            ? 'Synchronisation annulée à votre demande'
            : `Synchronisation terminée (${syncOutcomeLabel(last.outcome, last.summary ?? undefined)})`}{' '}
          : {last.summary?.decisions ?? 0} décision(s) reçue(s), {last.summary?.statuses ?? 0} statut(s) reçu(s),{' '}
          {last.summary?.sent ?? 0} statut(s) envoyé(s)
          {last.summary && last.summary.rejected > 0 ? `, ${last.summary.rejected} rejeté(s)` : ''}.
        </p>
      )}
      {status.data && (
        <p className="muted">
          Prochaine synchronisation automatique : {formatInstant(status.data.nextScheduledAt)} · En attente d’envoi :{' '}
          {status.data.pendingOutbox} · Éléments refusés :{' '}
          <a href={`#/synchronisation/${REFUSED_ITEMS_DETAIL}`}>
            {status.data.quarantined} (dont {status.data.toReread ?? 0} à relire)
          </a>
        </p>
      )}
    </section>
  );
}

function HistoryPanel() {
  const status = useApiQuery('sync:status', {});
  const runs = status.data?.lastRuns ?? [];
  return (
    <section className="panel" aria-labelledby="sync-history">
      <h2 id="sync-history">Historique</h2>
      {status.isPending && <Loading />}
      {status.data && runs.length === 0 && <Empty>Aucune synchronisation pour l’instant.</Empty>}
      {runs.length > 0 && (
        <table className="data-table" data-testid="sync-history">
          <thead>
            <tr>
              <th scope="col">Début</th>
              <th scope="col">Fin</th>
              <th scope="col">Résultat</th>
              <th scope="col">Décisions</th>
              <th scope="col">Statuts reçus</th>
              <th scope="col">Statuts envoyés</th>
              <th scope="col">Erreurs</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>{formatInstant(r.startedAt)}</td>
                <td>{formatInstant(r.finishedAt)}</td>
                <td>
                  {r.summary?.notice ? (
                    <span className={`badge ${r.summary.notice.kind === 'refusée' ? 'badge-error' : 'badge-warn'}`}>
                      {NOTICE_LABELS[r.summary.notice.kind]}
                    </span>
                  ) : (
                    <span className={`badge ${r.outcome ? OUTCOME_BADGE[r.outcome] : 'badge-info'}`}>
                      {r.outcome ? syncOutcomeLabel(r.outcome, r.summary ?? undefined) : 'en cours'}
                    </span>
                  )}
                </td>
                <td>{r.summary?.decisions ?? '—'}</td>
                <td>{r.summary?.statuses ?? '—'}</td>
                <td>
                  {r.summary
                    ? `${r.summary.sent} (${r.summary.rejected} rejeté(s), ${r.summary.waiting} en attente)`
                    : '—'}
                </td>
                <td>
                  {r.summary?.notice ? (
                    <SyncNoticeText notice={r.summary.notice} />
                  ) : (
                    <Messages messages={[...(r.summary?.errors ?? []), ...(r.summary?.warnings ?? [])]} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A run's errors and warnings, each in the referent's words. */
function Messages({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return <>—</>;
  return (
    <>
      {messages.map((m, i) => (
        <div key={i}>
          <ReferentWords message={m} />
        </div>
      ))}
    </>
  );
}

function OutboxPanel() {
  const [onlyOpen, setOnlyOpen] = useState(true);
  const outbox = useApiQuery('sync:outbox-list', {
    limit: 500,
    ...(onlyOpen ? { states: ['pending', 'in_flight', 'rejected'] as OutboxState[] } : {}),
  });
  const retry = useApiMutation('sync:outbox-retry', ['sync', 'notifications']);
  const egName = useEstablishmentNames().label;
  const abandon = useApiMutation('sync:outbox-abandon', ['sync', 'notifications']);
  return (
    <section className="panel" aria-labelledby="sync-outbox">
      <h2 id="sync-outbox">Statuts à transmettre</h2>
      <label className="inline">
        <input type="checkbox" checked={!onlyOpen} onChange={(e) => setOnlyOpen(!e.target.checked)} /> Afficher aussi
        les envois transmis et abandonnés
      </label>
      <ErrorMessage error={outbox.error ?? retry.error ?? abandon.error} />
      {outbox.isPending && <Loading />}
      {outbox.data && outbox.data.length === 0 && <Empty>Aucun statut en attente : tout a été transmis.</Empty>}
      {outbox.data && outbox.data.length > 0 && (
        <table className="data-table" data-testid="outbox-table">
          <thead>
            <tr>
              <th scope="col">Créé le</th>
              <th scope="col">Contenu</th>
              <th scope="col">Établissement</th>
              <th scope="col">État</th>
              <th scope="col">Tentatives</th>
              <th scope="col">Motif du refus ou dernière erreur</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {outbox.data.map((item) => (
              <tr key={item.id}>
                <td>{formatInstant(item.createdAt)}</td>
                <td>
                  {item.kind === 'consent.create' ? (
                    'Accord de la personne (flux 2)'
                  ) : (
                    <>
                      {item.statutESMS && (
                        <span title={`Code ${item.statutESMS}`}>
                          {displayOf(STATUT_ESMS, item.statutESMS) ?? item.statutESMS}
                        </span>
                      )}
                      {item.statutESMS && item.statutUnite && ' · '}
                      {item.statutUnite && (
                        <span title={`Code ${item.statutUnite}`}>
                          {displayOf(STATUT_UNITE, item.statutUnite) ?? item.statutUnite}
                        </span>
                      )}
                    </>
                  )}
                  {item.notificationId !== null && (
                    <>
                      {' '}
                      (<a href={`#/notifications/${item.notificationId}`}>voir la notification</a>)
                    </>
                  )}
                </td>
                <td title={`FINESS ${item.finessEg}`}>{egName(item.finessEg)}</td>
                <td>
                  <span className={`badge ${STATE_BADGE[item.state]}`}>{STATE_LABELS[item.state]}</span>
                </td>
                <td>{item.attempts}</td>
                <td>
                  {item.lastError ? (
                    <>
                      {item.lastError.message}
                      <TechnicalDetail>
                        {item.lastError.code}
                        {item.lastError.detail ? ` — ${item.lastError.detail}` : ''}
                      </TechnicalDetail>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {(item.state === 'rejected' || item.state === 'abandoned') && (
                    <button type="button" className="secondary" onClick={() => retry.mutate({ id: item.id })}>
                      Relancer
                    </button>
                  )}
                  {(item.state === 'pending' || item.state === 'rejected') && (
                    <button type="button" className="secondary" onClick={() => abandon.mutate({ id: item.id })}>
                      Abandonner
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function SynchronisationScreen({ detail }: ScreenProps) {
  return (
    <>
      <ScreenTitle description="Réception des décisions et des statuts, envoi des statuts du référent. Hors connexion, les statuts attendent ici et partent à la synchronisation suivante.">
        Synchronisation
      </ScreenTitle>
      <SyncGapNotice />
      <ProgressPanel />
      <RefusedItemsPanel focus={detail === REFUSED_ITEMS_DETAIL} />
      <OutboxPanel />
      <HistoryPanel />
    </>
  );
}
