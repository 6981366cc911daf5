/**
 * One referent's workstation as its own process, for the organisation-mode tests and `bench:org`: the browser host
 * (host-main.ts through tsx) on a data folder of its own, in organisation mode against a given PostgreSQL store, and
 * connected to ONE shared sandbox (every workstation of a test talks to the same imitation of ViaTrajectoire, as
 * the workstations of an organisation talk to the same ViaTrajectoire). The data folder is configured before the
 * process starts, the way the referent would through Paramètres: environment URLs, trust anchor, client secret, the
 * EJ's .p12 (password remembered), then Paramètres › Organisation (server, account, password in the secret store).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { AppErrorData } from '@shared/errors/app-error';
import type { Result } from '@shared/ipc/result';
import { openConnectionServices } from '../../app/handlers/connection-services';
import type { PostgresConnectionOptions } from '../../db/postgres/postgres-connection';
import type { StoreLocation } from '../../db/open-store';
import { CLIENT_SECRET_NAME } from '../../environments/environment-store';
import type { RunningSandbox } from '../../sandbox/sandbox-server';
import { TEST_EJ } from '../../sync/testing/sandbox-fixture';
import { OrganisationSettingsStore, organisationSettingsFile } from '../organisation-settings';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const HOST_MAIN = path.join(REPO_ROOT, 'electron/services/host/host-main.ts');
/** The workstations of a test live on the sandbox-local environment, connected by hand to the shared sandbox. */
const ENVIRONMENT = 'sandbox-local' as const;

/** Every workstation process started here and not yet exited: none outlives the test process that started it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** What a workstation needs to reach the shared sandbox (what the referent types or imports in Paramètres). */
export interface SharedSandbox {
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly caBundlePem: string;
  /** The EJ's client certificate. */
  readonly p12Path: string;
  readonly p12Password: string;
}

/** The shared sandbox as a running sandbox (startSandbox, or startSandboxFixture's `.sandbox`) describes it. */
export function sharedSandboxOf(sandbox: RunningSandbox, finessEj: string = TEST_EJ.finessEj): SharedSandbox {
  const client = sandbox.pki.clients[finessEj];
  if (!client) throw new Error(`Pas de certificat client du bac à sable pour l'EJ ${finessEj}`);
  return {
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    caBundlePem: sandbox.caBundlePem,
    p12Path: client.p12Path,
    p12Password: client.password,
  };
}

/** The organisation's server as a test store's location (openTestStore('postgres')) gives it. */
export function organisationServerOf(location: StoreLocation): PostgresConnectionOptions {
  if (location.kind !== 'postgres') throw new Error('Un magasin PostgreSQL est attendu pour le mode organisation');
  return location.connection;
}

export interface WorkstationOptions {
  /** The organisation's PostgreSQL (a Unix socket folder on this machine: no TLS). */
  readonly organisation: PostgresConnectionOptions;
  readonly sandbox: SharedSandbox;
  /** An existing workstation's folder (a restart): kept at stop. Default: a fresh temporary folder. */
  readonly dataRoot?: string;
  /** Minutes between automatic syncs; 0 (default) = only what the test or the sync lease asks for. */
  readonly syncMinutes?: number;
  /** More host-main options (e.g. the sync lease's test options). */
  readonly extraArgs?: readonly string[];
  /** More environment variables for the child. */
  readonly env?: Readonly<Record<string, string>>;
  /** A name for diagnostics (stderr tail, errors). */
  readonly label?: string;
}

/** An event the app emitted (the hub's event name and payload), as /api/events streams it. */
export interface WorkstationEvent {
  readonly event: string;
  readonly payload: unknown;
}

export interface WorkstationEvents {
  /** Everything received since the subscription opened. */
  readonly received: readonly WorkstationEvent[];
  /** Called for each event from now on; returns the unsubscribe. */
  on(listener: (event: WorkstationEvent) => void): () => void;
  /** The first event (already received or to come) that matches, or a rejection after `timeoutMs`. */
  next(predicate: (event: WorkstationEvent) => boolean, timeoutMs?: number): Promise<WorkstationEvent>;
  close(): void;
}

