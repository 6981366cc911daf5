import { useState } from 'react';
import { EVALUATION_SUB_SECTION_LABELS as SUB_SECTIONS, type EvaluationSubSection } from '@shared/domain/decision';
import type { NotificationDetail } from '@shared/domain/worklist';
import { evaluationItemLabel } from '@shared/domain/evaluation-labels';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { ErrorMessage } from '../states';
import { formatDate, todayIso } from '../format';
import { DateField } from '../forms/DateField';
import { useRefreshOnConflict } from './notification-conflict';

/** Flux 2 then 3: the person's consent (date collected), then the MDPH evaluation — never shown before consent. */
export function ConsentEvaluationPanel({ detail }: { detail: NotificationDetail }) {
  const [collectedOn, setCollectedOn] = useState(todayIso);
  const [attempted, setAttempted] = useState(false);
  const record = useApiMutation('notifications:record-consent', ['notifications', 'sync']);
  const refreshOnConflict = useRefreshOnConflict();
  const evaluation = useApiQuery(
    'notifications:evaluation',
    { notificationId: detail.row.id },
    { enabled: detail.consent !== null },
  );
  return (
    <div data-testid="consent-evaluation">
      <h3>Accord et évaluation</h3>
      {detail.consent ? (
        <p>
          Accord de la personne recueilli le {formatDate(detail.consent.collectedOn)} (
          {detail.consent.transmission ?? 'non transmis'}).
        </p>
      ) : (
        <form
          noValidate
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setAttempted(true);
            if (!collectedOn) return;
            record.mutate(
              { notificationId: detail.row.id, collectedOn, seenVersion: detail.version },
              { onError: refreshOnConflict },
            );
          }}
        >
          <p className="muted">
            L’évaluation de la MDPH n’est transmise qu’avec l’accord de la personne (ou de son représentant légal).
          </p>
          <DateField
            label="Date de recueil de l’accord"
            required
            max={todayIso()}
            value={collectedOn}
            onChange={setCollectedOn}
            showErrors={attempted}
          />
          <button type="submit" disabled={record.isPending}>
            Enregistrer l’accord
          </button>
        </form>
      )}
      <ErrorMessage error={record.error ?? evaluation.error} />
      {detail.consent && evaluation.data === null && (
        <p className="muted">L’évaluation sera récupérée à la synchronisation qui suit l’envoi de l’accord.</p>
      )}
      {evaluation.data && (
        <section aria-label="Évaluation MDPH" data-testid="evaluation">
          <p>Évaluation mise à jour le {formatDate(evaluation.data.dateDerniereMiseAJour)}.</p>
          {(Object.keys(SUB_SECTIONS) as EvaluationSubSection[]).map((key) => {
            const items = evaluation.data!.observations.filter((o) => o.subSection === key);
            if (items.length === 0) return null;
            return (
              <div key={key}>
                <h4>{SUB_SECTIONS[key]}</h4>
                <ul className="plain">
                  {items.map((o, i) => (
                    <li key={`${o.name}-${i}`}>
                      <span title={o.name}>{evaluationItemLabel(o.name)}</span> : {o.display ?? o.code ?? '—'}
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </section>
      )}
    </div>
  );
}

/** Renewal: carry the previous decision's units and waiting-list positions over in one action. */
export function RenewalCarryOver({ detail }: { detail: NotificationDetail }) {
  const carry = useApiMutation('notifications:carry-over-renewal', ['notifications', 'waiting-lists', 'sync']);
  const refreshOnConflict = useRefreshOnConflict();
  const previous = detail.linkedDecisions.find((l) => l.direction === 'cette décision remplace' && l.notificationId);
  if (!previous || detail.row.units.length > 0) return null;
  return (
    <div className="notice" data-testid="renewal-carry-over">
      <p>
        Cette décision renouvelle ou révise la décision {previous.idDecision}. Reprendre les unités et les positions en
        liste d’attente de la décision précédente ? Les anciennes lignes seront closes (motif « Renouvellement ») et les
        mêmes statuts envoyés pour la nouvelle décision.
      </p>
      <button
        type="button"
        disabled={carry.isPending}
        onClick={() =>
          carry.mutate({ notificationId: detail.row.id, seenVersion: detail.version }, { onError: refreshOnConflict })
        }
      >
        Reprendre l’unité et la position
      </button>
      {carry.data && <p role="status">{carry.data.carried} ligne(s) reprise(s) ; statuts en attente d’envoi.</p>}
      <ErrorMessage error={carry.error} />
    </div>
  );
}
