/** What a `npx referent-vt` command is; commands.ts lists them, each command file implements one. */
export interface CommandOutput {
  log(line: string): void;
}

export interface Command {
  readonly usage: string;
  run(args: string[], out: CommandOutput): Promise<number>;
}