/** An IPC call refused by the workstation (the Result's error), so a test can look at its code. */
export class WorkstationCallError extends Error {
  constructor(
    readonly channel: string,
    readonly error: AppErrorData,
  ) {
    super(`${channel} : ${error.code} — ${error.message}`);
  }
}

export interface WorkstationProcess {
  readonly label: string;
  readonly pid: number;
  readonly dataRoot: string;
  /** The environment's folder (logs, secrets, organisation.json). */
  readonly dataDir: string;
  readonly origin: string;
  readonly token: string;
  /** Settles when the process has exited (whatever the way). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The channel's value; rejects with WorkstationCallError when the app answered a refusal. */
  invoke<T = unknown>(channel: string, input?: unknown): Promise<T>;
  /** The raw Result, refusals included. */
  invokeResult<T = unknown>(channel: string, input?: unknown): Promise<Result<T>>;
  /** Subscribes to the app's events (GET /api/events, server-sent events); resolves once the stream is open. */
  events(): Promise<WorkstationEvents>;
  /** Sends a signal (SIGKILL: a crash; nothing is closed; alive() is false from then on). */
  kill(signal?: NodeJS.Signals): void;
  alive(): boolean;
  /** The last lines the process wrote on stderr (diagnostics). */
  stderrTail(): string;
  /** Closes the workstation (SIGTERM, SIGKILL past 10 s) and removes its folder unless it was given or kept. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Configures a workstation's data folder, as the referent would in Paramètres: the shared sandbox's URLs, trust
 * anchor, client secret and .p12, then organisation mode against `organisation`. Idempotent enough for a restart:
 * a folder already in organisation mode is left as it is.
 */
export async function prepareWorkstationData(
  dataRoot: string,
  options: Pick<WorkstationOptions, 'organisation' | 'sandbox'>,
): Promise<void> {
  if (fs.existsSync(organisationSettingsFile(dataRoot, ENVIRONMENT))) return;
  const services = openConnectionServices({ dataRoot, environmentId: ENVIRONMENT, now: () => new Date() });
  const { sandbox, organisation } = options;
  await services.environments.update(ENVIRONMENT, {
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.clientId,
  });
  services.trustAnchors.importPem(sandbox.caBundlePem);
  await services.secrets.set(CLIENT_SECRET_NAME, sandbox.clientSecret);
  const bytes = fs.readFileSync(sandbox.p12Path);
  try {
    const certificate = await services.registry.importPkcs12({
      bytes,
      password: sandbox.p12Password,
      rememberPassword: true,
      trustAnchorsPem: services.trustAnchors.pems(),
      label: 'Certificat de test du bac à sable partagé',
    });
    await services.environments.update(ENVIRONMENT, { certificateId: certificate.id });
  } finally {
    bytes.fill(0);
  }
  const settings = new OrganisationSettingsStore(dataRoot, ENVIRONMENT, services.secrets);
  await settings.update({
    host: organisation.host,
    port: organisation.port,
    database: organisation.database,
    user: organisation.user,
    ...(organisation.schema ? { schema: organisation.schema } : {}),
    password: organisation.password,
    mode: 'organisation',
  });
}

/** Starts one workstation process and waits for its first JSON line (it listens, its store is open). */
export async function startWorkstation(options: WorkstationOptions): Promise<WorkstationProcess> {
  const ownsFolder = options.dataRoot === undefined;
  const dataRoot = options.dataRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-poste-'));
  const label = options.label ?? path.basename(dataRoot);
  await prepareWorkstationData(dataRoot, options);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      HOST_MAIN,
      ...['--data', dataRoot, '--json', '--sync-minutes', String(options.syncMinutes ?? 0)],
      // No renderer is served to a test: an empty folder keeps the host from reading the built one.
      ...['--renderer', path.join(dataRoot, 'no-renderer')],
      '--no-embedded-sandbox',
      ...(options.extraArgs ?? []),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  const tail: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (process.env.REFERENT_VT_WORKSTATION_STDERR) process.stderr.write(`[${label}] ${line}\n`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stdout = readline.createInterface({ input: child.stdout! });
  let first: string;
  try {
    first = await new Promise<string>((resolve, reject) => {
      stdout.once('line', resolve);
      void exited.then(({ code, signal }) =>
        reject(new Error(`Le poste ${label} s'est arrêté au démarrage (${signal ?? code}) :\n${tail.join('\n')}`)),
      );
    });
  } catch (e) {
    if (ownsFolder) fs.rmSync(dataRoot, { recursive: true, force: true });
    throw e;
  }
  // Later lines (none today) must not fill the pipe.
  stdout.on('line', () => undefined);
  const info = JSON.parse(first) as { origin: string; token: string; dataDir: string };
  const headers = { Authorization: `Bearer ${info.token}`, Origin: info.origin };
  // A process sent SIGKILL is gone for its callers at once, before its 'exit' event arrives.
  let killed = false;
  const alive = () => !killed && child.exitCode === null && child.signalCode === null;

  const invokeResult = <T>(channel: string, input: unknown = {}): Promise<Result<T>> =>
    postJson<Result<T>>(`${info.origin}/api/invoke/${channel}`, headers, input);

  return {
    label,
    pid: child.pid!,
    dataRoot,
    dataDir: info.dataDir,
    origin: info.origin,
    token: info.token,
    exited,
    invokeResult,
    async invoke<T>(channel: string, input: unknown = {}): Promise<T> {
      const result = await invokeResult<T>(channel, input);
      if (!result.ok) throw new WorkstationCallError(channel, result.error);
      return result.value;
    },
    events: () => subscribeToEvents(info.origin, headers),
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!alive()) return;
      if (signal === 'SIGKILL') killed = true;
      child.kill(signal);
    },
    alive,
    stderrTail: () => tail.join('\n'),
    async stop(stopOptions = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // The host gives itself 5 s to close; past 10 s it is stuck, and a stuck host must not hang the run.
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      if (ownsFolder && !stopOptions.keepData) fs.rmSync(dataRoot, { recursive: true, force: true });
    },
  };
}

