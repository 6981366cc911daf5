/**
 * A sync refused before its worker could start (no certificate chosen, no client secret, no address…) is still a
 * run of the history: recorded as failed with its French reason, and journaled by the sync with that reason (the
 * code only as a technical suffix), so the referent sees why nothing happened whoever asked for it (schedule,
 * start-up, "Synchroniser maintenant").
 */
import { journalErrorDetail } from '@shared/domain/journal';
import type { SyncSummary } from '@shared/domain/sync';
import { isAppError } from '@shared/errors/app-error';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { Journal } from '../../journal/journal';
import { emptyCounters } from '../sync-context';

export async function recordRefusedRun(db: SqlDatabase, error: unknown, now: Date = new Date()): Promise<number> {
  const message = isAppError(error) ? error.message : 'La synchronisation n’a pas pu démarrer (erreur inattendue).';
  const summary: SyncSummary = { ...emptyCounters(), errors: [message], notice: { kind: 'refusée', message } };
  const at = now.toISOString();
  return db.transaction(async (tx) => {
    const runId = await tx.value<number>(
      "INSERT INTO sync_run (started_at, finished_at, outcome, summary_json) VALUES (?, ?, 'échec', ?) RETURNING id",
      [at, at, JSON.stringify(summary)],
    );
    if (runId === undefined) throw new Error('synchronisation non enregistrée');
    await new Journal(db, () => now).append(
      {
        actor: 'synchronisation',
        action: 'Synchronisation refusée',
        outcome: 'échec',
        recordType: 'sync_run',
        recordId: runId,
        detail: isAppError(error) ? journalErrorDetail(message, error.code) : message,
      },
      tx,
    );
    return runId;
  });
}
