import {
  memo,
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type Ref,
} from 'react';
import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import { flushSync } from 'react-dom';
import type { RequestOf } from '@shared/ipc/contract';
import type {
  UnitLineSummary,
  WorklistFacets,
  WorklistResult,
  WorklistRow,
  WorklistSortField,
} from '@shared/domain/worklist';
import { STATUT_ESMS, STATUT_UNITE } from '@shared/terminology/code-lists';
import { apiQueryKey, call, useApiQuery } from '../api/use-api';
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
 * The list is virtualised and main sends a window of it at a time: the rows from one page before the viewport's
 * first row to two pages after, realigned each time the viewport crosses a page. One answer stays small (150 rows,
 * about 115 kB of JSON: each filter change or search waits for one) whatever the list's length, and the screen
 * holds only the window it shows. A page (50 rows, 2,600 px) is taller than any viewport.
 */
const PAGE_ROWS = 50;
const WINDOW_ROWS = 3 * PAGE_ROWS;
/** Where the window starts for a viewport whose first row is `firstRow`. */
const windowStartFor = (firstRow: number) => Math.max(0, (Math.floor(firstRow / PAGE_ROWS) - 1) * PAGE_ROWS);

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

/** While the list is still being read (first opening of a long list), how often its window is asked again. */
const INCOMPLETE_LIST_RETRY_MS = 250;

/** The list's criteria when it opens: the defaults, then those of the link that opened it (a dashboard tile). */
const openingFilter = (query: string | undefined): Filter => ({
  showTerminated: false,
  sort: 'recu',
  direction: 'desc',
  ...filterFromQuery(query),
});

const listRequest = (filter: Filter, windowStart: number): Filter => ({
  ...filter,
  offset: windowStart,
  limit: WINDOW_ROWS,
});

/**
 * Asks for the list's first window as soon as the route changes to it, before the screen mounts: the request runs
 * while the screen renders its frame, and the screen's own query finds it in flight (same key).
 */
export function prefetchWorkList(queryClient: QueryClient, detail: string | undefined, query: string): void {
  if (detail) return;
  const request = listRequest(openingFilter(query), 0);
  void queryClient.prefetchQuery({
    queryKey: apiQueryKey('notifications:list', request),
    queryFn: ({ signal }) => call('notifications:list', request, signal),
  });
}

/** How long the first window kept warm stays cached once no screen observes it (the switch to Notifications). */
const WARM_WINDOW_GC_MS = 60_000;

/**
 * The default list's first window (« reçu », newest first: what the Notifications link opens), observed while another
 * screen shows, so asked again on every change main announces: opening Notifications renders its rows at once from
 * the cache. One window (150 rows, ≈115 kB), answered by main from its work-list snapshot.
 */
export function WorkListWarmup(): null {
  const request = listRequest(openingFilter(undefined), 0);
  useQuery({
    queryKey: apiQueryKey('notifications:list', request),
    // Without the abort signal: a read still on its way when the referent opens Notifications is not cancelled as
    // this observer goes (it was, and the screen asked again from nothing); the screen takes its answer.
    queryFn: () => call('notifications:list', request),
    gcTime: WARM_WINDOW_GC_MS,
  });
  return null;
}