/**
 * One POST on a connection of its own: a kept-alive socket the host closes as idle at the very moment it is
 * reused would fail the call with ECONNRESET though the host is alive (and a refused POST cannot be retried
 * blindly: it might have been processed).
 */
function postJson<T>(url: string, headers: Record<string, string>, input: unknown): Promise<T> {
  const body = Buffer.from(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function subscribeToEvents(origin: string, headers: Record<string, string>): Promise<WorkstationEvents> {
  const abort = new AbortController();
  const res = await fetch(`${origin}/api/events`, { headers, signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`Flux d'événements refusé (${res.status})`);
  const received: WorkstationEvent[] = [];
  const listeners = new Set<(event: WorkstationEvent) => void>();
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (!data) continue;
          const event = JSON.parse(data) as WorkstationEvent;
          received.push(event);
          for (const listener of listeners) listener(event);
        }
      }
    } catch {
      // The stream ends with the process (a kill) or close(): the events received stay readable.
    }
  })();
  return {
    received,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    next(predicate, timeoutMs = 30_000) {
      const already = received.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`Événement attendu non reçu en ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (event: WorkstationEvent) => {
          if (!predicate(event)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(event);
        };
        listeners.add(listener);
      });
    },
    close() {
      abort.abort();
    },
  };
}

/** Polls `condition` until it holds (a condition the processes' activity makes true), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Condition non remplie à temps : ${options.what ?? 'sans nom'}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
