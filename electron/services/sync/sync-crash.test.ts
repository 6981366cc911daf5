/**
 * Crash safety (issue 5): one sync per child process against the sandbox over mTLS, killed with SIGKILL at random
 * points (several while Tasks are being sent, several while flux 1 pages are being written), restarted each time,
 * then run to completion. The database must then hold exactly what the sandbox serves, and each Task must have
 * reached the sandbox exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql/sql-database';
import { TEST_BACKENDS } from '../testing/test-stores';
import type { Transport } from '../transport/transport';
import { CLAIM_TTL_ENV } from './outbox/outbox-sender';
import { enqueueStatusReport } from './outbox/status-outbox';
import { startSandboxFixture, syncChildConfig, type SandboxFixture } from './testing/sandbox-fixture';
import { DEFAULT_SDO_CONTEXT } from '../fhir';

const ENTRY = fileURLToPath(new URL('./testing/sync-child-entry.ts', import.meta.url));
const EGS = ['010000019', '010000027', '010000035'];
const MIN_KILLS = 10;
const MAX_ROUNDS = 24;
const CLAIM_TTL_MS = 1_000;

let f: SandboxFixture;
let db: SqlDatabase;
let configFile: string;
let transport: Transport;

interface ChildRun {
  readonly child: ChildProcess;
  /** Phases reported so far, in order. */
  readonly phases: string[];
  /** Resolves with the exit code (null when killed) once the process is gone. */
  readonly exited: Promise<number | null>;
  finished: boolean;
  /** Resolves at the first progress event of the phase. */
  phaseSeen(phase: string): Promise<void>;
}

function startChild(): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // A killed run's outbox claims lapse after a second (not the default 30 s): the next runs take them again.
    env: { ...process.env, [CLAIM_TTL_ENV]: String(CLAIM_TTL_MS) },
  });
  const phases: string[] = [];
  const waiters: { phase: string; resolve: () => void }[] = [];
  let buffer = '';
  const run: ChildRun = {
    child,
    phases,
    finished: false,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    phaseSeen(phase) {
      if (phases.includes(phase)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ phase, resolve }));
    },
  };
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const message = JSON.parse(buffer.slice(0, nl)) as { type: string; phase?: string };
      buffer = buffer.slice(nl + 1);
      if (message.type === 'done') run.finished = true;
      if (message.type !== 'progress' || !message.phase) continue;
      phases.push(message.phase);
      for (const w of waiters.filter((x) => x.phase === message.phase)) w.resolve();
    }
  });
  child.stderr?.resume();
  return run;
}

const count = async (sql: string, ...params: unknown[]): Promise<number> => Number(await db.value(sql, params));
const column = async <T>(sql: string, ...params: unknown[]): Promise<T[]> =>
  (await db.all<Record<string, T>>(sql, params)).map((row) => Object.values(row)[0] as T);

const randomMs = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Local status changes of the referent between two runs: each becomes one Task in the outbox. */
async function queueStatusChanges(count: number): Promise<number> {
  const rows = await db.all<{ id: number; finess_eg: string; id_decision: string; id_nat_decision: string }>(
    `SELECT n.id, n.finess_eg, d.id_decision, d.id_nat_decision FROM notification n
     JOIN decision d ON d.id = n.decision_id ORDER BY random() LIMIT ?`,
    [Math.ceil(count / 4)],
  );
  let queued = 0;
  await db.transaction(async (tx) => {
    for (let i = 0; i < count && rows.length > 0; i++) {
      const n = rows[i % rows.length];
      if (!n) continue;
      await enqueueStatusReport(tx, {
        notificationId: n.id,
        finessEg: n.finess_eg,
        report: {
          idNatStruct: `1${n.finess_eg}`,
          nomESMS: 'ÉTABLISSEMENT FICTIF',
          idDecision: n.id_decision,
          idNatDecision: n.id_nat_decision,
          statutESMS: '40',
          dateStatutESMS: '2026-07-01',
        },
        now: new Date(),
        sdo: DEFAULT_SDO_CONTEXT,
      });
      queued++;
    }
  });
  return queued;
}

