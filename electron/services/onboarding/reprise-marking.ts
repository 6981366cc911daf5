/**
 * Which decisions arrived by flux 1 as "reprise" (recovery of decisions that existed before the connection,
 * docs/functional-rules.md §7). The IG carries no reprise flag, so the app decides, in this order:
 *  1. a DocumentReference tagged `meta.tag` = REPRISE_TAG (a convention the sandbox or a future server may use);
 *  2. otherwise, a decision taken (dateDeDecision) before the day of the first successful sync: it existed before
 *     the ESMS was connected, so it was retrieved in reprise mode (the J-30 first-connection window).
 * Persons whose status is forced from the known situation (status-forcing.ts) are marked reprise too.
 * Idempotent; never clears a flag.
 */
import type { SqlExecutor } from '../db/sql/sql-database';

export const REPRISE_TAG = { system: 'https://referent-vt.invalid/fhir/CodeSystem/sdo-reprise', code: 'reprise' };

/** The day (YYYY-MM-DD, UTC of the server instant) the first successful sync started; null before any. */
export async function connectionDay(db: SqlExecutor): Promise<string | null> {
  const first = await db.value<string | null>(
    "SELECT min(started_at) FROM sync_run WHERE outcome IN ('succès', 'anomalies', 'partiel')",
  );
  return first ? first.slice(0, 10) : null;
}

/** Whether a stored DocumentReference carries the reprise tag in `meta.tag`. Unreadable JSON carries none. */
function hasRepriseTag(rawResourceJson: string): boolean {
  let resource: unknown;
  try {
    resource = JSON.parse(rawResourceJson);
  } catch {
    return false;
  }
  const tags = (resource as { meta?: { tag?: unknown } } | null)?.meta?.tag;
  if (!Array.isArray(tags)) return false;
  return tags.some((t: unknown) => {
    const tag = t as { code?: unknown; system?: unknown } | null;
    return tag?.code === REPRISE_TAG.code && tag.system === REPRISE_TAG.system;
  });
}

/** Marks reprise decisions; returns how many were newly marked. Joins the caller's transaction if any. */
export async function markRepriseDecisions(db: SqlExecutor): Promise<number> {
  return db.transaction(async (tx) => {
    // JSON is read in TypeScript (no JSON functions common to both engines); the LIKE only narrows the rows read,
    // the tag itself is checked on the parsed resource.
    const candidates = await tx.all<{ id: number; raw_resource_json: string }>(
      'SELECT id, raw_resource_json FROM decision WHERE reprise = 0 AND raw_resource_json LIKE ? ORDER BY id',
      [`%${REPRISE_TAG.code}%`],
    );
    let tagged = 0;
    for (const c of candidates) {
      if (!hasRepriseTag(c.raw_resource_json)) continue;
      tagged += (await tx.run('UPDATE decision SET reprise = 1 WHERE id = ? AND reprise = 0', [c.id])).changes;
    }
    const day = await connectionDay(tx);
    const before = day
      ? (
          await tx.run(
            'UPDATE decision SET reprise = 1 WHERE reprise = 0 AND decision_date IS NOT NULL AND decision_date < ?',
            [day],
          )
        ).changes
      : 0;
    return tagged + before;
  });
}
