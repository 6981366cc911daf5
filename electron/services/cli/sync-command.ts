/**
 * `npx referent-vt sync --once [--data <dossier>]`: one headless sync of the current environment of a data folder
 * (the browser host's by default), opened as the app opens it (key file next to the database; on the local sandbox
 * environment the embedded sandbox is started for the run). Prints a French summary; one exit code per outcome
 * (SYNC_EXIT_CODES, documented in the README).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { syncOutcomeLabel, type SyncOutcome, type SyncSummary } from '@shared/domain/sync';
import { isAppError } from '@shared/errors/app-error';
import type { Command, CommandOutput } from './command';

function productVersion(): string {
  const packageFile = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(packageFile, 'utf8')) as { version: string }).version;
}

function printSummary(out: CommandOutput, summary: SyncSummary): void {
  out.log(`  Décisions reçues ou mises à jour : ${summary.decisions}`);
  out.log(`  Statuts reçus de ViaTrajectoire : ${summary.statuses}`);
  out.log(`  Statuts et accords envoyés : ${summary.sent}`);
  out.log(`  Envois refusés : ${summary.rejected}`);
  out.log(`  Envois en attente : ${summary.waiting}`);
  out.log(`  Évaluations reçues : ${summary.evaluations}`);
  out.log(`  Unités ROR : ${summary.units}`);
  out.log(`  Éléments mis en quarantaine : ${summary.quarantined}`);
  out.log(`  Éléments à relire : ${summary.toReread ?? 0}`);
  if (summary.notice) out.log(`  ${summary.notice.message}`);
  for (const warning of summary.warnings ?? []) out.log(`  Avertissement : ${warning}`);
  for (const error of summary.errors) if (error !== summary.notice?.message) out.log(`  Erreur : ${error}`);
}

/** Exit codes of `sync --once`, one per outcome (2 = wrong usage). */
export const SYNC_EXIT_CODES: Readonly<Record<SyncOutcome, number>> = {
  succès: 0,
  échec: 1,
  anomalies: 3,
  partiel: 4,
  annulé: 5,
};

function outcomeLine(outcome: SyncOutcome, summary: SyncSummary): string {
  switch (outcome) {
    case 'succès':
      return 'Synchronisation réussie.';
    case 'anomalies':
      return `Synchronisation terminée : ${syncOutcomeLabel(outcome, summary)} — voir Synchronisation › Éléments refusés.`;
    case 'partiel':
      return 'Synchronisation partielle : certaines étapes ont échoué.';
    case 'échec':
      return 'La synchronisation a échoué.';
    case 'annulé':
      return 'La synchronisation a été annulée.';
  }
}

export const syncCommand: Command = {
  usage:
    'sync --once [--data <dossier>] : une synchronisation de l’environnement courant (0 réussie, 3 avec anomalies, ' +
    '4 partielle, 1 échec, 5 annulée)',
  async run(args, out) {
    let values: { once?: boolean; data?: string };
    try {
      ({ values } = parseArgs({
        args,
        options: { once: { type: 'boolean', default: false }, data: { type: 'string', default: '.data/app' } },
      }));
    } catch (e) {
      out.log(`Erreur : ${e instanceof Error ? e.message : String(e)}`);
      return 2;
    }
    if (!values.once) {
      out.log('Usage : npx referent-vt sync --once [--data <dossier>]');
      out.log('Seule la synchronisation unique (--once) est disponible en ligne de commande.');
      return 2;
    }
    const { startApplication } = await import('../app/bootstrap');
    const { getOrCreateDatabaseKey } = await import('../secrets');
    const dataRoot = path.resolve(values.data ?? '.data/app');
    let app: Awaited<ReturnType<typeof startApplication>> | undefined;
    try {
      app = await startApplication({
        dataRoot,
        shell: 'navigateur',
        version: productVersion(),
        databaseKey: (databaseFile) => getOrCreateDatabaseKey(`${databaseFile}.key`, databaseFile),
        syncIntervalMs: 0,
        attachToRunningSandbox: true,
        // One run and exit: no screen to keep current, no snapshot of the organisation to keep.
        headless: true,
      });
      out.log(`Synchronisation — ${app.ctx.environmentLabel}`);
      const started = Date.now();
      const result = await app.sync.runNow();
      if (!result) {
        out.log('La synchronisation s’est arrêtée sans résultat.');
        return SYNC_EXIT_CODES.échec;
      }
      out.log(`${outcomeLine(result.outcome, result.summary)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      printSummary(out, result.summary);
      return SYNC_EXIT_CODES[result.outcome];
    } catch (e) {
      out.log(`Erreur : ${isAppError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e)}`);
      return SYNC_EXIT_CODES.échec;
    } finally {
      await app?.close();
    }
  },
};
