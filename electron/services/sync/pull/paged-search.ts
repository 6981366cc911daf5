/**
 * The one paged, cursor-driven search of flux 1 (DocumentReference) and flux 5 (Task): where it starts (the stored
 * server-time cursor, else J-30; a cursor older than J-30 is brought to J-30 and the period possibly missed is
 * recorded and told), page after page through `next` links, entries of another type skipped with a named warning,
 * each page prepared (reads may run while the previous page is written) then committed, and the cursor moved
 * forward only (never backwards) to the search's server instant once every page is committed.
 */
import { AppError } from '@shared/errors/app-error';
import type { SqlExecutor } from '../../db/sql/sql-database';
import { createLogger } from '../../logging/logger';
import { withRetry } from '../net/retry-policy';
import {
  lastUpdatedParam,
  nextLink,
  readCursor,
  relativeToBase,
  serverInstant,
  throwIfCancelled,
  writeCursor,
  type SyncContext,
  type SyncCounters,
} from '../sync-context';

const log = createLogger('sync');

/**
 * Largest search page taken in (500 full Tasks weigh about 1.5 MB; a flux 1 page lists ids only): a larger answer
 * is refused before it is parsed, and the step fails for this run without moving the cursor.
 */
export const SEARCH_PAGE_MAX_BYTES = 16 * 1024 * 1024;

/** The IG's widest window (first connection of a DUI): J-30. */
export const LOOK_BACK_MS = 30 * 24 * 3600 * 1000;

export type SearchFlow = 'flux1' | 'flux5';

export interface SearchResource {
  readonly resourceType?: unknown;
  readonly id?: unknown;
}

export interface PagedSearch<P> {
  readonly flow: SearchFlow;
  readonly resourceType: 'DocumentReference' | 'Task';
  /** First request, from the starting instant (already formatted as `gt…`). */
  firstPath(lastUpdatedGt: string): string;
  /** Reads and checks a page's entries; never throws for one item (each item's failure is part of the result). */
  prepare(resources: readonly SearchResource[]): Promise<P>;
  /** Writes a prepared page (short transactions). */
  commit(prepared: P): Promise<void>;
  onProgress?(done: number, total: number): void;
}

export interface SearchStart {
  readonly since: string;
  /** Set when the stored cursor was older than J-30: the period whose items may be missing. */
  readonly gap?: { readonly from: string; readonly to: string };
}

/** Where a search starts; `serverNow` is the server's time from the run's first answer (the local clock otherwise). */
export async function searchStart(
  ctx: SyncContext,
  finessEg: string,
  flow: SearchFlow,
  serverNow: string | undefined,
): Promise<SearchStart> {
  const now = new Date(serverNow ?? ctx.now().toISOString()).getTime();
  const floor = new Date(now - LOOK_BACK_MS).toISOString();
  const cursor = await readCursor(ctx.db, finessEg, flow);
  if (cursor === undefined) return { since: floor };
  if (Date.parse(cursor) < now - LOOK_BACK_MS) return { since: floor, gap: { from: cursor, to: floor } };
  return { since: cursor };
}

const GAP_HOW_TO =
  'Récupérez-les dans ViaTrajectoire (« Récupérer une décision d’orientation ») ou par la reprise (Raccordement).';

export function gapMessage(flow: SearchFlow, finessEg: string, gap: { from: string; to: string }): string {
  const what = flow === 'flux1' ? 'des décisions' : 'des statuts';
  const day = (iso: string) => new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' });
  return (
    `Poste resté hors ligne plus de 30 jours : ${what} de ${finessEg} publiés entre le ${day(gap.from)} et le ` +
    `${day(gap.to)} peuvent manquer (ViaTrajectoire ne les donne plus au-delà de J-30). ${GAP_HOW_TO}`
  );
}