function WorkList({ query }: { query: string | undefined }) {
  const [filter, setFilter] = useState<Filter>(() => openingFilter(query));
  const [searchText, setSearchText] = useState('');
  const [active, setActive] = useState(0);
  const [windowStart, setWindowStart] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const rowsRef = useRef<RowsHandle>(null);

  /** New criteria: a new list, shown from its top. */
  const changeFilter = useCallback((change: (f: Filter) => Filter) => {
    setActive(0);
    setWindowStart(0);
    rowsRef.current?.scrollToTop();
    setFilter(change);
  }, []);

  // Debounce the search so typing stays fluid on 10,000 rows.
  useEffect(() => {
    const search = searchText.trim() || undefined;
    const t = setTimeout(() => {
      if (search !== filter.search) changeFilter((f) => ({ ...f, search }));
    }, 200);
    return () => clearTimeout(t);
  }, [searchText, filter.search, changeFilter]);

  const facets = useApiQuery('notifications:facets', {});
  // Only the window shown is kept: a list left (other criteria, rows scrolled past) is dropped at once rather than
  // cached for minutes (hundreds of MB once the referent has tried a few filters on a long list).
  const list = useApiQuery('notifications:list', listRequest(filter, windowStart), {
    placeholderData: keepPreviousData,
    gcTime: 0,
    // The first read of a long list answers its newest rows first: asked again until the whole list is read.
    refetchInterval: (q) => (q.state.data?.complete === false ? INCOMPLETE_LIST_RETRY_MS : false),
  });
  const total = list.data?.total ?? 0;
  // The rows shown are still those of earlier criteria (or window) while the search waits out its debounce or the
  // list asked for loads.
  const updating =
    (searchText.trim() || undefined) !== filter.search || list.isPlaceholderData || list.data?.complete === false;
  const onFirstRow = useCallback((firstRow: number) => setWindowStart(windowStartFor(firstRow)), []);

  const set = useCallback((patch: Partial<Filter>) => changeFilter((f) => ({ ...f, ...patch })), [changeFilter]);
  const sortBy = useCallback(
    (field: WorklistSortField) =>
      changeFilter((f) => ({
        ...f,
        sort: field,
        direction: f.sort === field && f.direction === 'asc' ? 'desc' : 'asc',
      })),
    [changeFilter],
  );

  const move = (to: number) => {
    const next = Math.max(0, Math.min(total - 1, to));
    setActive(next);
    rowsRef.current?.scrollToIndex(next);
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
    const page = Math.max(1, Math.floor((rowsRef.current?.viewportHeight() ?? 500) / ROW_HEIGHT) - 1);
    const actions: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      j: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      k: () => move(active - 1),
      PageDown: () => move(active + page),
      PageUp: () => move(active - page),
      Home: () => move(0),
      End: () => move(total - 1),
      Enter: () => {
        const row = list.data && rowAt(list.data, active);
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
      <WorkListFilters
        filter={filter}
        facets={facets.data}
        searchText={searchText}
        onSearchText={setSearchText}
        searchRef={searchRef}
        onChange={set}
      />
      <p className="muted shortcuts" id="worklist-help">
        Raccourcis : <kbd>/</kbd> rechercher, <kbd>↑</kbd> <kbd>↓</kbd> se déplacer, <kbd>Entrée</kbd> ouvrir,{' '}
        <kbd>a</kbd> à traiter, <kbd>t</kbd> dossiers terminés.
      </p>
      <ErrorMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.data && (
        <p className="muted" role="status" aria-busy={updating} data-testid="worklist-count">
          {list.data.complete ? '' : 'Au moins '}
          {formatCount(list.data.total)} notification(s)
          {list.data.hiddenTerminated > 0 && !filter.showTerminated
            ? ` · ${formatCount(list.data.hiddenTerminated)} dossier(s) terminé(s) masqué(s)`
            : ''}
          {list.data.complete ? '' : ' · chargement de la liste complète…'}
        </p>
      )}
      {list.data && total === 0 && <Empty>Aucune notification pour ces critères.</Empty>}
      {list.data && total > 0 && (
        <div
          className="vtable"
          role="table"
          aria-label="Notifications"
          aria-rowcount={total + 1}
          aria-busy={updating}
          aria-describedby="worklist-help"
          data-testid="worklist"
        >
          <ListHeader sort={filter.sort} direction={filter.direction} onSort={sortBy} />
          <VirtualRows ref={rowsRef} list={list.data} active={active} onActivate={setActive} onFirstRow={onFirstRow} />
        </div>
      )}
    </div>
  );
}

/**
 * The filters bar: renders again only when the criteria, the facets or the search text change (not as the list
 * scrolls and its windows load).
 */
