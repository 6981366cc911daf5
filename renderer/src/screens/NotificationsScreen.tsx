import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RequestOf } from '@shared/ipc/contract';
import type { WorklistRow, WorklistSortField } from '@shared/domain/worklist';
import { STATUT_ESMS, STATUT_UNITE } from '@shared/terminology/code-lists';
import { useApiQuery } from '../api/use-api';
import type { ScreenProps } from '../app/screen-props';
import { navigate } from '../app/use-route';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatCount, formatDate } from '../components/format';
import { ATraiterBadge, ValidityBadge } from '../components/worklist/badges';
import { CopyableId } from '../components/worklist/CopyableId';
import { filterFromQuery } from '../components/worklist/worklist-route';
import { CategoryFilter, CodeListFilter, EntityFilter, UnitFilter } from '../components/worklist/FacetFilters';
import { NotificationDetailView } from '../components/worklist/NotificationDetailView';

const ROW_HEIGHT = 52;

/**
 * Columns sized by their content: dates and identifiers have the fixed width of their longest text (a date's last
 * digit is never cut, an identifier shows whole), the free texts share the rest, names first. Fits 1280 px.
 */
const COLUMNS: readonly { key: string; label: string; sort?: WorklistSortField; width: string }[] = [
  { key: 'personne', label: 'Personne', sort: 'nom', width: 'minmax(10em, 2fr)' },
  { key: 'naissance', label: 'Naissance', sort: 'naissance', width: '6.6em' },
  { key: 'etablissement', label: 'Établissement', width: 'minmax(7.4em, 1fr)' },
  { key: 'categorie', label: 'Orientation', sort: 'categorie', width: 'minmax(6em, 1.2fr)' },
  { key: 'decision', label: 'Décision', sort: 'decision', width: '6.6em' },
  { key: 'identifiants', label: 'N° individu / décision', width: '14.6em' },
  { key: 'validite', label: 'Validité', sort: 'validite', width: '7.6em' },
  { key: 'statut', label: 'Statut ESMS', sort: 'statut', width: 'minmax(6.5em, 1.2fr)' },
  { key: 'unites', label: 'Unités', width: 'minmax(4em, 0.8fr)' },
];
const GRID = COLUMNS.map((c) => c.width).join(' ');

type Filter = RequestOf<'notifications:list'>;

export function NotificationsScreen({ detail, query }: ScreenProps) {
  const id = detail ? Number(detail) : NaN;
  if (Number.isInteger(id) && id > 0) return <NotificationDetailView id={id} />;
  // A new link (a dashboard tile) starts a list with its own filters.
  return <WorkList key={query ?? ''} query={query} />;
}

