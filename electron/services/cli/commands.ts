/** The commands of `npx referent-vt`; each imports its domain lazily so the CLI starts fast. */
export interface CommandOutput {
  log(line: string): void;
}

export interface Command {
  readonly usage: string;
  run(args: string[], out: CommandOutput): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
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