const WorkListFilters = memo(function WorkListFilters(props: {
  filter: Filter;
  facets: WorklistFacets | undefined;
  searchText: string;
  onSearchText: (text: string) => void;
  searchRef: Ref<HTMLInputElement>;
  onChange: (patch: Partial<Filter>) => void;
}) {
  const { filter, facets, searchText, onSearchText, searchRef, onChange } = props;
  return (
    <div className="filters" role="search">
      <label>
        Rechercher
        <input
          ref={searchRef}
          type="search"
          value={searchText}
          placeholder="Nom, n° individu MDPH, n° de décision"
          onChange={(e) => onSearchText(e.target.value)}
          data-testid="worklist-search"
        />
      </label>
      <EntityFilter facets={facets} value={filter.finessEg} onChange={(finessEg) => onChange({ finessEg })} />
      <UnitFilter facets={facets} value={filter.unitId} onChange={(unitId) => onChange({ unitId })} />
      <CodeListFilter
        label="Statut ESMS"
        concepts={STATUT_ESMS.concepts}
        value={filter.esmsStatus}
        onChange={(esmsStatus) => onChange({ esmsStatus })}
      />
      <CodeListFilter
        label="Statut unité"
        concepts={STATUT_UNITE.concepts}
        value={filter.unitStatus}
        onChange={(unitStatus) => onChange({ unitStatus })}
      />
      <CategoryFilter facets={facets} value={filter.category} onChange={(category) => onChange({ category })} />
      <label>
        Validité
        <select
          value={filter.validity ?? ''}
          onChange={(e) => onChange({ validity: (e.target.value || undefined) as Filter['validity'] })}
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
          onChange={(e) => onChange({ aTraiter: e.target.checked ? true : undefined })}
          data-testid="filter-a-traiter"
        />
        À traiter (non lues comprises)
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={filter.showTerminated === true}
          onChange={(e) => onChange({ showTerminated: e.target.checked })}
          data-testid="show-terminated"
        />
        Afficher les dossiers terminés
      </label>
    </div>
  );
});

/** The column headers, sort buttons included: render again only when the sort changes. */
const ListHeader = memo(function ListHeader(props: {
  sort: WorklistSortField | undefined;
  direction: Filter['direction'];
  onSort: (field: WorklistSortField) => void;
}) {
  const { sort, direction, onSort } = props;
  return (
    <div role="rowgroup">
      <div className="vtable-row vtable-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: GRID }}>
        {COLUMNS.map((c) => (
          <div
            key={c.key}
            role="columnheader"
            aria-sort={c.sort && sort === c.sort ? (direction === 'asc' ? 'ascending' : 'descending') : undefined}
          >
            {c.sort ? (
              <button type="button" className="link-button" onClick={() => c.sort && onSort(c.sort)}>
                {c.label}
                {sort === c.sort ? (direction === 'asc' ? ' ▲' : ' ▼') : ''}
              </button>
            ) : (
              c.label
            )}
          </div>
        ))}
      </div>
    </div>
  );
});

/** The row at `index` of the whole list, if the window received holds it. */
function rowAt(list: WorklistResult, index: number): WorklistRow | undefined {
  return list.rows[index - list.offset];
}

interface RowsHandle {
  scrollToIndex(index: number): void;
  scrollToTop(): void;
  viewportHeight(): number;
}

/**
 * The list's viewport: the window's height less the screen's title and filters above it, never under 300 px. Given
 * here rather than in the style sheet: the first render sizes its rows from it.
 */
const LIST_VIEWPORT = { belowWindowTopPx: 360, minPx: 300 } as const;
const LIST_VIEWPORT_CSS_HEIGHT = `max(${LIST_VIEWPORT.minPx}px, calc(100vh - ${LIST_VIEWPORT.belowWindowTopPx}px))`;
const listViewportHeight = () => Math.max(LIST_VIEWPORT.minPx, window.innerHeight - LIST_VIEWPORT.belowWindowTopPx);

