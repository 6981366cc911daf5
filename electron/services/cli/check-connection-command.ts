/**
 * `npx referent-vt check-connection [--data <dossier>] [--password <mot de passe>]`: the "Tester la connexion" chain
 * for the current environment of a data folder (the browser host's by default). Exit 0 only when every step passes.
 * Reads the key-file protected secrets (the no-Electron layout); the desktop app's safeStorage secrets need Electron.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '@shared/errors/app-error';
import type { Command } from './command';

export const checkConnectionCommand: Command = {
  usage: 'check-connection [--data <dossier>] [--password <mdp>] : teste certificat, TLS, jeton et recherche par EG',
  async run(args, out) {
    const { values } = parseArgs({
      args,
      options: { data: { type: 'string', default: path.resolve('.data/app') }, password: { type: 'string' } },
    });
    const { activeEnvironmentDescriptor, openConnectionServices } = await import('../app/handlers/connection-services');
    const { runConnectionCheck } = await import('../app/handlers/connection-check-runner');
    const dataRoot = path.resolve(values.data);
    let sandbox: { close(): Promise<void> } | undefined;
    try {
      const environment = activeEnvironmentDescriptor(dataRoot);
      const services = openConnectionServices({
        dataRoot,
        environmentId: environment.id,
        now: () => new Date(),
      });
      out.log(`Test de la connexion — ${environment.label}`);
      // The local sandbox runs with the app; with the app closed the check starts it for its run, as sync does.
      if (environment.id === 'sandbox-local') {
        const { startEmbeddedSandbox } = await import('../app/embedded-sandbox');
        const local = await startEmbeddedSandbox({ dataDir: services.folders.dataDir }, services, {
          attachToRunning: true,
        });
        sandbox = local;
        out.log(local.owned ? 'Bac à sable local démarré pour ce test.' : 'Bac à sable local de Référent VT ouvert.');
      }
      const report = await runConnectionCheck(services, values.password ? { password: values.password } : {});
      for (const step of report.steps) {
        const mark = step.status === 'ok' ? 'OK    ' : step.status === 'error' ? 'ÉCHEC ' : '—     ';
        const timing = step.status === 'skipped' ? '' : ` (${step.durationMs} ms)`;
        out.log(`${mark}${step.label}${timing}${step.note ? ` — ${step.note}` : ''}`);
        if (step.error) out.log(`      ${step.error.message} [${step.error.code}]`);
      }
      out.log(report.ok ? `Connexion réussie (${report.totalDurationMs} ms).` : 'La connexion a échoué.');
      return report.ok ? 0 : 1;
    } catch (e) {
      out.log(`Erreur : ${isAppError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e)}`);
      return 1;
    } finally {
      await sandbox?.close();
    }
  },
};
