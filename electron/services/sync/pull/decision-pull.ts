/**
 * Flux 1 for one EG: first the decisions kept "à relire" whose backoff has passed, then the paged cursor search
 * (paged-search.ts). Each DocumentReference is read with bounded concurrency, checked (body type and id, attachment
 * size from the base64 length before decoding, profile, CDA) and written in short transactions while the next page
 * is read. Whatever goes wrong with one item — an exception included — is that item's failure alone: it is recorded
 * ("à relire" or quarantine, with its rule) in the same transaction as the rest of its page, which is stored.
 * Writes are idempotent by idNat_Decision.
 */
import { CDA_RULE, parseDecisionCda } from '../../cda/decision-cda-parser';
import type { SqlExecutor } from '../../db/sql/sql-database';
import { validateResource } from '../../fhir';
import {
  checkReadBody,
  guarded,
  isItemFailure,
  permanent,
  rawOf,
  readFailure,
  transient,
  validationFailure,
  type ItemFailure,
} from '../items/item-failure';
import {
  dueRereads,
  openItemIds,
  recordItemFailure,
  resolveItem,
  type RecordedFailure,
  type SyncLimits,
} from '../items/item-store';
import { writeEachItem } from '../items/write-items';
import { Limiter, readPipeline, type ReadPipeline } from '../net/read-pipeline';
import { withRetry } from '../net/retry-policy';
import { isCancellation, throwIfCancelled, type SyncContext, type SyncCounters } from '../sync-context';
import { compactDecisionResourceJson, storeDecision, type StoreOutcome } from './decision-store';
import { pagedCursorSearch } from './paged-search';

/** Decisions per write transaction: short enough for the reads of the next page to go on in between. */
const WRITE_CHUNK = 100;
/**
 * Decisions of one list read ahead of its writer (read, checked and held, or being read): what a page holds in
 * memory at most, rather than the whole page (500 decisions of about 15 kB each, two pages at a time).
 */
export function readWindow(concurrency: number): number {
  return WRITE_CHUNK + concurrency;
}
/** Attempts of one read within a run: a failing document is kept "à relire" rather than holding back its page. */
const ITEM_ATTEMPTS = 3;

export interface DecisionRead {
  readonly id: string;
  readonly idNat: string;
  readonly lastUpdated: string | null;
  readonly resource: string;
  readonly cda: string;
  readonly parsed: ReturnType<typeof parseDecisionCda>;
}

type Read = { ok: true; read: DecisionRead } | { ok: false; id: string; failure: ItemFailure };

interface DocRef {
  id?: string;
  meta?: { lastUpdated?: string };
  identifier?: { use?: string; value?: string }[];
  content?: { attachment?: { data?: unknown } }[];
}

/** Decoded size of a base64 text, from its length (no decoding). */
export function base64DecodedBytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

