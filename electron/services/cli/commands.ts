/** The commands of `npx referent-vt`; each imports its domain lazily so the CLI starts fast. */
export interface CommandOutput {
  log(line: string): void;
}

export interface Command {
  readonly usage: string;
  run(args: string[], out: CommandOutput): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  validate: {
    usage: 'validate <fichier.json> [--profile-version 4.0.7|4.0.5] : valide une ressource SDO (0 si valide)',
    run: async (args, out) => {
      const [file] = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--profile-version');
      const versionIndex = args.indexOf('--profile-version');
      const version = versionIndex >= 0 ? args[versionIndex + 1] : undefined;
      if (!file || (version !== undefined && version !== '4.0.7' && version !== '4.0.5')) {
        out.log('Usage : npx referent-vt validate <fichier.json> [--profile-version 4.0.7|4.0.5]');
        return 2;
      }
      const { runValidateCommand } = await import('../fhir/validate-command');
      return runValidateCommand(file, out, version ? { profileVersion: version } : undefined);
    },
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
    run: async (args, out) => (await import('../onboarding/onboarding-command')).runOnboardingCommand(args, out),
  },
};
