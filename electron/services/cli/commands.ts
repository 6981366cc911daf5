/** The commands of `npx referent-vt`; each imports its domain lazily so the CLI starts fast. */
export interface CommandOutput {
  log(line: string): void;
}

export interface Command {
  readonly usage: string;
  run(args: string[], out: CommandOutput): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {};
