/**
 * `npx referent-vt serve [--data <dossier>] [--name <nom>] [--sync-minutes <n>]`: the organisation's permanent
 * syncer (README « Mode organisation », systemd unit there). Starts the app core on the data folder's store
 * without any UI, contends for the sync lease like a workstation (docs/decisions.md) and, while it holds it, runs
 * the schedule and sends the outbox — the statuses every workstation queued. Logs go to standard output (the
 * redacted lines of the log file: no personal data); SIGTERM or SIGINT stop it cleanly, lease released.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isAppError } from '@shared/errors/app-error';
import type { Command } from './command';

/** Lines the service prints about itself (tests and operators wait for them). */
export const SERVE_LINES = {
  ready: 'Service de synchronisation démarré',
  holding: 'Ce service synchronise l’organisation',
  waiting: 'Un autre poste synchronise l’organisation : ce service attend pour prendre le relais',
  stopped: 'Service de synchronisation arrêté',
} as const;

const USAGE =
  'serve [--data <dossier>] [--name <nom>] [--sync-minutes <n>] : service de synchronisation de l’organisation, ' +
  'sans interface (arrêt par SIGTERM ou Ctrl+C)';

function productVersion(): string {
  const packageFile = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(packageFile, 'utf8')) as { version: string }).version;
}

function describe(e: unknown): string {
  return isAppError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e);
}

export const serveCommand: Command = {
  usage: USAGE,
  async run(args, out) {
    let values: { data: string; name?: string; 'sync-minutes': string; 'no-embedded-sandbox': boolean };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          data: { type: 'string', default: '.data/app' },
          name: { type: 'string' },
          'sync-minutes': { type: 'string', default: '15' },
          // The sandbox-local environment pointed at a sandbox that runs elsewhere (tests).
          'no-embedded-sandbox': { type: 'boolean', default: false },
        },
      }));
    } catch (e) {
      out.log(`Erreur : ${describe(e)}`);
      out.log(`Usage : npx referent-vt ${USAGE}`);
      return 2;
    }
    const minutes = Number(values['sync-minutes']);
    if (!Number.isFinite(minutes) || minutes < 0) {
      out.log('Erreur : --sync-minutes attend un nombre de minutes (0 : pas de synchronisation planifiée).');
      return 2;
    }
    // Shown to the workstations on their Synchronisation screen: the service, never a person.
    const label = values.name ?? `Service referent-vt serve (${os.hostname()})`;
    const stop = stopSignal();
    const { startApplication } = await import('../app/bootstrap');
    const { getOrCreateDatabaseKey } = await import('../secrets');
    const { logProcessFaults } = await import('../logging/logger');
    let app: Awaited<ReturnType<typeof startApplication>>;
    try {
      app = await startApplication({
        dataRoot: path.resolve(values.data),
        shell: 'navigateur',
        version: productVersion(),
        databaseKey: (databaseFile) => getOrCreateDatabaseKey(`${databaseFile}.key`, databaseFile),
        syncIntervalMs: Math.round(minutes * 60_000),
        embeddedSandbox: !values['no-embedded-sandbox'],
        attachToRunningSandbox: true,
        syncLease: { label },
        logToStdout: true,
        // A service has no screen: no work list built ahead, no snapshot of the organisation for an offline review.
        headless: true,
      });
    } catch (e) {
      out.log(`Erreur : le service n’a pas pu démarrer : ${describe(e)}`);
      stop.dispose();
      return 1;
    }
    logProcessFaults();
    if (app.ctx.organisationUnavailable) {
      out.log(`Erreur : ${app.ctx.organisationUnavailable.reason} Le service s’arrête.`);
      await app.close();
      stop.dispose();
      return 1;
    }
    const mode = app.lease.shared ? 'base de l’organisation' : 'base de ce poste (pas en mode organisation)';
    out.log(`${SERVE_LINES.ready} — ${app.ctx.environmentLabel}, ${mode}.`);
    let holding: boolean | undefined;
    const report = (): void => {
      const state = app.lease.state();
      const nowHolding = state.holder?.thisWorkstation === true;
      if (nowHolding === holding) return;
      holding = nowHolding;
      if (nowHolding) {
        out.log(`${SERVE_LINES.holding}.`);
        // Taking over: a run at once, the schedule follows (and statuses left waiting leave with it).
        if (minutes > 0) {
          app.sync.runNow().then(
            (result) => out.log(result ? `Synchronisation terminée : ${result.outcome}.` : 'Synchronisation arrêtée.'),
            (e: unknown) => out.log(`Synchronisation non aboutie : ${describe(e)}`),
          );
        }
      } else if (!state.eligible) {
        out.log(
          'Ce service ne peut pas synchroniser : aucun certificat utilisable pour cet environnement (certificat ' +
            'choisi, mot de passe mémorisé) ou compte sans accès à tous les établissements.',
        );
      } else {
        out.log(`${SERVE_LINES.waiting}.`);
      }
    };
    // The first answer from the server, then each change.
    await app.lease.confirm().catch(() => false);
    const unsubscribe = app.lease.onChange(report);
    report();
    await stop.signalled;
    unsubscribe();
    out.log('Arrêt demandé : fin de la synchronisation en cours et remise du bail…');
    // Nothing is lost if closing hangs (each step commits): never outlive the service manager's patience.
    const forced = setTimeout(() => {
      out.log('Arrêt forcé : la fermeture n’a pas abouti en 10 s.');
      process.exit(1);
    }, 10_000);
    forced.unref();
    try {
      await app.close();
    } finally {
      clearTimeout(forced);
      stop.dispose();
    }
    out.log(`${SERVE_LINES.stopped}.`);
    return 0;
  },
};

function stopSignal(): { signalled: Promise<NodeJS.Signals>; dispose(): void } {
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals): void => resolve(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signalled,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
