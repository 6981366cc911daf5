import { useState } from 'react';
import type { ActionOption, NotificationDetail } from '@shared/domain/worklist';
import type { RequestOf } from '@shared/ipc/contract';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { ErrorMessage } from '../states';
import { todayIso } from '../format';
import { DateField } from '../forms/DateField';

/**
 * The actions the shared table offers for this notification. Each asks only what its status needs (unit, target
 * unit, motif, date) and shows the statuses it will send, computed by main, before the referent confirms.
 */
export function ActionPanel({ detail }: { detail: NotificationDetail }) {
  const [selected, setSelected] = useState<ActionOption | null>(null);
  const [done, setDone] = useState<string | null>(null);
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
              className={selected?.id === a.id ? '' : 'secondary'}
              aria-pressed={selected?.id === a.id}
              onClick={() => {
                setDone(null);
                setSelected(a);
              }}
              data-action={a.id}
            >
              {a.label}
            </button>
          ))}
        </div>
      )}
      {done && (
        <p className="state state-ok" role="status" data-testid="action-done">
          {done}
        </p>
      )}
      {selected && (
        <ActionForm
          key={`${selected.id}-${detail.row.id}`}
          option={selected}
          notificationId={detail.row.id}
          onDone={(label) => {
            setSelected(null);
            setDone(`${label} : statut enregistré, envoi à ViaTrajectoire en attente de synchronisation.`);
          }}
          onCancel={() => setSelected(null)}
        />
      )}
    </section>
  );
}

function ActionForm(props: {
  option: ActionOption;
  notificationId: number;
  onDone: (label: string) => void;
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
  };
  const preview = useApiQuery('notifications:preview-action', request, { enabled: complete, retry: false });
  const perform = useApiMutation('notifications:perform-action', ['notifications', 'waiting-lists']);

  return (
    <form
      noValidate
      className="action-form"
      aria-label={option.label}
      onSubmit={(e) => {
        e.preventDefault();
        if (!complete) return;
        perform.mutate(request, { onSuccess: (r) => props.onDone(r.label) });
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
                <li key={l}>{l}</li>
              ))}
            </ul>
            <p>
              Statut ESMS après l’envoi : <strong>{preview.data.esmsStatusAfterLabel}</strong>
            </p>
          </>
        )}
      </div>
      <ErrorMessage error={perform.error} />
      <div className="form-actions">
        <button type="submit" disabled={!complete || !preview.data || perform.isPending} data-testid="action-confirm">
          Confirmer et envoyer
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Annuler
        </button>
      </div>
    </form>
  );
}
