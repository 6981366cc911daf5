import { useEffect, useRef, useState } from 'react';
import type { QuarantineItemDto } from '@shared/domain/sync';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { formatInstant } from '../format';
import { Empty, ErrorMessage, TechnicalDetail } from '../states';
import { ReferentWords, useEstablishmentNames } from '../establishment-names';

const FLOW_LABELS: Record<string, string> = {
  flux1: 'Décision (flux 1)',
  flux3: 'Évaluation (flux 3)',
  flux5: 'Statut reçu (flux 5)',
};

/**
 * Items ViaTrajectoire sent that could not be taken in: "à relire" (read again by every sync) and "quarantaine".
 * "Relire maintenant" starts a sync that reads the item again; "Importer quand même" is offered only for items whose
 * sole defects cannot change the decision's meaning, after the referent confirms.
 */
export function RefusedItemsPanel({ focus }: { focus: boolean }) {
  const items = useApiQuery('sync:quarantine-list', { limit: 500 });
  const reread = useApiMutation('sync:quarantine-reread', ['sync']);
  const importItem = useApiMutation('sync:quarantine-import', ['*']);
  const [confirming, setConfirming] = useState<number | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.scrollIntoView?.({ block: 'start' });
  }, [focus]);
  const egName = useEstablishmentNames().label;
  const toReread = items.data?.filter((q) => q.kind === 'à relire').length ?? 0;
  return (
    <section className="panel" aria-labelledby="sync-quarantine" id="elements-refuses">
      <h2 id="sync-quarantine" ref={heading} tabIndex={-1}>
        Éléments refusés (quarantaine et à relire)
      </h2>
      <p className="muted">
        Ressources reçues de ViaTrajectoire qui n’ont pas pu être intégrées ; le reste de la synchronisation a continué.
        Les éléments « à relire » sont relus à chaque synchronisation ; les autres attendent votre décision ou une
        nouvelle publication par la MDPH.
      </p>
      <ErrorMessage error={items.error ?? reread.error ?? importItem.error} />
      {items.data && items.data.length === 0 && <Empty>Aucun élément refusé.</Empty>}
      {items.data && items.data.length > 0 && (
        <>
          <p role="status">
            {items.data.length - toReread} en quarantaine, {toReread} à relire.
          </p>
          <table className="data-table" data-testid="quarantine-table">
            <thead>
              <tr>
                <th scope="col">État</th>
                <th scope="col">Ressource</th>
                <th scope="col">Nature et établissement</th>
                <th scope="col">Raison</th>
                <th scope="col">Vu la 1re fois / la dernière fois</th>
                <th scope="col">Tentatives</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.data.map((q) => (
                <tr key={q.id} data-testid={`refused-${q.resourceId ?? q.id}`}>
                  <td>
                    <span className={`badge ${q.kind === 'à relire' ? 'badge-warn' : 'badge-error'}`}>
                      {q.kind === 'à relire' ? 'À relire' : 'Quarantaine'}
                    </span>
                  </td>
                  <td>{q.resourceId ?? '—'}</td>
                  <td>
                    {FLOW_LABELS[q.flow] ?? q.flow}
                    <br />
                    {q.finessEg ? <span title={`FINESS ${q.finessEg}`}>{egName(q.finessEg)}</span> : '—'}
                  </td>
                  <td>
                    <ReferentWords message={q.reason} />
                    {q.diagnostics && <span className="muted small"> — ViaTrajectoire : {q.diagnostics}</span>}
                    {q.kind === 'à relire' && q.nextAttemptAt && (
                      <span className="muted small"> — prochaine relecture après {formatInstant(q.nextAttemptAt)}</span>
                    )}
                    <TechnicalDetail>règle {q.rule}</TechnicalDetail>
                  </td>
                  <td>
                    {formatInstant(q.createdAt)}
                    <br />
                    {formatInstant(q.lastSeenAt)}
                  </td>
                  <td>{q.attempts}</td>
                  <td>
                    <RowActions
                      item={q}
                      confirming={confirming === q.id}
                      onReread={() => reread.mutate({ id: q.id })}
                      onAskImport={() => setConfirming(q.id)}
                      onCancelImport={() => setConfirming(null)}
                      onConfirmImport={() =>
                        importItem.mutate({ id: q.id, confirmed: true }, { onSettled: () => setConfirming(null) })
                      }
                      busy={reread.isPending || importItem.isPending}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function RowActions(props: {
  item: QuarantineItemDto;
  confirming: boolean;
  busy: boolean;
  onReread: () => void;
  onAskImport: () => void;
  onCancelImport: () => void;
  onConfirmImport: () => void;
}) {
  const { item } = props;
  const rereadable = item.resourceId !== null && (item.flow === 'flux1' || item.flow === 'flux5');
  if (props.confirming) {
    return (
      <div role="group" aria-label={`Confirmer l’import de ${item.resourceId ?? ''}`}>
        <p className="small">
          Le seul défaut (« {item.reason} ») ne change pas le sens de la décision : elle sera importée telle quelle et
          l’import sera inscrit au journal avec votre confirmation.
        </p>
        <button type="button" onClick={props.onConfirmImport} disabled={props.busy}>
          Confirmer l’import
        </button>
        <button type="button" className="secondary" onClick={props.onCancelImport}>
          Annuler
        </button>
      </div>
    );
  }
  return (
    <>
      {rereadable && (
        <button type="button" className="secondary" onClick={props.onReread} disabled={props.busy}>
          Relire maintenant
        </button>
      )}
      {item.importable && (
        <button type="button" className="secondary" onClick={props.onAskImport} disabled={props.busy}>
          Importer quand même
        </button>
      )}
    </>
  );
}
