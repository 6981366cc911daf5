/**
 * Flux 3: once the Consent of a decision has been accepted (outbox 'sent'), fetch and parse its evaluation CDA.
 * Shown only after consent: no consent, no fetch.
 */
import { parseEvaluationCda } from '../../cda/decision-cda-parser';
import { withRetry } from '../net/retry-policy';
import { permanent } from '../items/item-failure';
import { isCancellation, throwIfCancelled, type SyncContext, type SyncCounters } from '../sync-context';
import { base64DecodedBytes, recordFailure } from './decision-pull';

export async function pullEvaluations(
  ctx: SyncContext,
  counters: SyncCounters,
  activeEgs: readonly string[],
): Promise<void> {
  const due = await ctx.db.all<{ decision_id: number; finess_eg: string; id_nat_decision: string }>(
    `SELECT c.decision_id, c.finess_eg, d.id_nat_decision FROM consent c
       JOIN outbox o ON o.id = c.outbox_id AND o.state = 'sent'
       JOIN decision d ON d.id = c.decision_id
       LEFT JOIN evaluation e ON e.decision_id = c.decision_id AND e.finess_eg = c.finess_eg
     WHERE e.decision_id IS NULL
     ORDER BY c.id`,
  );
  for (const item of due) {
    if (!activeEgs.includes(item.finess_eg)) continue;
    throwIfCancelled(ctx);
    try {
      await pullEvaluation(ctx, counters, item);
    } catch (error) {
      if (isCancellation(ctx, error)) throw error;
      // This evaluation alone waits for the next run (it stays due); the others go on.
      counters.warnings.push(
        `Évaluation de la décision ${item.id_nat_decision} non reçue (${(error as { code?: string }).code ?? 'erreur'}) : nouvel essai à la prochaine synchronisation.`,
      );
    }
  }
}

async function pullEvaluation(
  ctx: SyncContext,
  counters: SyncCounters,
  item: { decision_id: number; finess_eg: string; id_nat_decision: string },
): Promise<void> {
  const res = await withRetry(
    () =>
      ctx.transport.request({
        method: 'GET',
        path: `DocumentReference?identifier=${encodeURIComponent(item.id_nat_decision)}&type=51848-0`,
        finessEg: item.finess_eg,
      }),
    ctx.retry,
    ctx.signal,
  );
  const doc = (res.body as { entry?: { resource?: { id?: string; content?: { attachment?: { data?: string } }[] } }[] })
    .entry?.[0]?.resource;
  const data = doc?.content?.[0]?.attachment?.data;
  if (typeof data !== 'string' || data === '') return; // Not released yet: tried again next run.
  const now = ctx.now();
  if (base64DecodedBytes(data) > ctx.limits.maxAttachmentBytes) {
    await ctx.db.transaction((tx) =>
      recordFailure(
        tx,
        ctx,
        counters,
        {
          finessEg: item.finess_eg,
          flow: 'flux3',
          resourceId: typeof doc?.id === 'string' ? doc.id : null,
          failure: permanent(
            'taille-piece-jointe',
            `Évaluation de la décision ${item.id_nat_decision} : document CDA au-delà de la limite de ${ctx.limits.maxAttachmentBytes} octets (Paramètres).`,
          ),
        },
        now,
      ),
    );
    return;
  }
  const cda = Buffer.from(data, 'base64').toString('utf8');
  const nowIso = now.toISOString();
  let parsed: ReturnType<typeof parseEvaluationCda>;
  try {
    parsed = parseEvaluationCda(cda, { maxBytes: ctx.limits.maxAttachmentBytes });
  } catch (error) {
    await ctx.db.transaction((tx) =>
      recordFailure(
        tx,
        ctx,
        counters,
        {
          finessEg: item.finess_eg,
          flow: 'flux3',
          resourceId: typeof doc?.id === 'string' ? doc.id : null,
          failure: permanent('cda-illisible', `CDA d’évaluation illisible : ${(error as Error).message}`.slice(0, 300)),
        },
        now,
      ),
    );
    return;
  }
  await ctx.db.run(
    `INSERT INTO evaluation (decision_id, finess_eg, parsed_json, raw_cda, fetched_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
    [item.decision_id, item.finess_eg, JSON.stringify(parsed), cda, nowIso],
  );
  counters.evaluations++;
}