/** Rows rendered beyond each edge of the viewport: the compositor may scroll a little ahead of the rows. */
const OVERSCAN = 3;

/**
 * The scrolling body of the list: the only part of the screen that renders again as the referent scrolls (the
 * filters and headers do not). It tells which row tops the viewport, so the screen asks for the window around it;
 * a row of the viewport the window does not hold yet shows as loading.
 *
 * Rows have one fixed height, so the rows on screen follow from the scroll offset alone: no measuring, no table of
 * every row's position (100,000 entries on a long list), and a render only when the first row shown changes.
 */
function VirtualRows(props: {
  ref: Ref<RowsHandle>;
  list: WorklistResult;
  active: number;
  onActivate: (index: number) => void;
  onFirstRow: (index: number) => void;
}) {
  const { ref, list, active, onActivate, onFirstRow } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  // A new list starts at its top (the scroller is new).
  const [firstShown, setFirstShown] = useState(0);
  // The tallest the viewport has been: the number of rows rendered only grows (see slots below). It starts from the
  // height the viewport is given: the first render has all its rows without measuring the viewport, which would
  // lay the page out before its frame only to render again (a render and a layout more on every opening of the
  // list). The observer reports the viewport's real height once the frame is laid out.
  const [tallestViewport, setTallestViewport] = useState(listViewportHeight);
  useLayoutEffect(() => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    const firstFromScroll = () => Math.floor(scroller.scrollTop / ROW_HEIGHT);
    // The rows entering as the list scrolls are in the DOM before the frame is painted (a render only when the
    // first row shown changes: the same state is no render).
    const onScroll = () => flushSync(() => setFirstShown(firstFromScroll()));
    const resizes = new ResizeObserver(([entry]) => {
      const height = entry?.contentRect.height ?? 0;
      setTallestViewport((tallest) => Math.max(tallest, height));
    });
    resizes.observe(scroller);
    scroller.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      resizes.disconnect();
      scroller.removeEventListener('scroll', onScroll);
    };
  }, []);
  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex: (index) => {
        const scroller = scrollRef.current;
        if (!scroller) return;
        const top = index * ROW_HEIGHT;
        if (top < scroller.scrollTop) scroller.scrollTop = top;
        else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) {
          scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
        }
      },
      scrollToTop: () => scrollRef.current?.scrollTo({ top: 0 }),
      viewportHeight: () => scrollRef.current?.clientHeight ?? 500,
    }),
    [],
  );
  // Rows are recycled: the element of a row leaving the window shows the row entering it (keys are slots, not
  // notifications), so scrolling changes a few texts instead of building and laying out a new row from nothing.
  // The window has a constant length, `slots` rows, each index in slot `index % slots`; the elements keep their DOM
  // order, their place on screen comes from their index.
  const slots = Math.min(Math.ceil(tallestViewport / ROW_HEIGHT) + 1 + 2 * OVERSCAN, list.total);
  const first = Math.max(0, Math.min(firstShown - OVERSCAN, list.total - slots));
  const bySlot: number[] = new Array<number>(slots);
  for (let index = first; index < first + slots; index += 1) bySlot[index % slots] = index;
  const idPrefix = useId();
  useEffect(() => onFirstRow(first), [first, onFirstRow]);
  return (
    <div
      ref={scrollRef}
      className="vtable-body"
      style={{ height: LIST_VIEWPORT_CSS_HEIGHT }}
      role="rowgroup"
      tabIndex={0}
      aria-label="Lignes de la liste, flèches pour se déplacer"
      // The DOM holds the rows in slot order: assistive technologies read them in the list's order.
      aria-owns={Array.from({ length: slots }, (_, k) => `${idPrefix}${(first + k) % slots}`).join(' ')}
      data-testid="worklist-scroll"
    >
      <div style={{ height: list.total * ROW_HEIGHT, position: 'relative' }}>
        {bySlot.map((index, slot) => {
          const row = rowAt(list, index);
          const id = `${idPrefix}${slot}`;
          return row ? (
            <WorkRow key={slot} id={id} row={row} index={index} active={index === active} onSelect={onActivate} />
          ) : (
            <LoadingRow key={`chargement-${slot}`} id={id} index={index} />
          );
        })}
      </div>
    </div>
  );
}