export async function pagedCursorSearch<P>(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  serverNow: string | undefined,
  search: PagedSearch<P>,
): Promise<void> {
  const start = await searchStart(ctx, finessEg, search.flow, serverNow);
  let snapshot: string | undefined;
  let done = 0;
  let total = 0;
  const loadPage = async (requestPath: string) => {
    throwIfCancelled(ctx);
    const page = await withRetry(
      () => ctx.transport.request({ method: 'GET', path: requestPath, finessEg, maxBodyBytes: SEARCH_PAGE_MAX_BYTES }),
      ctx.retry,
      ctx.signal,
    );
    const bundle = page.body as { resourceType?: unknown; total?: unknown; entry?: unknown } | undefined;
    if (!bundle || bundle.resourceType !== 'Bundle') {
      throw new AppError(
        'MALFORMED_RESPONSE',
        `La recherche ${search.resourceType} a reçu une réponse qui n’est pas un Bundle (${typeof bundle?.resourceType === 'string' ? bundle.resourceType.slice(0, 40) : 'illisible'}).`,
      );
    }
    const entries = Array.isArray(bundle.entry) ? (bundle.entry as { resource?: SearchResource }[]) : [];
    const wanted: SearchResource[] = [];
    for (const entry of entries) {
      const resource = entry?.resource;
      if (resource && resource.resourceType === search.resourceType) wanted.push(resource);
      else skipEntry(resource);
    }
    const prepared = await search.prepare(wanted);
    return { page, bundle, count: entries.length, prepared };
  };
  const skipEntry = (resource: SearchResource | undefined) => {
    const type = typeof resource?.resourceType === 'string' ? resource.resourceType.slice(0, 40) : 'absent';
    const id = typeof resource?.id === 'string' ? resource.id.slice(0, 64) : 'sans id';
    const message = `Entrée ignorée dans la recherche ${search.resourceType} de ${finessEg} : ${type}/${id} n’est pas un ${search.resourceType} (règle entree-type-inattendu).`;
    counters.warnings.push(message);
    log.warn('Entrée de recherche ignorée', {
      flow: search.flow,
      eg: finessEg,
      id,
      type,
      rule: 'entree-type-inattendu',
    });
  };

  let loading: Promise<Awaited<ReturnType<typeof loadPage>>> | undefined = loadPage(
    search.firstPath(lastUpdatedParam(start.since)),
  );
  while (loading) {
    const { page, bundle, count, prepared } = await loading;
    snapshot ??= serverInstant(page.body, page.serverDate);
    if (typeof bundle.total === 'number' && total === 0) total = bundle.total;
    // The next page is read while this one is written; its failure surfaces when it is awaited, after this page is
    // safely committed.
    const next = nextLink(page.body);
    loading = next ? loadPage(relativeToBase(next)) : undefined;
    loading?.catch(() => undefined);
    await search.commit(prepared);
    done += count;
    search.onProgress?.(done, Math.max(total, done));
  }
  const nowIso = ctx.now().toISOString();
  const gap = start.gap;
  if (!snapshot && !gap) return;
  const warning = await ctx.db.transaction(async (tx) => {
    if (snapshot) await writeCursor(tx, finessEg, search.flow, snapshot, nowIso);
    return gap ? recordGap(tx, ctx, finessEg, search.flow, gap, nowIso) : undefined;
  });
  // Counted once the transaction that records it has committed.
  if (warning) counters.warnings.push(warning);
}

/** Records the period possibly missed and journals it; returns the warning for the run's summary. */
async function recordGap(
  tx: SqlExecutor,
  ctx: SyncContext,
  finessEg: string,
  flow: SearchFlow,
  gap: { from: string; to: string },
  nowIso: string,
): Promise<string> {
  await tx.run('INSERT INTO sync_gap (finess_eg, flow, missing_from, missing_to, detected_at) VALUES (?, ?, ?, ?, ?)', [
    finessEg,
    flow,
    gap.from,
    gap.to,
    nowIso,
  ]);
  const message = gapMessage(flow, finessEg, gap);
  await ctx.journal.append(
    {
      actor: 'synchronisation',
      action: flow === 'flux1' ? 'Décisions possiblement manquantes' : 'Statuts possiblement manquants',
      outcome: 'échec',
      recordType: 'entité géographique',
      recordId: finessEg,
      detail: message,
    },
    tx,
  );
  return message;
}
