/** The commands of `npx referent-vt`; each imports its domain lazily so the CLI starts fast. */
import { SDO_VERSION_IDS } from '@shared/domain/sdo-versions';
import type { Command } from './command';

export const COMMANDS: Record<string, Command> = {
  validate: {
    usage: `validate <fichier.json> [--profile-version ${SDO_VERSION_IDS.join('|')}] [--terminologies x.y.z] [--data <dossier>] : valide une ressource SDO (0 si valide) ; --data prend les versions de l’environnement courant`,
    run: async (args, out) => (await import('./validate-cli-command')).validateCommand(args, out),
  },
  'parse-cda': {
    usage: 'parse-cda <fichier.xml> : affiche en JSON ce que le lecteur de CDA extrait (celui de la synchronisation)',
    run: async (args, out) => {
      if (!args[0]) {
        out.log('Usage : npx referent-vt parse-cda <fichier.xml>');
        return 2;
      }
      return (await import('../cda/parse-cda-command')).runParseCdaCommand(args[0], out);
    },
  },
  'check-connection': {
    usage: 'teste certificat, TLS, jeton et une recherche par EG (0 si toutes les étapes passent)',
    run: async (args, out) => (await import('./check-connection-command')).checkConnectionCommand.run(args, out),
  },
  sync: {
    usage: 'sync --once [--data <dossier>] : une synchronisation de l’environnement courant (0 si réussie)',
    run: async (args, out) => (await import('./sync-command')).syncCommand.run(args, out),
  },
  onboarding: {
    usage: 'vérifie le raccordement ; --report <fichier.pdf> écrit le rapport (0 si tout est vert)',
    run: async (args, out) => (await import('./onboarding-command')).runOnboardingCommand(args, out),
  },
  serve: {
    usage:
      'serve [--data <dossier>] [--name <nom>] [--sync-minutes <n>] : service de synchronisation de l’organisation ' +
      'sans interface (arrêt par SIGTERM ou Ctrl+C)',
    run: async (args, out) => (await import('./serve-command')).serveCommand.run(args, out),
  },
  organisation: {
    usage: 'organisation migrate-desk [--dry-run] | create-schema | add-referent | assign | revoke | list',
    run: async (args, out) => (await import('./organisation-command')).runOrganisationCommand(args, out),
  },
};
