/**
 * Flux 3: once the Consent of a decision has been accepted (outbox 'sent'), fetch and parse its evaluation CDA.
 * Shown only after consent: no consent, no fetch.
 */
import { parseEvaluationCda } from '../../cda/decision-cda-parser';
import { inTransaction } from '../../db/database';
import { withRetry } from '../net/retry-policy';
import { quarantine, throwIfCancelled, type SyncContext, type SyncCounters } from '../sync-context';

export async function pullEvaluations(
  ctx: SyncContext,
  counters: SyncCounters,
  activeEgs: readonly string[],
): Promise<void> {
  const due = ctx.db
    .prepare(
      `SELECT c.decision_id, c.finess_eg, d.id_nat_decision FROM consent c
         JOIN outbox o ON o.id = c.outbox_id AND o.state = 'sent'
         JOIN decision d ON d.id = c.decision_id
         LEFT JOIN evaluation e ON e.decision_id = c.decision_id AND e.finess_eg = c.finess_eg
       WHERE e.decision_id IS NULL`,
    )
    .all() as { decision_id: number; finess_eg: string; id_nat_decision: string }[];
  for (const item of due) {
    if (!activeEgs.includes(item.finess_eg)) continue;
    throwIfCancelled(ctx);
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
    const doc = (
      res.body as { entry?: { resource?: { id?: string; content?: { attachment?: { data?: string } }[] } }[] }
    ).entry?.[0]?.resource;
    const data = doc?.content?.[0]?.attachment?.data;
    if (!data) continue; // Not released yet: tried again next run.
    const cda = Buffer.from(data, 'base64').toString('utf8');
    const nowIso = ctx.now().toISOString();
    inTransaction(ctx.db, () => {
      try {
        const parsed = parseEvaluationCda(cda);
        ctx.db
          .prepare(
            'INSERT OR IGNORE INTO evaluation (decision_id, finess_eg, parsed_json, raw_cda, fetched_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(item.decision_id, item.finess_eg, JSON.stringify(parsed), cda, nowIso);
        counters.evaluations++;
      } catch (error) {
        if (
          quarantine(
            ctx.db,
            {
              finessEg: item.finess_eg,
              flow: 'flux3',
              resourceId: doc?.id ?? null,
              reason: `CDA d’évaluation illisible : ${(error as Error).message}`.slice(0, 300),
            },
            nowIso,
          )
        ) {
          counters.quarantined++;
        }
      }
    });
  }
}