function LoadingRow({ id, index }: { id: string; index: number }) {
  return (
    <div
      id={id}
      className="vtable-row vtable-loading"
      role="row"
      aria-rowindex={index + 2}
      aria-busy="true"
      style={{ gridTemplateColumns: GRID, top: index * ROW_HEIGHT, height: ROW_HEIGHT }}
    >
      <div role="cell" className="muted">
        Chargement…
      </div>
    </div>
  );
}

/** Unit lines as the list shows them: equal when each line shows the same. */
function sameUnits(a: readonly UnitLineSummary[], b: readonly UnitLineSummary[]): boolean {
  return (
    a.length === b.length &&
    a.every((u, i) => {
      const v = b[i];
      return v !== undefined && u.unitId === v.unitId && u.unitName === v.unitName && u.statusLabel === v.statusLabel;
    })
  );
}

/**
 * The same row content: a window received again (scrolling on, or after a sync) brings new objects for rows that
 * did not change, and those need no new render.
 */
function sameRow(a: WorklistRow, b: WorklistRow): boolean {
  if (a === b) return true;
  for (const key of Object.keys(a) as (keyof WorklistRow)[]) {
    if (key !== 'units' && a[key] !== b[key]) return false;
  }
  return sameUnits(a.units, b.units);
}

interface WorkRowProps {
  readonly id: string;
  readonly row: WorklistRow;
  readonly index: number;
  readonly active: boolean;
  readonly onSelect: (index: number) => void;
}

const WorkRow = memo(
  function WorkRow(props: WorkRowProps) {
    const { row } = props;
    const element = useRef<HTMLDivElement>(null);
    const shown = useRef(row.id);
    useLayoutEffect(() => {
      if (shown.current === row.id) return;
      shown.current = row.id;
      // The element now shows another notification (recycled as the list scrolls): a link or button focused in it
      // would now open or copy that other one. The focus goes back to the list, its shortcuts still at hand.
      const rowElement = element.current;
      if (rowElement?.contains(document.activeElement)) {
        rowElement.closest<HTMLElement>('[role="rowgroup"]')?.focus({ preventScroll: true });
      }
    }, [row.id]);
    return (
      <div
        ref={element}
        id={props.id}
        className={`vtable-row${props.active ? ' vtable-active' : ''}${row.terminated ? ' vtable-terminated' : ''}`}
        role="row"
        aria-rowindex={props.index + 2}
        aria-selected={props.active}
        style={{ gridTemplateColumns: GRID, top: props.index * ROW_HEIGHT, height: ROW_HEIGHT }}
        onClick={() => props.onSelect(props.index)}
        data-testid="worklist-row"
      >
        <div role="cell">
          <a href={`#/notifications/${row.id}`} className="row-link clip" title={`${row.familyName} ${row.givenNames}`}>
            {`${row.familyName} ${row.givenNames}`}
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
        <div role="cell" className="validity-cell">
          <ValidityBadge state={row.validity} end={row.validityEnd} />
        </div>
        <div role="cell" className="clip" title={row.esmsStatusLabel}>
          {row.esmsStatusLabel}
          {row.terminated && <span className="muted small"> (terminé)</span>}
        </div>
        <div role="cell" className="clip">
          {row.units.length === 0
            ? '—'
            : row.units.map((u, i) => (
                <div key={i} className="small clip" title={`${u.unitName} : ${u.statusLabel}`}>
                  {`${u.unitName} : ${u.statusLabel}`}
                </div>
              ))}
        </div>
      </div>
    );
  },
  (before, after) =>
    before.id === after.id &&
    before.index === after.index &&
    before.active === after.active &&
    before.onSelect === after.onSelect &&
    sameRow(before.row, after.row),
);
