/**
 * Which decisions arrived by flux 1 as "reprise" (recovery of decisions that existed before the connection,
 * docs/functional-rules.md §7). The IG carries no reprise flag, so the app decides, in this order:
 *  1. a DocumentReference tagged `meta.tag` = REPRISE_TAG (a convention the sandbox or a future server may use);
 *  2. otherwise, a decision taken (dateDeDecision) before the day of the first successful sync: it existed before
 *     the ESMS was connected, so it was retrieved in reprise mode (the J-30 first-connection window).
 * Persons whose status is forced from the known situation (status-forcing.ts) are marked reprise too.
 * Idempotent; never clears a flag.
 */
import type { Db } from '../db/database';

export const REPRISE_TAG = { system: 'https://referent-vt.invalid/fhir/CodeSystem/sdo-reprise', code: 'reprise' };

/** The day (YYYY-MM-DD, UTC of the server instant) the first successful sync started; null before any. */
export function connectionDay(db: Db): string | null {
  const first = db
    .prepare("SELECT min(started_at) FROM sync_run WHERE outcome IN ('succès', 'anomalies', 'partiel')")
    .pluck()
    .get() as string | null;
  return first ? first.slice(0, 10) : null;
}

/** Marks reprise decisions; returns how many were newly marked. Joins the caller's transaction if any. */
export function markRepriseDecisions(db: Db): number {
  const tagged = db
    .prepare(
      `UPDATE decision SET reprise = 1 WHERE reprise = 0 AND json_valid(raw_resource_json) AND EXISTS (
         SELECT 1 FROM json_each(raw_resource_json, '$.meta.tag') t
         WHERE json_extract(t.value, '$.code') = @code AND json_extract(t.value, '$.system') = @system)`,
    )
    .run(REPRISE_TAG).changes;
  const day = connectionDay(db);
  const before = day
    ? db
        .prepare(
          'UPDATE decision SET reprise = 1 WHERE reprise = 0 AND decision_date IS NOT NULL AND decision_date < ?',
        )
        .run(day).changes
    : 0;
  return tagged + before;
}
