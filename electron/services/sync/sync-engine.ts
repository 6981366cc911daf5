/**
 * One sync run (issue 5): token → EGs recorded; outbox sent first (local changes leave as soon as possible);
 * then per activated EG: ROR units, flux 1 decisions, flux 5 statuses; then flux 3 evaluations of consented
 * decisions. Each step commits page by page; cursors move only after their pages are committed. Every run is
 * recorded in sync_run and the journal (ids and counts only, no personal data).
 */
import {
  NO_ACTIVE_EG_MESSAGE,
  syncOutcomeLabel,
  type SyncNotice,
  type SyncOutcome,
  type SyncProgress,
  type SyncSummary,
} from '@shared/domain/sync';
import { isAppError } from '@shared/errors/app-error';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import { createLogger } from '../logging/logger';
import type { Transport } from '../transport/transport';
import { DEFAULT_SDO_CONTEXT, type SdoContext } from '../fhir';
import { readSyncLimits, type SyncLimits } from './items/item-store';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './net/retry-policy';
import { sendOutbox } from './outbox/outbox-sender';
import { pullDecisions } from './pull/decision-pull';
import { pullEvaluations } from './pull/evaluation-pull';
import { pullRorUnits } from './pull/ror-pull';
import { pullStatuses } from './pull/status-pull';
import { emptyCounters, type SyncContext } from './sync-context';
import { fenceRun, interruptedRunsQuery, type RunFence } from './lease/sync-lease';

export interface SyncEngineOptions {
  readonly db: SqlDatabase;
  readonly transport: Transport;
  readonly journal: Journal;
  readonly now?: () => Date;
  /** The environment's guide and terminology releases (default: the first of SDO_VERSIONS, its pinned release). */
  readonly sdo?: SdoContext;
  readonly retry?: RetryPolicy;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SyncProgress) => void;
  /** Legal entity of the certificate: EGs of the token are recorded under it. */
  readonly legalEntity?: { readonly finessEj: string; readonly name: string };
  /** New EGs seen in the token are activated locally (the sandbox default); otherwise the referent activates them. */
  readonly activateNewEgs?: boolean;
  /** Default: the Paramètres values stored in the database. */
  readonly limits?: SyncLimits;
  /** Organisation mode: the run starts only while this workstation holds the sync lease (lease/sync-lease.ts). */
  readonly fence?: RunFence;
}

const log = createLogger('sync');

export interface SyncRunResult {
  readonly runId: number;
  readonly outcome: SyncOutcome;
  readonly summary: SyncSummary;
}

async function recordEntities(
  db: SqlDatabase,
  egs: readonly string[],
  options: SyncEngineOptions,
  nowIso: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const ej = options.legalEntity;
    if (ej) {
      await tx.run(
        `INSERT INTO legal_entity (finess_ej, name, vt_activated, token_checked_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (finess_ej) DO UPDATE SET vt_activated = 1, token_checked_at = excluded.token_checked_at`,
        [ej.finessEj, ej.name, nowIso],
      );
    }
    for (const eg of egs) {
      const { changes } = await tx.run(
        'UPDATE geographic_entity SET vt_activated = 1, vt_seen_at = ? WHERE finess_eg = ?',
        [nowIso, eg],
      );
      if (changes === 0 && ej) {
        await tx.run(
          `INSERT INTO geographic_entity (finess_eg, finess_ej, name, vt_activated, local_activated, vt_seen_at)
           VALUES (?, ?, ?, 1, ?, ?)`,
          [eg, ej.finessEj, `Établissement ${eg}`, options.activateNewEgs ? 1 : 0, nowIso],
        );
      }
    }
    // EGs no longer in the token stop syncing (their data stay readable).
    const placeholders = egs.map(() => '?').join(',');
    await tx.run(`UPDATE geographic_entity SET vt_activated = 0 WHERE finess_eg NOT IN (${placeholders || "''"})`, [
      ...egs,
    ]);
  });
}

/**
 * A run still open when a new one starts was killed (crash, power cut, process ended): nothing it wrote is lost or
 * half-done (every step commits whole pages), but its record would look "en cours" forever. One run at a time: on
 * a desk every open run is over; in organisation mode, those of another holder whose lease is alive are not.
 */