/** Largest read body for a decision: its attachment at the limit, base64-encoded, plus room for the metadata. */
export function decisionBodyLimit(limits: SyncLimits): number {
  return Math.ceil((limits.maxAttachmentBytes * 4) / 3) + 256 * 1024;
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toLocaleString('fr-FR', { maximumFractionDigits: 2 })} Mio`;

/**
 * Checks a DocumentReference as received and turns it into what is stored. `acceptHarmless`: the referent chose
 * "Importer quand même" (only defects of the harmless list are let through).
 */
export function checkDecisionResource(
  body: unknown,
  id: string,
  ctx: Pick<SyncContext, 'sdo' | 'limits'>,
  acceptHarmless = false,
): DecisionRead | ItemFailure {
  const what = `DocumentReference/${id}`;
  const badBody = checkReadBody(body, 'DocumentReference', id);
  if (badBody) return badBody;
  const doc = body as DocRef;
  const data = Array.isArray(doc.content) ? doc.content[0]?.attachment?.data : undefined;
  if (typeof data === 'string' && base64DecodedBytes(data) > ctx.limits.maxAttachmentBytes) {
    return permanent(
      'taille-piece-jointe',
      `${what} : document CDA de ${mib(base64DecodedBytes(data))}, au-delà de la limite de ${mib(ctx.limits.maxAttachmentBytes)} (Paramètres).`,
    );
  }
  const validation = guarded('validateur-exception', `${what} : validation`, () => validateResource(body, ctx.sdo));
  if (isItemFailure(validation)) return { ...validation, ...optionalRaw(body) };
  let harmless: ItemFailure | undefined;
  if (!validation.valid) {
    const failure = validationFailure(validation, what);
    if (!failure.importable) return { ...failure, ...optionalRaw(body) };
    harmless = failure;
  }
  const idNat = Array.isArray(doc.identifier) ? doc.identifier.find((i) => i?.use === 'official')?.value : undefined;
  if (typeof idNat !== 'string' || idNat === '') {
    return permanent('idnat-absent', `${what} : identifiant national de la décision (idNat_Decision) absent.`);
  }
  if (typeof data !== 'string' || data === '') {
    return permanent('cda-absent', `${what} : document CDA de la décision absent.`);
  }
  const cda = Buffer.from(data, 'base64').toString('utf8');
  const parsed = guarded(
    'cda-illisible',
    `${what} : CDA de décision illisible`,
    () => parseDecisionCda(cda, { maxBytes: ctx.limits.maxAttachmentBytes }),
    cdaRule,
  );
  if (isItemFailure(parsed)) return { ...parsed, ...optionalRaw(body) };
  if (harmless && !acceptHarmless) return { ...harmless, ...optionalRaw(body) };
  const resource = compactDecisionResourceJson(body, cda);
  if (resource === undefined) {
    return permanent('marqueur-stockage', `${what} : pièce jointe portant la valeur réservée du stockage.`);
  }
  return { id, idNat, lastUpdated: doc.meta?.lastUpdated ?? null, resource, cda, parsed };
}

const CDA_RULES = new Set<string>(Object.values(CDA_RULE));

/** The CDA reader's named rule (a limit, its own failure), when it gave one. */
function cdaRule(error: unknown): string | undefined {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' && CDA_RULES.has(detail) ? detail : undefined;
}

function optionalRaw(body: unknown): { raw?: string } {
  const raw = rawOf(body);
  return raw === undefined ? {} : { raw };
}

async function readDecision(ctx: SyncContext, finessEg: string, id: string): Promise<Read> {
  const what = `DocumentReference/${id}`;
  try {
    let body: unknown;
    try {
      body = (
        await withRetry(
          () =>
            ctx.transport.request({
              method: 'GET',
              path: `DocumentReference/${encodeURIComponent(id)}`,
              finessEg,
              maxBodyBytes: decisionBodyLimit(ctx.limits),
            }),
          { ...ctx.retry, maxAttempts: Math.min(ctx.retry.maxAttempts, ITEM_ATTEMPTS) },
          ctx.signal,
        )
      ).body;
    } catch (error) {
      if (isCancellation(ctx, error)) throw error;
      return { ok: false, id, failure: readFailure(error, what) };
    }
    const checked = checkDecisionResource(body, id, ctx);
    return isItemFailure(checked) ? { ok: false, id, failure: checked } : { ok: true, read: checked };
  } catch (error) {
    if (isCancellation(ctx, error)) throw error;
    return {
      ok: false,
      id,
      failure: transient('exception-lecture', `${what} : erreur inattendue (${(error as Error).name}).`),
    };
  }
}

export async function pullDecisions(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  serverNow: string | undefined,
): Promise<void> {
  // One bound on the reads in flight for the page being written and the page read ahead.
  const limiter = new Limiter(ctx.concurrency);
  const readAll = (ids: readonly string[]) =>
    readPipeline(ids, { limiter, lanes: ctx.concurrency, window: readWindow(ctx.concurrency) }, (id) =>
      readDecision(ctx, finessEg, id),
    );
  const commit = async (reads: ReadPipeline<Read>) => {
    try {
      for (;;) {
        // Yield between chunks so the requests of the next page leave and their answers are taken in meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        throwIfCancelled(ctx);
        const chunk = await reads.take(WRITE_CHUNK);
        if (chunk.length === 0) return;
        await writeDecisionChunk(ctx, finessEg, counters, chunk);
      }
    } finally {
      reads.stop();
    }
  };
  const due = await dueRereads(ctx.db, 'flux1', finessEg, ctx.now());
  if (due.length > 0) await commit(readAll(due));
  await pagedCursorSearch(ctx, finessEg, counters, serverNow, {
    flow: 'flux1',
    resourceType: 'DocumentReference',
    firstPath: (gt) => `DocumentReference?type=57830-2&_lastUpdated=${gt}&_elements=id`,
    prepare: (resources) => {
      const ids: string[] = [];
      for (const r of resources) {
        if (typeof r.id === 'string' && r.id !== '') ids.push(r.id);
        else counters.warnings.push(`Entrée DocumentReference sans id ignorée (EG ${finessEg}, règle entree-sans-id).`);
      }
      // Reading starts now and goes on while the previous page is written; commit takes the results in order.
      return Promise.resolve(readAll(ids));
    },
    commit,
    onProgress: (done, total) => ctx.onProgress?.({ phase: 'décisions', done, total, finessEg, running: true }),
  });
}

/** What a chunk of decisions reads once rather than per decision (each statement is a round trip on PostgreSQL). */
export interface DecisionChunkFacts {
  /** FINESS EG known locally. */
  readonly knownEgs: ReadonlySet<string>;
  /** DocumentReference ids of the EG with an open "à relire" or quarantine row: only these have one to close. */
  readonly openItems: Set<string>;
}

/** One chunk in one transaction; a failing write is that decision's alone (write-items.ts). */
async function writeDecisionChunk(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
  reads: readonly Read[],
): Promise<void> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const outcomes = await ctx.db.transaction(async (tx) => {
    const egs = await tx.all<{ finess_eg: string }>('SELECT finess_eg FROM geographic_entity');
    const facts: DecisionChunkFacts = {
      knownEgs: new Set(egs.map((r) => r.finess_eg)),
      openItems: await openItemIds(tx, 'flux1', finessEg),
    };
    const fail = async (exec: SqlExecutor, resourceId: string, failure: ItemFailure) => {
      const recorded = await recordItemFailure(exec, { finessEg, flow: 'flux1', resourceId, failure }, now, ctx.limits);
      facts.openItems.add(resourceId);
      return recorded.kind;
    };
    const written = await writeEachItem(tx, reads, (exec, read) =>
      read.ok
        ? storeDecisionRead(exec, finessEg, read.read, nowIso, undefined, facts)
        : fail(exec, read.id, read.failure),
    );
    const outcomes: (StoreOutcome | RecordedFailure['kind'])[] = [];
    for (const [i, result] of written.entries()) {
      const read = reads[i];
      if (result.ok) outcomes.push(result.value);
      else if (read?.ok) {
        const error = result.error as Error | undefined;
        outcomes.push(
          await fail(
            tx,
            read.read.id,
            transient(
              'stockage-echec',
              `DocumentReference/${read.read.id} : enregistrement local impossible (${error?.name ?? 'erreur'}), relu à la prochaine synchronisation.`,
            ),
          ),
        );
      } else throw result.error;
    }
    return outcomes;
  });
  // Counted once committed: a chunk that rolls back adds nothing to the run's record.
  for (const outcome of outcomes) {
    if (outcome === 'created' || outcome === 'updated') counters.decisions++;
    else if (outcome === 'à relire') counters.toReread++;
    else if (outcome === 'quarantaine') counters.quarantined++;
  }
}

/**
 * Stores a checked decision and closes its "à relire" or quarantine row, if any, in the caller's transaction.
 * `facts`: what the caller's chunk has read once for all its decisions.
 */
export async function storeDecisionRead(
  tx: SqlExecutor,
  finessEg: string,
  read: DecisionRead,
  nowIso: string,
  resolution = 'relue avec succès',
  facts?: DecisionChunkFacts,
): Promise<StoreOutcome> {
  const outcome = await storeDecision(tx, {
    finessEg,
    documentReferenceId: read.id,
    idNatDecision: read.idNat,
    serverLastUpdated: read.lastUpdated,
    parsed: read.parsed,
    rawResourceJson: read.resource,
    rawCda: read.cda,
    nowIso,
    ...(facts ? { knownEgs: facts.knownEgs } : {}),
  });
  if (!facts || facts.openItems.has(read.id)) {
    await resolveItem(tx, { finessEg, flow: 'flux1', resourceId: read.id }, nowIso, resolution);
  }
  return outcome;
}

/** Records one item's failure in the caller's transaction and counts it in the run's anomalies. */
export async function recordFailure(
  tx: SqlExecutor,
  ctx: Pick<SyncContext, 'limits'>,
  counters: Pick<SyncCounters, 'toReread' | 'quarantined'>,
  item: Parameters<typeof recordItemFailure>[1],
  now: Date,
): Promise<void> {
  const recorded = await recordItemFailure(tx, item, now, ctx.limits);
  if (recorded.kind === 'à relire') counters.toReread++;
  else counters.quarantined++;
}