/** Every id the sandbox serves to the EG for a search since 2000, following the pages. */
async function servedIds(eg: string, search: string): Promise<{ id: string; clientId?: string }[]> {
  const out: { id: string; clientId?: string }[] = [];
  const separator = search.includes('?') ? '&' : '?';
  let next: string | undefined =
    `${search}${separator}_lastUpdated=gt${encodeURIComponent('2000-01-01T00:00:00.000+00:00')}`;
  while (next) {
    const res = await transport.request({ method: 'GET', path: next, finessEg: eg });
    const bundle = res.body as {
      entry?: { resource?: { id?: string; identifier?: { value?: string }[] } }[];
      link?: { relation: string; url: string }[];
    };
    for (const e of bundle.entry ?? []) {
      if (!e.resource?.id) continue;
      const clientId = e.resource.identifier?.[0]?.value;
      out.push({ id: e.resource.id, ...(clientId ? { clientId } : {}) });
    }
    const link = bundle.link?.find((l) => l.relation === 'next')?.url;
    next = link ? link.slice(link.indexOf('/fhir/') + 6) : undefined;
  }
  return out;
}

describe.each(TEST_BACKENDS)('sync crash safety (%s)', (backend) => {
  beforeAll(async () => {
    // Small pages: flux 1 commits several pages per EG, so a kill can fall between two page commits.
    f = await startSandboxFixture({ initialDecisions: 30, settings: { pageSize: 8 }, backend });
    const opened = await f.openDb();
    db = opened.db;
    transport = f.transport();
    const config = syncChildConfig(f, opened);
    configFile = path.join(f.dir, 'sync-child.json');
    fs.writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  }, 60_000);
  afterAll(async () => f?.close());

  it('killed at 10+ random points and restarted, ends with exactly the sandbox data and each Task sent once', async () => {
    const ops = f.sandbox.operations;
    const killsIn = { envoi: 0, décisions: 0, autre: 0 };
    let kills = 0;
    let round = 0;
    let queued = 0;
    let killsAfterStart = 0;
    let inFlightAfterKill = 0;
    const enough = () => kills >= MIN_KILLS && killsIn.envoi >= 3 && killsIn.décisions >= 3;
    for (; round < MAX_ROUNDS && !enough(); round++) {
      // New work on both sides before each run: Tasks to send, decisions and MDPH events to receive.
      queued += await queueStatusChanges(12);
      ops.generateDecisions(24);
      const local = await db.value<string>('SELECT id_nat_decision FROM decision ORDER BY random() LIMIT 1');
      if (local) ops.cancelNotification(local);
      ops.setFaults({ latencyMs: 25 });
      const run = startChild();
      const target = (['envoi', 'décisions', 'any'] as const)[round % 3] ?? 'any';
      if (target === 'any') await Promise.race([sleep(randomMs(200, 2_500)), run.exited]);
      else {
        await Promise.race([run.phaseSeen(target), run.exited]);
        await Promise.race([sleep(randomMs(0, target === 'envoi' ? 40 : 80)), run.exited]);
      }
      if (run.child.exitCode === null && !run.finished) {
        const phase = run.phases.at(-1);
        run.child.kill('SIGKILL');
        await run.exited;
        kills++;
        if (run.phases.length > 0) killsAfterStart++;
        inFlightAfterKill += await count("SELECT count(*) FROM outbox WHERE state = 'in_flight'");
        if (phase === 'envoi') killsIn.envoi++;
        else if (phase === 'décisions') killsIn.décisions++;
        else killsIn.autre++;
      } else await run.exited;
    }
    console.log(
      `Arrêts forcés : ${kills} en ${round} tours (${JSON.stringify(killsIn)}), ` +
        `${inFlightAfterKill} envois laissés « in_flight »`,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(killsIn.envoi).toBeGreaterThanOrEqual(3);
    expect(killsIn.décisions).toBeGreaterThanOrEqual(3);
    // The case the conditional create exists for: a Task possibly received, its answer never recorded.
    expect(inFlightAfterKill).toBeGreaterThanOrEqual(1);

    ops.setFaults({ latencyMs: 0 });
    // The last killed run's claims must have lapsed for the last run to send what they held.
    const claimsLapsed = async () =>
      (await count('SELECT count(*) FROM outbox WHERE claimed_until > ?', new Date().toISOString())) === 0;
    for (const deadline = Date.now() + 30_000; !(await claimsLapsed());) {
      if (Date.now() > deadline) throw new Error('des réservations d’envoi ne sont jamais arrivées à échéance');
      await sleep(100);
    }
    const last = startChild();
    expect(await last.exited).toBe(0);

    // Each decision once, and exactly the ones the sandbox serves to the EGs.
    expect(await count('SELECT count(*) FROM decision')).toBe(ops.decisionCount());
    expect(await count('SELECT count(*) FROM quarantine')).toBe(0);
    for (const eg of EGS) {
      const served = (await servedIds(eg, 'DocumentReference?type=57830-2&_elements=id')).map((s) => s.id).sort();
      const local = await column<string>(
        `SELECT d.document_reference_id FROM notification n JOIN decision d ON d.id = n.decision_id
         WHERE n.finess_eg = ?`,
        eg,
      );
      expect(local.sort()).toEqual(served);
      expect(new Set(local).size).toBe(local.length);

      // MDPH Tasks: each in the history once (our own Tasks, if served back, are known by their client id).
      const ours = new Set(await column<string>('SELECT client_identifier FROM outbox'));
      const tasks = (await servedIds(eg, 'Task')).filter((t) => !t.clientId || !ours.has(t.clientId));
      const history = await column<string>(
        `SELECT s.task_id FROM status_event s JOIN notification n ON n.id = s.notification_id
         WHERE s.origin = 'vt' AND n.finess_eg = ?`,
        eg,
      );
      expect(history.sort()).toEqual(tasks.map((t) => t.id).sort());

      // Cursors: one per flow, a server instant no earlier than anything stored for the EG.
      const cursors = await db.all<{ flow: string; cursor: string }>(
        'SELECT flow, cursor FROM sync_cursor WHERE finess_eg = ?',
        [eg],
      );
      expect(cursors.map((c) => c.flow).sort()).toEqual(['flux1', 'flux5']);
      const newest =
        (await db.value<string>(
          `SELECT max(d.server_last_updated) FROM decision d JOIN notification n ON n.decision_id = d.id
           WHERE n.finess_eg = ?`,
          [eg],
        )) ?? '';
      const flux1 = cursors.find((c) => c.flow === 'flux1')?.cursor ?? '';
      expect(Date.parse(flux1)).toBeGreaterThanOrEqual(Date.parse(newest));
      expect(Date.parse(flux1)).toBeLessThanOrEqual(Date.now());
    }

    // Each Task reached the sandbox once: one received Task per client identifier, as many as outbox rows.
    const outbox = await db.all<{ client_identifier: string; state: string }>(
      'SELECT client_identifier, state FROM outbox ORDER BY id',
    );
    expect(outbox.length).toBe(queued);
    expect(queued).toBeGreaterThanOrEqual(MIN_KILLS * 12 - 12);
    expect(outbox.filter((o) => o.state !== 'sent')).toEqual([]);
    const received = ops.receivedTasks().filter((t) => t.origin === 'esms');
    const receivedIds = received.map((t) => t.clientIdentifier?.split('|').at(-1) ?? '');
    expect(new Set(receivedIds).size).toBe(receivedIds.length);
    expect(receivedIds.sort()).toEqual(outbox.map((o) => o.client_identifier).sort());
    expect(await count("SELECT count(*) FROM status_event WHERE origin = 'local' AND task_id IS NULL")).toBe(0);

    // A further run finds nothing new; no run is left looking unfinished.
    const again = startChild();
    expect(await again.exited).toBe(0);
    expect(
      await count('SELECT count(*) FROM decision WHERE received_at > (SELECT max(started_at) FROM sync_run)'),
    ).toBe(0);
    expect(await count('SELECT count(*) FROM sync_run WHERE finished_at IS NULL')).toBe(0);
    // A kill before the run was recorded (process start-up) leaves nothing to close.
    const interrupted = await count("SELECT count(*) FROM journal WHERE action = 'Synchronisation interrompue'");
    expect(interrupted).toBeGreaterThanOrEqual(killsAfterStart);
    expect(interrupted).toBeLessThanOrEqual(kills);
    // About 13 child processes, each compiling the sources through tsx: minutes on a machine shared by many.
  }, 240_000);
});
