import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/temp-dir';
import { syncCommand } from './sync-command';

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

  it('refuses to run without --once', async () => {
    const result = await run(['--data', tmp.dir]);
    expect(result.code).toBe(2);
    expect(result.lines[0]).toMatch(/^Usage/);
  });
});
