/**
 * `check-connection` and `npm run sandbox -- …` on the local sandbox environment, with the app closed and with it
 * open (its embedded sandbox running), as a trainer or a referent learning the tool would use them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedSandbox } from '../app/embedded-sandbox';
import { openConnectionServices } from '../app/handlers/connection-services';
import { findRunningSandbox, sandboxFolderCandidates } from '../sandbox/sandbox-state-file';
import { makeTempDir } from '../testing/temp-dir';
import { mapNetworkError } from '../transport/transport-error';
import { checkConnectionCommand } from './check-connection-command';

const tmp = makeTempDir('referent-vt-cli-check-');
afterAll(() => tmp.cleanup());
const REPO = path.resolve(__dirname, '..', '..', '..');

async function check(dataRoot: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await checkConnectionCommand.run(['--data', dataRoot], { log: (line) => lines.push(line) });
  return { code, lines };
}

describe('check-connection on the local sandbox environment', () => {
  it('with the app closed: starts the sandbox for the check, passes, and leaves nothing running', async () => {
    const dataRoot = path.join(tmp.dir, 'closed');
    const result = await check(dataRoot);
    expect(result.lines).toContain('Bac à sable local démarré pour ce test.');
    expect(result.lines.at(-1)).toMatch(/^Connexion réussie/);
    expect(result.code).toBe(0);
    const folder = path.join(dataRoot, 'sandbox-local', 'sandbox');
    expect(existsSync(path.join(folder, 'sandbox.json'))).toBe(false);
    expect(await findRunningSandbox(folder)).toBeUndefined();
  }, 90_000);

  it('with the app open: uses its sandbox, which keeps running; `npm run sandbox -- status` reaches it with no flag', async () => {
    const cwd = path.join(tmp.dir, 'project');
    const dataRoot = path.join(cwd, '.data', 'app');
    mkdirSync(dataRoot, { recursive: true });
    const services = openConnectionServices({ dataRoot, environmentId: 'sandbox-local', now: () => new Date() });
    const app = await startEmbeddedSandbox({ dataDir: services.folders.dataDir }, services, { initialDecisions: 3 });
    try {
      const result = await check(dataRoot);
      expect(result.lines).toContain('Bac à sable local de Référent VT ouvert.');
      expect(result.code).toBe(0);
      expect(await app.admin.status()).toMatchObject({ decisions: 3 });

      // The CLI's first place to look is the sandbox `npm start` embeds under the project's .data/app.
      expect(sandboxFolderCandidates(undefined, cwd)[0]).toBe(path.join(dataRoot, 'sandbox-local', 'sandbox'));
      // Asynchronous: this process serves the sandbox the command talks to.
      const cli = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          pathToFileURL(path.join(REPO, 'node_modules/tsx/dist/loader.mjs')).href,
          path.join(REPO, 'electron/services/sandbox/sandbox-cli.ts'),
          'generate',
          '2',
        ],
        { cwd, encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json') } },
      );
      expect(cli.stderr).toContain(path.join(dataRoot, 'sandbox-local', 'sandbox'));
      expect(JSON.parse(cli.stdout)).toMatchObject({ created: 2 });
      expect(await app.admin.status()).toMatchObject({ decisions: 5 });
    } finally {
      await app.close();
    }
  }, 90_000);

  it('a local server that is not running is not blamed on the Internet', () => {
    const local = mapNetworkError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4443'), { code: 'ECONNREFUSED', address: '127.0.0.1' }),
      true,
    );
    expect(local.message).not.toMatch(/Internet/);
    expect(local.message).toMatch(/bac à sable local n’est pas démarré/);
    const remote = mapNetworkError(
      Object.assign(new Error('getaddrinfo ENOTFOUND vt.example'), { code: 'ENOTFOUND' }),
      true,
    );
    expect(remote.message).toMatch(/Internet/);
  });
});
