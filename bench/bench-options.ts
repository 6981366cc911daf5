import { parseArgs } from 'node:util';

/**
 * A bench's size, from `--<name> N` on its command line (`npm run bench:x -- --name N`), else the environment
 * variable of older runs, else the default.
 */
export function sizeOption(name: string, fallback: number, environmentVariable?: string): number {
  const { values } = parseArgs({ options: { [name]: { type: 'string' } }, strict: false });
  const raw = values[name] ?? (environmentVariable ? process.env[environmentVariable] : undefined);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} attend un nombre entier positif, pas « ${String(raw)} »`);
  return n;
}
