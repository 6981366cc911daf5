/**
 * Flux 1 for one EG: search with a server-time cursor, follow `next` links, read each DocumentReference with
 * bounded concurrency, validate, parse the CDA, then write the page in short transactions (no await inside) while
 * the next page is being read. Writes are idempotent by idNat_Decision, and the cursor moves to the search's server
 * instant only once every page is committed (crash-safe).
 */
import { parseDecisionCda } from '../../cda/decision-cda-parser';
import { inTransaction } from '../../db/database';
import { validateResource } from '../../fhir';
import { mapBounded, withRetry } from '../net/retry-policy';
import {
  lastUpdatedParam,
  nextLink,
  quarantine,
  searchStart,
  relativeToBase,
  serverInstant,
  throwIfCancelled,
  writeCursor,
  type SyncContext,
  type SyncCounters,
} from '../sync-context';
import { compactDecisionResourceJson, storeDecision } from './decision-store';

/** Decisions per write transaction: short enough for the reads of the next page to go on in between. */
const WRITE_CHUNK = 100;

type Read =
  | {
      ok: true;
      id: string;
      idNat: string;
      lastUpdated: string | null;
      resource: string;
      cda: string;
      parsed: ReturnType<typeof parseDecisionCda>;
    }
  | { ok: false; id: string; reason: string; raw?: string };

interface DocRef {
  id?: string;
  meta?: { lastUpdated?: string };
  identifier?: { use?: string; value?: string }[];
  content?: { attachment?: { data?: string } }[];
}

async function readDecision(ctx: SyncContext, finessEg: string, id: string): Promise<Read> {
  let body: unknown;
  try {
    body = (
      await withRetry(
        () => ctx.transport.request({ method: 'GET', path: `DocumentReference/${encodeURIComponent(id)}`, finessEg }),
        ctx.retry,
        ctx.signal,
      )
    ).body;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'HTTP_CLIENT_ERROR' || code === 'MALFORMED_RESPONSE') {
      return { ok: false, id, reason: `Lecture refusée ou illisible (${code})` };
    }
    throw error;
  }
  const validation = validateResource(body, { profileVersion: ctx.profileVersion });
  if (!validation.valid) {
    const first = validation.issues.find((i) => i.severity === 'error');
    return {
      ok: false,
      id,
      reason: `DocumentReference non conforme : ${first?.path ?? ''} ${first?.message ?? ''}`.trim(),
      raw: JSON.stringify(body),
    };
  }
  const doc = body as DocRef;
  const idNat = doc.identifier?.find((i) => i.use === 'official')?.value;
  const data = doc.content?.[0]?.attachment?.data;
  if (!idNat || !data)
    return { ok: false, id, reason: 'idNat_Decision ou document CDA absent', raw: JSON.stringify(body) };
  const cda = Buffer.from(data, 'base64').toString('utf8');
  try {
    const parsed = parseDecisionCda(cda);
    const resource = compactDecisionResourceJson(body, cda);
    if (resource === undefined) {
      return {
        ok: false,
        id,
        reason: 'Pièce jointe portant la valeur réservée du stockage',
        raw: JSON.stringify(body),
      };
    }
    return { ok: true, id, idNat, lastUpdated: doc.meta?.lastUpdated ?? null, resource, cda, parsed };
  } catch (error) {
    const reason = `CDA de décision illisible : ${(error as Error).message}`.slice(0, 300);
    return { ok: false, id, reason, raw: JSON.stringify(body) };
  }
}

export async function pullDecisions(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  firstServerTime: string | undefined,
): Promise<void> {
  const cursor = searchStart(ctx, finessEg, 'flux1', firstServerTime);
  const path = `DocumentReference?type=57830-2&_lastUpdated=${lastUpdatedParam(cursor)}&_elements=id`;
  let snapshot: string | undefined;
  let done = 0;
  let total = 0;
  const loadPage = async (requestPath: string) => {
    throwIfCancelled(ctx);
    const page = await withRetry(
      () => ctx.transport.request({ method: 'GET', path: requestPath, finessEg }),
      ctx.retry,
      ctx.signal,
    );
    const bundle = page.body as { total?: number; entry?: { resource?: { id?: string } }[] };
    const ids = (bundle.entry ?? []).map((e) => e.resource?.id).filter((id): id is string => typeof id === 'string');
    const reads = await mapBounded(ids, ctx.concurrency, (id) => readDecision(ctx, finessEg, id));
    return { page, bundle, ids, reads };
  };
  let loading: Promise<Awaited<ReturnType<typeof loadPage>>> | undefined = loadPage(path);
  while (loading) {
    const { page, bundle, ids, reads } = await loading;
    snapshot ??= serverInstant(page.body, page.serverDate);
    if (typeof bundle.total === 'number' && total === 0) total = bundle.total;
    // The next page is read while this one is written (the write blocks this thread, the server and the network
    // keep working); its failure surfaces when it is awaited, after this page is safely committed.
    const next = nextLink(page.body);
    loading = next ? loadPage(relativeToBase(next)) : undefined;
    loading?.catch(() => undefined);
    for (let from = 0; from < reads.length; from += WRITE_CHUNK) {
      // Yield between chunks so the requests of the next page leave and their answers are taken in meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      throwIfCancelled(ctx);
      writeChunk(reads.slice(from, from + WRITE_CHUNK));
    }
    done += ids.length;
    ctx.onProgress?.({ phase: 'décisions', done, total: Math.max(total, done), finessEg, running: true });
  }
  if (snapshot) {
    const at = snapshot;
    inTransaction(ctx.db, () => writeCursor(ctx.db, finessEg, 'flux1', at, ctx.now().toISOString()));
  }

  function writeChunk(reads: readonly Read[]): void {
    const nowIso = ctx.now().toISOString();
    inTransaction(ctx.db, () => {
      for (const read of reads) {
        if (!read.ok) {
          if (
            quarantine(
              ctx.db,
              {
                finessEg,
                flow: 'flux1',
                resourceId: read.id,
                reason: read.reason,
                ...(read.raw ? { raw: read.raw } : {}),
              },
              nowIso,
            )
          ) {
            counters.quarantined++;
          }
          continue;
        }
        const outcome = storeDecision(ctx.db, {
          finessEg,
          documentReferenceId: read.id,
          idNatDecision: read.idNat,
          serverLastUpdated: read.lastUpdated,
          parsed: read.parsed,
          rawResourceJson: read.resource,
          rawCda: read.cda,
          nowIso,
        });
        if (outcome !== 'unchanged') counters.decisions++;
      }
    });
  }
}
