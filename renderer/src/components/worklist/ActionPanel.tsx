import { useEffect, useState } from 'react';
import type { ActionOption, NotificationDetail } from '@shared/domain/worklist';
import type { RequestOf } from '@shared/ipc/contract';
import { api } from '../../api/api-client';
import { useApiMutation, useApiQuery, type ApiError } from '../../api/use-api';
import { ErrorMessage, TechnicalDetail } from '../states';
import { todayIso } from '../format';
import { DateField } from '../forms/DateField';
import { isNotificationChanged, useRefreshOnConflict } from './notification-conflict';

/**
 * The actions the shared table offers for this notification. Each asks only what its status needs (unit, target
 * unit, motif, date) and shows the statuses it will send, computed by main, before the referent confirms —
 * including, after an entry or a refusal because admitted elsewhere, the other open lines it proposes to close
 * (each can be unticked). Once confirmed, the statuses leave at once: the message follows their transmission.
 * The action carries the notification's version shown when the referent chose it: if a colleague or the sync
 * changed the notification meanwhile, main refuses it and says what changed; the form closes, the detail is read
 * again and the referent decides again.
 */
export function ActionPanel({ detail }: { detail: NotificationDetail }) {
  const [selected, setSelected] = useState<{ option: ActionOption; seenVersion: number } | null>(null);
  const [done, setDone] = useState<{ label: string; outboxIds: readonly number[]; state: Transmission } | null>(null);
  const [conflict, setConflict] = useState<ApiError | null>(null);
  useEffect(
    () =>
      api.subscribe('outbox:pushed', (pushed) => {
        setDone((current) => {
          if (!current || current.state !== 'en-attente') return current;
          const mine = (ids: readonly number[]) => current.outboxIds.some((id) => ids.includes(id));
          if (mine(pushed.rejected)) return { ...current, state: 'refuse' };
          if (current.outboxIds.every((id) => pushed.sent.includes(id))) return { ...current, state: 'envoye' };
          if (pushed.offline) return { ...current, state: 'hors-ligne' };
          return current;
        });
      }),
    [],
  );
  return (
    <section className="panel" aria-labelledby="h-actions">
      <h2 id="h-actions">Actions</h2>
      {detail.actions.length === 0 ? (
        <p className="muted">Aucune action possible dans l’état actuel du dossier.</p>
      ) : (
        <div className="action-buttons" role="group" aria-label="Actions possibles">
          {detail.actions.map((a) => (
            <button
              key={a.id}
              type="button"
              className={selected?.option.id === a.id ? '' : 'secondary'}
              aria-pressed={selected?.option.id === a.id}
              onClick={() => {
                setDone(null);
                setConflict(null);
                setSelected({ option: a, seenVersion: detail.version });
              }}
              data-action={a.id}
            >
              {a.label}
            </button>
          ))}
        </div>
      )}
      {done && (
        <p
          className={`state ${done.state === 'refuse' ? 'state-error' : 'state-ok'}`}
          role="status"
          data-testid="action-done"
          data-transmission={done.state}
        >
          {done.label} : {TRANSMISSION_TEXT[done.state]}
        </p>
      )}
      {conflict && (
        <div className="state state-error" role="alert" data-testid="action-conflict">
          {conflict.message}
        </div>
      )}
      {selected && (
        <ActionForm
          key={`${selected.option.id}-${detail.row.id}`}
          option={selected.option}
          notificationId={detail.row.id}
          seenVersion={selected.seenVersion}
          onDone={(label, outboxIds) => {
            setSelected(null);
            setDone({ label, outboxIds, state: 'en-attente' });
          }}
          onConflict={(error) => {
            setSelected(null);
            setConflict(error);
          }}
          onCancel={() => setSelected(null)}
        />
      )}
    </section>
  );
}

type Transmission = 'en-attente' | 'envoye' | 'refuse' | 'hors-ligne';

const TRANSMISSION_TEXT: Readonly<Record<Transmission, string>> = {
  'en-attente': 'statut enregistré, envoi à ViaTrajectoire en cours…',
  envoye: 'statut enregistré et envoyé : ViaTrajectoire l’a accepté.',
  refuse: 'statut enregistré, mais refusé par ViaTrajectoire : voir l’historique des statuts.',
  'hors-ligne': 'statut enregistré ; ViaTrajectoire est injoignable, il partira à la prochaine synchronisation.',
};

