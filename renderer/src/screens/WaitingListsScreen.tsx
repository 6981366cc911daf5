import { useState } from 'react';
import type { RequestOf } from '@shared/ipc/contract';
import type { WaitingListUnit } from '@shared/domain/worklist';
import { call, useApiQuery } from '../api/use-api';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatCount, formatDate, formatDays } from '../components/format';
import { downloadText } from '../components/download';
import { CategoryFilter, EntityFilter, UnitFilter } from '../components/worklist/FacetFilters';
import { WaitingListChart } from '../components/worklist/WaitingListChart';

type Filter = RequestOf<'waiting-lists:list'>;

export function WaitingListsScreen() {
  const [filter, setFilter] = useState<Filter>({});
  const [exportError, setExportError] = useState<Error | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const facets = useApiQuery('notifications:facets', {});
  const lists = useApiQuery('waiting-lists:list', filter);
  const set = (patch: Partial<Filter>) => setFilter((f) => ({ ...f, ...patch }));
  const total = lists.data?.reduce((s, u) => s + u.entries.length, 0) ?? 0;

  const exportCsv = async () => {
    setExportError(null);
    try {
      const file = await call('waiting-lists:export-csv', filter);
      downloadText(file.fileName, file.content, 'text/csv;charset=utf-8');
      setExported(`${file.fileName} : ${formatCount(file.rows)} ligne(s) exportée(s).`);
    } catch (e) {
      setExportError(e as Error);
    }
  };

  return (
    <>
      <ScreenTitle description="Les personnes en liste d'attente de chaque unité ROR (demande reçue, admissible, admis), de la demande la plus ancienne à la plus récente.">
        Listes d'attente
      </ScreenTitle>
      <div className="filters no-print">
        <EntityFilter facets={facets.data} value={filter.finessEg} onChange={(finessEg) => set({ finessEg })} />
        <UnitFilter facets={facets.data} value={filter.unitId} onChange={(unitId) => set({ unitId })} />
        <label>
          Statut
          <select value={filter.status ?? ''} onChange={(e) => set({ status: e.target.value || undefined })}>
            <option value="">Tous</option>
            <option value="182">Demande reçue, en cours d'analyse</option>
            <option value="183">Admissible</option>
            <option value="184">Admis</option>
          </select>
        </label>
        <CategoryFilter facets={facets.data} value={filter.category} onChange={(category) => set({ category })} />
        <button type="button" onClick={() => void exportCsv()} data-testid="export-csv">
          Exporter en CSV
        </button>
        <button type="button" className="secondary" onClick={() => window.print()}>
          Imprimer / PDF
        </button>
      </div>
      {exported && (
        <p className="muted no-print" role="status">
          {exported}
        </p>
      )}
      <ErrorMessage error={exportError} />
      <ErrorMessage error={lists.error} />
      {lists.isPending && <Loading />}
      {lists.data && lists.data.length === 0 && <Empty>Aucune unité ROR pour ces critères.</Empty>}
      {lists.data && lists.data.length > 0 && (
        <>
          <p className="muted" data-testid="waiting-total">
            {formatCount(total)} inscription(s) en liste d'attente · imprimé le {formatDate(new Date().toISOString())}
          </p>
          <WaitingListChart units={lists.data} />
          {lists.data.map((u) => (
            <UnitList key={u.unitId} unit={u} />
          ))}
        </>
      )}
    </>
  );
}

function UnitList({ unit }: { unit: WaitingListUnit }) {
  return (
    <section className="panel print-block" aria-labelledby={`wl-${unit.unitId}`} data-testid="waiting-unit">
      <h2 id={`wl-${unit.unitId}`}>
        {unit.unitName}{' '}
        <span className="muted small">
          ({unit.egName} · ROR {unit.idRor})
        </span>
      </h2>
      <p className="muted">
        {formatCount(unit.entries.length)} personne(s) · attente moyenne : {formatDays(unit.meanWaitingDays)}
      </p>
      {unit.entries.length > 0 && (
        <table className="data-table">
          <caption className="visually-hidden">Liste d'attente de l'unité {unit.unitName}</caption>
          <thead>
            <tr>
              <th scope="col">Rang</th>
              <th scope="col">Personne</th>
              <th scope="col">Naissance</th>
              <th scope="col">Statut</th>
              <th scope="col">Demande</th>
              <th scope="col">Attente</th>
              <th scope="col">Priorité</th>
              <th scope="col">Fin de validité</th>
            </tr>
          </thead>
          <tbody>
            {unit.entries.map((e, i) => (
              <tr key={e.notificationId}>
                <td>{i + 1}</td>
                <td>
                  <a href={`#/notifications/${e.notificationId}`}>
                    {e.familyName} {e.givenNames}
                  </a>
                  <div className="small muted">{e.categoryLabel}</div>
                </td>
                <td>{formatDate(e.birthDate)}</td>
                <td>{e.statusLabel}</td>
                <td>{formatDate(e.requestDate)}</td>
                <td>{formatDays(e.waitingDays)}</td>
                <td>{e.priority ?? '—'}</td>
                <td>{formatDate(e.validityEnd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
