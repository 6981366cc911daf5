import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { ErrorMessage } from '../states';

/** Paramètres of the sync: largest decision document taken in, and how long an unreadable item is read again. */
export function SyncLimitsPanel() {
  const limits = useApiQuery('sync:limits', {});
  const save = useApiMutation('sync:set-limits', ['sync']);
  // null until the referent types: the fields show the stored values.
  const [size, setSize] = useState<string | null>(null);
  const [days, setDays] = useState<string | null>(null);
  const sizeValue = size ?? String(limits.data?.maxAttachmentKib ?? '');
  const daysValue = days ?? String(limits.data?.rereadDays ?? '');
  return (
    <section className="panel" aria-labelledby="sync-limits-title">
      <h2 id="sync-limits-title">Réception depuis ViaTrajectoire</h2>
      <p className="muted">
        Une décision réelle pèse quelques dizaines de kio : un document plus lourd que la limite est mis en quarantaine
        sans être lu. Un élément illisible pour une raison passagère est relu à chaque synchronisation pendant la durée
        indiquée, puis mis en quarantaine.
      </p>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(
            { maxAttachmentKib: Number(sizeValue), rereadDays: Number(daysValue) },
            {
              onSuccess: () => {
                setSize(null);
                setDays(null);
              },
            },
          );
        }}
      >
        <label>
          Taille maximale d’un document de décision (kio)
          <input
            type="number"
            min={16}
            max={65536}
            value={sizeValue}
            onChange={(e) => setSize(e.target.value)}
            data-testid="max-attachment-kib"
          />
        </label>
        <label>
          Relire un élément illisible pendant (jours)
          <input type="number" min={1} max={90} value={daysValue} onChange={(e) => setDays(e.target.value)} />
        </label>
        <div>
          <button type="submit" disabled={save.isPending}>
            Enregistrer
          </button>
        </div>
      </form>
      {save.isSuccess && (
        <p className="notice" role="status">
          Limites enregistrées : elles s’appliquent dès la prochaine synchronisation.
        </p>
      )}
      <ErrorMessage error={limits.error ?? save.error} />
    </section>
  );
}