function ActionForm(props: {
  option: ActionOption;
  notificationId: number;
  /** The notification's version when the referent chose this action: main refuses the action if it moved. */
  seenVersion: number;
  onDone: (label: string, outboxIds: readonly number[]) => void;
  onConflict: (error: ApiError) => void;
  onCancel: () => void;
}) {
  const { option } = props;
  const [date, setDate] = useState(todayIso());
  const [unitId, setUnitId] = useState<number | undefined>(
    option.sourceUnits.length === 1 ? option.sourceUnits[0]?.id : undefined,
  );
  const [targetUnitId, setTargetUnitId] = useState<number | undefined>(
    option.targetUnits.length === 1 ? option.targetUnits[0]?.id : undefined,
  );
  const [motif, setMotif] = useState('');
  const [description, setDescription] = useState('');
  /** Other open lines the referent unticked: they stay open. */
  const [keepOpen, setKeepOpen] = useState<readonly number[]>([]);
  const needsUnit =
    option.scope === 'unit' ||
    option.scope === 'transfer' ||
    (option.scope === 'unit-optional' && option.sourceUnits.length > 0);
  const complete =
    /^\d{4}-\d{2}-\d{2}$/.test(date) &&
    (!needsUnit || unitId !== undefined) &&
    (option.scope !== 'transfer' || targetUnitId !== undefined) &&
    (!option.motif || motif !== '');
  const request: RequestOf<'notifications:preview-action'> = {
    notificationId: props.notificationId,
    action: option.id,
    date,
    ...(needsUnit && unitId !== undefined ? { unitId } : {}),
    ...(option.scope === 'transfer' && targetUnitId !== undefined ? { targetUnitId } : {}),
    ...(option.motif && motif ? { motif } : {}),
    ...(description.trim() ? { description: description.trim() } : {}),
    ...(keepOpen.length > 0 ? { keepOpenUnitIds: [...keepOpen] } : {}),
  };
  const preview = useApiQuery('notifications:preview-action', request, {
    enabled: complete,
    retry: false,
    // Unticking a line asks for a new preview: the list stays on screen meanwhile.
    placeholderData: (previous) => previous,
  });
  const perform = useApiMutation('notifications:perform-action', ['notifications', 'waiting-lists']);
  const refreshOnConflict = useRefreshOnConflict();

  return (
    <form
      noValidate
      className="action-form"
      aria-label={option.label}
      onSubmit={(e) => {
        e.preventDefault();
        if (!complete) return;
        perform.mutate(
          { ...request, seenVersion: props.seenVersion },
          {
            onSuccess: (r) => props.onDone(r.label, r.outboxIds),
            onError: (error) => {
              refreshOnConflict(error);
              if (isNotificationChanged(error)) props.onConflict(error);
            },
          },
        );
      }}
    >
      <h3>{option.label}</h3>
      <div className="form-grid">
        {needsUnit && (
          <label>
            {option.scope === 'transfer' ? 'Unité actuelle' : 'Unité'}
            <select
              required
              value={unitId ?? ''}
              onChange={(e) => setUnitId(e.target.value ? Number(e.target.value) : undefined)}
              data-testid="action-unit"
            >
              <option value="">Choisir…</option>
              {option.sourceUnits.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {option.scope === 'transfer' && (
          <label>
            Nouvelle unité
            <select
              required
              value={targetUnitId ?? ''}
              onChange={(e) => setTargetUnitId(e.target.value ? Number(e.target.value) : undefined)}
            >
              <option value="">Choisir…</option>
              {option.targetUnits
                .filter((u) => u.id !== unitId)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </select>
          </label>
        )}
        {option.motif && (
          <label>
            Motif
            <select required value={motif} onChange={(e) => setMotif(e.target.value)} data-testid="action-motif">
              <option value="">Choisir…</option>
              {option.motif.options.map((m) => (
                <option key={m.code} value={m.code}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <DateField label={option.dateLabel} required value={date} onChange={setDate} testId="action-date" />
        <label className="wide">
          Commentaire (facultatif)
          <textarea rows={2} maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
      </div>
      <div className="preview" aria-live="polite" data-testid="action-preview">
        {!complete && <p className="muted">Renseignez les champs pour voir les statuts qui seront envoyés.</p>}
        {complete && preview.isFetching && <p className="muted">Calcul des statuts…</p>}
        <ErrorMessage error={complete ? preview.error : null} />
        {complete && preview.data && (
          <>
            <p>Statuts qui seront envoyés à ViaTrajectoire :</p>
            <ul>
              {preview.data.lines.map((l) => (
                <li key={l.technical}>{l.text}</li>
              ))}
            </ul>
            <TechnicalDetail>{preview.data.lines.map((l) => l.technical).join(' · ')}</TechnicalDetail>
            <p>
              Statut ESMS après l’envoi : <strong>{preview.data.esmsStatusAfterLabel}</strong>
            </p>
            {preview.data.closable.length > 0 && (
              <fieldset className="closable-lines" data-testid="closable-lines">
                <legend>Clore aussi les autres inscriptions de la personne</legend>
                {preview.data.closable.map((c) => (
                  <label key={c.unitId} className="checkbox" title={c.closing.technical}>
                    <input
                      type="checkbox"
                      checked={!keepOpen.includes(c.unitId)}
                      onChange={(e) =>
                        setKeepOpen((kept) =>
                          e.target.checked ? kept.filter((id) => id !== c.unitId) : [...kept, c.unitId],
                        )
                      }
                    />
                    « {c.unitName} » ({c.statusLabel}) : clore avec {c.closing.text}
                  </label>
                ))}
              </fieldset>
            )}
          </>
        )}
      </div>
      <ErrorMessage error={perform.error} />
      <div className="form-actions">
        <button
          type="submit"
          disabled={!complete || !preview.data || preview.isPlaceholderData || perform.isPending}
          data-testid="action-confirm"
        >
          Confirmer et envoyer
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Annuler
        </button>
      </div>
    </form>
  );
}