function WorkList({ query }: { query: string | undefined }) {
  const [filter, setFilter] = useState<Filter>(() => ({
    showTerminated: false,
    sort: 'recu',
    direction: 'desc',
    ...filterFromQuery(query),
  }));
  const [searchText, setSearchText] = useState('');
  const [active, setActive] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  // Debounce the search so typing stays fluid on 10,000 rows.
  useEffect(() => {
    const t = setTimeout(() => setFilter((f) => ({ ...f, search: searchText.trim() || undefined })), 200);
    return () => clearTimeout(t);
  }, [searchText]);

  const facets = useApiQuery('notifications:facets', {});
  const list = useApiQuery('notifications:list', filter, { placeholderData: keepPreviousData });
  const rows = useMemo(() => list.data?.rows ?? [], [list.data]);
  // The rows shown are still those of earlier criteria while the search waits out its debounce or the new list loads.
  const updating = (searchText.trim() || undefined) !== filter.search || list.isPlaceholderData;

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual re-renders the table itself; no memoised child reads it
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  const set = (patch: Partial<Filter>) => {
    setActive(0);
    setFilter((f) => ({ ...f, ...patch }));
  };
  const sortBy = (field: WorklistSortField) =>
    set({ sort: field, direction: filter.sort === field && filter.direction === 'asc' ? 'desc' : 'asc' });

  const move = (to: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, to));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  /** Work-list shortcuts: / search, ↑↓ (or j/k) move, Page↑/↓, Entrée opens, t terminated, a à traiter. */
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const inField = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
    if (e.key === '/' && !inField) {
      e.preventDefault();
      searchRef.current?.focus();
      return;
    }
    if (inField) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 500) / ROW_HEIGHT) - 1);
    const actions: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      j: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      k: () => move(active - 1),
      PageDown: () => move(active + page),
      PageUp: () => move(active - page),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      Enter: () => {
        const row = rows[active];
        if (row) navigate(`notifications/${row.id}`);
      },
      t: () => set({ showTerminated: !filter.showTerminated }),
      a: () => set({ aTraiter: filter.aTraiter ? undefined : true }),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  return (
    <div onKeyDown={onKeyDown}>
      <ScreenTitle description="Les notifications de décisions d’orientation reçues de ViaTrajectoire pour vos établissements activés.">
        Notifications
      </ScreenTitle>
      <div className="filters" role="search">
        <label>
          Rechercher
          <input
            ref={searchRef}
            type="search"
            value={searchText}
            placeholder="Nom, n° individu MDPH, n° de décision"
            onChange={(e) => setSearchText(e.target.value)}
            data-testid="worklist-search"
          />
        </label>
        <EntityFilter facets={facets.data} value={filter.finessEg} onChange={(finessEg) => set({ finessEg })} />
        <UnitFilter facets={facets.data} value={filter.unitId} onChange={(unitId) => set({ unitId })} />
        <CodeListFilter
          label="Statut ESMS"
          concepts={STATUT_ESMS.concepts}
          value={filter.esmsStatus}
          onChange={(esmsStatus) => set({ esmsStatus })}
        />
        <CodeListFilter
          label="Statut unité"
          concepts={STATUT_UNITE.concepts}
          value={filter.unitStatus}
          onChange={(unitStatus) => set({ unitStatus })}
        />
        <CategoryFilter facets={facets.data} value={filter.category} onChange={(category) => set({ category })} />
        <label>
          Validité
          <select
            value={filter.validity ?? ''}
            onChange={(e) => set({ validity: (e.target.value || undefined) as Filter['validity'] })}
          >
            <option value="">Toutes</option>
            <option value="valide">Plus de 3 mois</option>
            <option value="bientot">Moins de 3 mois</option>
            <option value="expiree">Expirée</option>
            <option value="inconnue">Non précisée</option>
          </select>
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={filter.aTraiter === true}
            onChange={(e) => set({ aTraiter: e.target.checked ? true : undefined })}
            data-testid="filter-a-traiter"
          />
          À traiter (non lues comprises)
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={filter.showTerminated === true}
            onChange={(e) => set({ showTerminated: e.target.checked })}
            data-testid="show-terminated"
          />
          Afficher les dossiers terminés
        </label>
      </div>
      <p className="muted shortcuts" id="worklist-help">
        Raccourcis : <kbd>/</kbd> rechercher, <kbd>↑</kbd> <kbd>↓</kbd> se déplacer, <kbd>Entrée</kbd> ouvrir,{' '}
        <kbd>a</kbd> à traiter, <kbd>t</kbd> dossiers terminés.
      </p>
      <ErrorMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.data && (
        <p className="muted" role="status" aria-busy={updating} data-testid="worklist-count">
          {formatCount(list.data.rows.length)} notification(s)
          {list.data.hiddenTerminated > 0 && !filter.showTerminated
            ? ` · ${formatCount(list.data.hiddenTerminated)} dossier(s) terminé(s) masqué(s)`
            : ''}
        </p>
      )}
      {list.data && rows.length === 0 && <Empty>Aucune notification pour ces critères.</Empty>}
      {rows.length > 0 && (
        <div
          className="vtable"
          role="table"
          aria-label="Notifications"
          aria-rowcount={rows.length + 1}
          aria-busy={updating}
          aria-describedby="worklist-help"
          data-testid="worklist"
        >
          <div role="rowgroup">
            <div className="vtable-row vtable-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: GRID }}>
              {COLUMNS.map((c) => (
                <div
                  key={c.key}
                  role="columnheader"
                  aria-sort={
                    c.sort && filter.sort === c.sort
                      ? filter.direction === 'asc'
                        ? 'ascending'
                        : 'descending'
                      : undefined
                  }
                >
                  {c.sort ? (
                    <button type="button" className="link-button" onClick={() => c.sort && sortBy(c.sort)}>
                      {c.label}
                      {filter.sort === c.sort ? (filter.direction === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  ) : (
                    c.label
                  )}
                </div>
              ))}
            </div>
          </div>
          <div
            ref={scrollRef}
            className="vtable-body"
            role="rowgroup"
            tabIndex={0}
            aria-label="Lignes de la liste, flèches pour se déplacer"
            data-testid="worklist-scroll"
          >
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((item) => {
                const row = rows[item.index];
                if (!row) return null;
                return (
                  <WorkRow
                    key={row.id}
                    row={row}
                    index={item.index}
                    active={item.index === active}
                    top={item.start}
                    onSelect={() => setActive(item.index)}
                  />
                );
              })}
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

function WorkRow(props: { row: WorklistRow; index: number; active: boolean; top: number; onSelect: () => void }) {
  const { row } = props;
  return (
    <div
      className={`vtable-row${props.active ? ' vtable-active' : ''}${row.terminated ? ' vtable-terminated' : ''}`}
      role="row"
      aria-rowindex={props.index + 2}
      aria-selected={props.active}
      style={{ gridTemplateColumns: GRID, transform: `translateY(${props.top}px)`, height: ROW_HEIGHT }}
      onClick={props.onSelect}
      data-testid="worklist-row"
    >
      <div role="cell">
        <a href={`#/notifications/${row.id}`} className="row-link clip" title={`${row.familyName} ${row.givenNames}`}>
          {row.familyName} {row.givenNames}
        </a>
        {(row.aTraiter || row.unread) && (
          <div className="row-badges">
            {row.aTraiter && <ATraiterBadge reason={row.aTraiterReason} />}
            {row.unread && !row.aTraiter && <span className="badge badge-info">Non lue</span>}
          </div>
        )}
      </div>
      <div role="cell" className="nowrap">
        {formatDate(row.birthDate)}
      </div>
      <div role="cell" className="clip" title={`${row.egName} — FINESS ${row.finessEg}`} data-testid="worklist-eg">
        {row.egName}
      </div>
      <div role="cell" className="clip" title={row.categoryLabel}>
        {row.categoryLabel}
      </div>
      <div role="cell" className="nowrap">
        {formatDate(row.decisionDate)}
      </div>
      <div role="cell" className="identifiers">
        <CopyableId label="N° individu MDPH" value={row.mdphIndividualId} />
        <CopyableId label="N° de décision" value={row.idDecision} />
      </div>
      <div role="cell">
        <ValidityBadge state={row.validity} end={row.validityEnd} />
      </div>
      <div role="cell" className="clip" title={row.esmsStatusLabel}>
        {row.esmsStatusLabel}
        {row.terminated && <span className="muted small"> (terminé)</span>}
      </div>
      <div role="cell" className="clip">
        {row.units.length === 0
          ? '—'
          : row.units.map((u) => (
              <div key={u.unitId} className="small clip" title={`${u.unitName} : ${u.statusLabel}`}>
                {u.unitName} : {u.statusLabel}
              </div>
            ))}
      </div>
    </div>
  );
}
