/**
 * `<data>/sandbox.json` (0600): how the other tools reach a running sandbox — its admin URL and token, its FHIR and
 * token URLs, the process that runs it. Written by every started sandbox (`npm run sandbox`, the one Référent VT
 * embeds), removed when it stops; a file left by a process that died is ignored.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SandboxAdmin } from './sandbox-admin';

export const SANDBOX_STATE_FILE = 'sandbox.json';

export interface SandboxState {
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly pid: number;
}

export function sandboxStatePath(dataDir: string): string {
  return join(dataDir, SANDBOX_STATE_FILE);
}

export function writeSandboxState(dataDir: string, state: SandboxState): void {
  // Removed first: `mode` only applies to a file being created (the admin token is for this user only).
  rmSync(sandboxStatePath(dataDir), { force: true });
  writeFileSync(sandboxStatePath(dataDir), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** Removes the file only if it still describes this sandbox (another one may have started on the folder since). */
export function removeSandboxState(dataDir: string, adminUrl: string): void {
  if (readSandboxState(dataDir)?.adminUrl === adminUrl) rmSync(sandboxStatePath(dataDir), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of the sandbox started on this folder, if its process still runs. */
export function readSandboxState(dataDir: string): SandboxState | undefined {
  const file = sandboxStatePath(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxState>;
    if (
      typeof state.adminUrl !== 'string' ||
      typeof state.adminToken !== 'string' ||
      typeof state.fhirBaseUrl !== 'string' ||
      typeof state.tokenUrl !== 'string' ||
      typeof state.pid !== 'number'
    )
      return undefined;
    return processAlive(state.pid) ? (state as SandboxState) : undefined;
  } catch {
    return undefined;
  }
}

/** The sandbox of this folder when it runs and answers its admin API; undefined otherwise. */
export async function findRunningSandbox(dataDir: string): Promise<SandboxState | undefined> {
  const state = readSandboxState(dataDir);
  if (!state) return undefined;
  try {
    await new SandboxAdmin(state.adminUrl, state.adminToken).status();
    return state;
  } catch {
    return undefined;
  }
}

/** The folder of the sandbox Référent VT embeds, under its data root (beside the environment's database). */
export function embeddedSandboxFolder(appDataRoot: string): string {
  return join(appDataRoot, 'sandbox-local', 'sandbox');
}

/**
 * Where a running sandbox may be, first found first used: the folder given with --data (a sandbox folder, or the
 * data folder of Référent VT), else the sandbox Référent VT embeds (`npm start`: .data/app; the desktop app: its
 * user-data folder), else the one `npm run sandbox` starts (.data/sandbox).
 */
export function sandboxFolderCandidates(dataFlag: string | undefined, cwd = process.cwd()): string[] {
  if (dataFlag !== undefined) return [resolve(cwd, dataFlag), embeddedSandboxFolder(resolve(cwd, dataFlag))];
  return [
    embeddedSandboxFolder(join(cwd, '.data', 'app')),
    ...desktopUserDataFolders().map(embeddedSandboxFolder),
    join(cwd, '.data', 'sandbox'),
  ];
}

/** The desktop app's user-data folders (Electron names it after the product, or the package in development). */
function desktopUserDataFolders(): string[] {
  const home = homedir();
  const base =
    process.platform === 'win32'
      ? (process.env['APPDATA'] ?? join(home, 'AppData', 'Roaming'))
      : process.platform === 'darwin'
        ? join(home, 'Library', 'Application Support')
        : (process.env['XDG_CONFIG_HOME'] ?? join(home, '.config'));
  return ['Référent VT', 'referent-vt'].map((name) => join(base, name));
}