async function closeInterruptedRuns(
  db: SqlDatabase,
  journal: Journal,
  nowIso: string,
  fence: RunFence | undefined,
): Promise<void> {
  await db.transaction(async (tx) => {
    const query = interruptedRunsQuery(fence);
    const open = await tx.all<{ id: number; summary_json: string | null }>(query.sql, query.params);
    for (const { id, summary_json } of open) {
      // What it recorded as it went (statuses sent) stays: only the end is missing.
      const partial = summary_json ? (JSON.parse(summary_json) as Partial<SyncSummary>) : {};
      const summary: SyncSummary = {
        ...emptyCounters(),
        ...partial,
        warnings: partial.warnings ?? [],
        errors: ['Synchronisation interrompue avant la fin (arrêt du processus) : reprise par la suivante.'],
      };
      await tx.run("UPDATE sync_run SET finished_at = ?, outcome = 'échec', summary_json = ? WHERE id = ?", [
        nowIso,
        JSON.stringify(summary),
        id,
      ]);
      await journal.append(
        {
          actor: 'synchronisation',
          action: 'Synchronisation interrompue',
          outcome: 'échec',
          recordType: 'sync_run',
          recordId: id,
        },
        tx,
      );
    }
  });
}

export async function runSyncOnce(options: SyncEngineOptions): Promise<SyncRunResult> {
  const now = options.now ?? (() => new Date());
  const { db, journal } = options;
  let runId = 0;
  const ctx: SyncContext = {
    db,
    transport: options.transport,
    journal,
    now,
    sdo: options.sdo ?? DEFAULT_SDO_CONTEXT,
    retry: options.retry ?? DEFAULT_RETRY_POLICY,
    concurrency: options.concurrency ?? 8,
    limits: options.limits ?? (await readSyncLimits(db)),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    // What has reached ViaTrajectoire is on the run's record at once: a run cut short (Ctrl-C) keeps it.
    onSent: async (counters, tx: SqlExecutor) => {
      await tx.run('UPDATE sync_run SET summary_json = ? WHERE id = ?', [
        JSON.stringify({ ...counters, warnings: [], errors: [] }),
        runId,
      ]);
    },
  };
  await closeInterruptedRuns(db, journal, now().toISOString(), options.fence);
  runId = await db.transaction(async (tx) => {
    const id = await tx.value<number>('INSERT INTO sync_run (started_at) VALUES (?) RETURNING id', [
      now().toISOString(),
    ]);
    if (id === undefined) throw new Error('synchronisation non enregistrée');
    if (options.fence) await fenceRun(tx, options.fence, id);
    await journal.append(
      {
        actor: 'synchronisation',
        action: 'Synchronisation démarrée',
        outcome: 'info',
        recordType: 'sync_run',
        recordId: id,
      },
      tx,
    );
    return id;
  });
  const counters = emptyCounters();
  const errors: string[] = [];
  let outcome: SyncOutcome = 'succès';
  let notice: SyncNotice | undefined;
  const stepFailed = async (error: unknown, where: string) => {
    if ((error as { cancelled?: boolean }).cancelled || options.signal?.aborted) throw error;
    const message = isAppError(error) ? error.message : `Erreur inattendue (${(error as Error)?.name ?? 'exception'}).`;
    // A refusal by size names the size and the limit (technical figures only).
    const limit = isAppError(error) && error.code === 'RESPONSE_TOO_LARGE' && error.detail ? ` (${error.detail})` : '';
    errors.push(`${where} : ${message}${limit}`);
    log.error('Étape de synchronisation en échec', { where, code: isAppError(error) ? error.code : undefined });
    await journal.append({
      actor: 'synchronisation',
      action: `Échec : ${where}`,
      outcome: 'échec',
      recordType: 'sync_run',
      recordId: runId,
      detail: isAppError(error) ? error.code : undefined,
    });
  };
  // The IG has no ROR units flow: a ViaTrajectoire without the search is normal, and the referent enters the
  // units. Said once per EG in the journal, not at every sync.
  const unitsNotProvided = (eg: string) =>
    db.transaction(async (tx) => {
      const first = await tx.run("INSERT INTO setting (key, value) VALUES (?, 'oui') ON CONFLICT DO NOTHING", [
        `unites-ror-non-fournies:${eg}`,
      ]);
      if (first.changes === 0) return;
      await journal.append(
        {
          actor: 'synchronisation',
          action: 'Unités ROR non fournies par ViaTrajectoire',
          outcome: 'info',
          recordType: 'entité géographique',
          recordId: eg,
          detail: 'À saisir dans « Unités ROR » (Ajouter une unité)',
        },
        tx,
      );
    });
  try {
    ctx.onProgress?.({ phase: 'connexion', done: 0, total: 1, running: true });
    const token = await options.transport.getToken();
    await recordEntities(db, token.finessEgs, options, now().toISOString());
    const active = (
      await db.all<{ finess_eg: string }>(
        'SELECT finess_eg FROM geographic_entity WHERE vt_activated = 1 AND local_activated = 1 ORDER BY finess_eg',
      )
    )
      .map((r) => r.finess_eg)
      .filter((eg) => token.finessEgs.includes(eg));
    // Not "succès, 0 décision": the referent must learn that nothing was asked for, and where to act.
    if (active.length === 0) notice = { kind: 'aucune-eg-activée', message: NO_ACTIVE_EG_MESSAGE };

    try {
      await sendOutbox(ctx, counters);
    } catch (error) {
      await stepFailed(error, 'envoi des statuts');
    }
    for (const eg of active) {
      let serverTime: string | undefined;
      try {
        ctx.onProgress?.({ phase: 'unités', done: 0, total: 1, finessEg: eg, running: true });
        serverTime = await pullRorUnits(ctx, eg, counters);
      } catch (error) {
        if (rorSearchAbsent(error)) await unitsNotProvided(eg);
        else await stepFailed(error, `unités ROR de ${eg}`);
      }
      try {
        await pullDecisions(ctx, eg, counters, serverTime);
      } catch (error) {
        await stepFailed(error, `décisions de ${eg}`);
      }
      try {
        await pullStatuses(ctx, eg, counters, serverTime);
      } catch (error) {
        await stepFailed(error, `statuts de ${eg}`);
      }
    }
    try {
      ctx.onProgress?.({ phase: 'évaluations', done: 0, total: 1, running: true });
      await pullEvaluations(ctx, counters, active);
    } catch (error) {
      await stepFailed(error, 'évaluations');
    }
    if (errors.length > 0) outcome = 'partiel';
    else if (counters.quarantined > 0 || counters.toReread > 0 || counters.warnings.length > 0) outcome = 'anomalies';
  } catch (error) {
    if ((error as { cancelled?: boolean }).cancelled || options.signal?.aborted) outcome = 'annulé';
    else {
      outcome = 'échec';
      errors.push(isAppError(error) ? error.message : `Erreur inattendue (${(error as Error)?.name ?? 'exception'}).`);
    }
  }
  counters.waiting =
    (await db.value<number>("SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')")) ?? 0;
  const summary: SyncSummary = { ...counters, errors, ...(notice ? { notice } : {}) };
  await db.transaction(async (tx) => {
    await tx.run('UPDATE sync_run SET finished_at = ?, outcome = ?, summary_json = ? WHERE id = ?', [
      now().toISOString(),
      outcome,
      JSON.stringify(summary),
      runId,
    ]);
    await journal.append(
      {
        actor: 'synchronisation',
        action: 'Synchronisation terminée',
        outcome: outcome === 'succès' ? 'succès' : outcome === 'annulé' ? 'info' : 'échec',
        recordType: 'sync_run',
        recordId: runId,
        detail: `${notice ? `${notice.message} ` : ''}${syncOutcomeLabel(outcome, summary)} — décisions ${counters.decisions}, statuts reçus ${counters.statuses}, envoyés ${counters.sent}, refusés ${counters.rejected}, en attente ${counters.waiting}, quarantaine ${counters.quarantined}, à relire ${counters.toReread}`,
      },
      tx,
    );
  });
  ctx.onProgress?.({ phase: 'terminé', done: 1, total: 1, running: false });
  return { runId, outcome, summary };
}

/** A server without the ROR units search answers 404 (unknown resource type), 405 or 501. */
function rorSearchAbsent(error: unknown): boolean {
  const status = (error as { httpStatus?: number }).httpStatus;
  return (
    (error as { code?: string }).code === 'HTTP_CLIENT_ERROR' && (status === 404 || status === 405 || status === 501)
  );
}
