/**
 * `npx referent-vt <commande>`: the product's command line. Each command lives with its domain
 * (fhir/validate-command, cda/parse-cda-command, …) and returns its exit code; the table is in ./commands.
 */
import type { CommandOutput } from './command';
import { COMMANDS } from './commands';

const out: CommandOutput = { log: (line: string) => process.stdout.write(line + '\n') };

function usage(): number {
  out.log('Usage : npx referent-vt <commande> [arguments]');
  for (const [name, c] of Object.entries(COMMANDS)) out.log(`  ${name.padEnd(20)} ${c.usage}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) return usage();
  return command.run(args, out);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`Erreur : ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
