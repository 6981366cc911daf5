import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database';
import { environmentPaths } from '../environments/environment-store';
import { getOrCreateDatabaseKey } from '../secrets';
import { makeTempDir } from '../testing/temp-dir';
import { SYNC_EXIT_CODES, syncCommand } from './sync-command';

const tmp = makeTempDir('referent-vt-cli-sync-');
afterAll(() => tmp.cleanup());

async function run(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await syncCommand.run(args, { log: (line) => lines.push(line) });
  return { code, lines };
}

describe('referent-vt sync --once', () => {
  it('syncs the local sandbox environment of a fresh data folder, then finds nothing new', async () => {
    const first = await run(['--once', '--data', tmp.dir]);
    expect(first.lines[0]).toBe('Synchronisation — Bac à sable local');
    expect(first.lines[1]).toMatch(/^Synchronisation réussie\. \(/);
    expect(first.lines).toContain('  Décisions reçues ou mises à jour : 20');
    expect(first.code).toBe(0);
    const second = await run(['--once', '--data', tmp.dir]);
    expect(second.code).toBe(0);
    expect(second.lines).toContain('  Décisions reçues ou mises à jour : 0');
  }, 60_000);

  it('a run with anomalies is not a success: its own exit code, the warning printed', async () => {
    // The workstation was off for two months: the run searches from J-30 and tells which period may be missing.
    const { databaseFile } = environmentPaths(tmp.dir, 'sandbox-local');
    const db = openDatabase({ file: databaseFile, key: getOrCreateDatabaseKey(`${databaseFile}.key`, databaseFile) });
    await db.run("UPDATE sync_cursor SET cursor = ? WHERE flow = 'flux1'", [
      new Date(Date.now() - 60 * 86_400_000).toISOString(),
    ]);
    await db.close();
    const result = await run(['--once', '--data', tmp.dir]);
    expect(result.code).toBe(SYNC_EXIT_CODES.anomalies);
    expect(result.lines[1]).toMatch(
      /^Synchronisation terminée : succès avec anomalies \(0 en quarantaine, 0 à relire\)/,
    );
    expect(result.lines.some((l) => /^ {2}Avertissement : Poste resté hors ligne plus de 30 jours/.test(l))).toBe(true);
    const again = await run(['--once', '--data', tmp.dir]);
    expect(again.code).toBe(SYNC_EXIT_CODES.succès);
  }, 60_000);

  it('has one exit code per outcome, each documented in the README', () => {
    const codes = Object.values(SYNC_EXIT_CODES);
    expect(new Set([...codes, 2]).size).toBe(codes.length + 1);
    const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const code of codes) expect(readme).toMatch(new RegExp(`\\*\\*${code}\\*\\* `));
  });

  it('refuses to run without --once', async () => {
    const result = await run(['--data', tmp.dir]);
    expect(result.code).toBe(2);
    expect(result.lines[0]).toMatch(/^Usage/);
  });
});
