/**
 * Issue 11's findings, each exercised against the real browser host (its own process, over loopback) and, for the
 * path cases, against the IPC handlers as Electron's main process runs them. After each one the host still answers
 * app:info; no library outside the allowed ones is mapped into it; no file outside the allowed inputs is opened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApplication } from '../app/bootstrap';
import { SOFTHSM2_MODULE_PATH, MODULE_REFUSED, pkcs11ModuleId } from '../certs/pkcs11/module-locations';
import { softHsmEnvironment } from '../certs/testing/softhsm-test-token';
import { openDatabase } from '../db/database';
import { parseCsvDocument } from '../export/csv';
import { makeTempDir } from '../testing/temp-dir';
import { seedWorklist } from '../worklist/testing/worklist-seed';

interface HostInfo {
  origin: string;
  token: string;
  dataDir: string;
}

let tmp: ReturnType<typeof makeTempDir>;
let child: ChildProcess;
let host: HostInfo;
/** Files the host must never open or load, in a folder of their own. */
let bait: { dir: string; fifo: string; fifoSo: string; worldWritableSo: string; ownSo: string };

beforeAll(async () => {
  tmp = makeTempDir('referent-vt-security-');
  const rendererDir = path.join(tmp.dir, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  const baitDir = path.join(tmp.dir, 'appats');
  fs.mkdirSync(baitDir);
  bait = {
    dir: baitDir,
    fifo: path.join(baitDir, 'tube.p12'),
    fifoSo: path.join(baitDir, 'tube.so'),
    worldWritableSo: path.join(baitDir, 'modifiable-par-tous.so'),
    ownSo: path.join(baitDir, 'a-moi.so'),
  };
  execFileSync('mkfifo', [bait.fifo, bait.fifoSo]);
  // A real PKCS#11 library (a copy of SoftHSM2's): dlopen would succeed, so only the checks keep it out.
  fs.copyFileSync(fs.realpathSync(SOFTHSM2_MODULE_PATH), bait.worldWritableSo);
  fs.chmodSync(bait.worldWritableSo, 0o666);
  fs.copyFileSync(fs.realpathSync(SOFTHSM2_MODULE_PATH), bait.ownSo);
  fs.chmodSync(bait.ownSo, 0o644);

  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.resolve(__dirname, 'host-main.ts'),
      ...['--data', path.join(tmp.dir, 'data'), '--renderer', rendererDir, '--json', '--sync-minutes', '0'],
      '--no-embedded-sandbox',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...softHsmEnvironment(path.join(tmp.dir, 'softhsm')) },
    },
  );
  child.stderr!.on('data', () => undefined);
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`L'hôte s'est arrêté (code ${code})`)));
  });
  host = JSON.parse(first) as HostInfo;
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  tmp.cleanup();
});

const invoke = async (channel: string, body: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${host.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

async function expectAlive(): Promise<void> {
  expect(child.exitCode).toBeNull();
  expect((await invoke('app:info', {})).json).toMatchObject({ ok: true, value: { shell: 'navigateur' } });
}

/** Waits for a condition the host's activity makes true (checked on each turn of a short poll). */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition jamais remplie');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends raw bytes on a fresh socket and returns what came back until the host closed it (or `until` matched). */
function raw(parts: readonly Buffer[], options: { until?: RegExp; closeAfterSend?: boolean } = {}): Promise<string> {
  const port = Number(new URL(host.origin).port);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => {
      void (async () => {
        socket.setNoDelay(true);
        for (const [i, part] of parts.entries()) {
          await new Promise<void>((r) => socket.write(part, () => r()));
          // Gives the host a chance to read each part on its own (the test stays valid if it reads them together).
          if (i < parts.length - 1) await new Promise((r) => setTimeout(r, 50));
        }
        if (options.closeAfterSend) socket.destroy();
      })().catch(reject);
    });
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (options.until?.test(received)) socket.destroy();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', (e) => (options.closeAfterSend ? resolve(received) : reject(e)));
  });
}

const headersFor = (channel: string, contentLength: number) =>
  Buffer.from(
    `POST /api/invoke/${channel} HTTP/1.1\r\nHost: ${new URL(host.origin).host}\r\n` +
      `Authorization: Bearer ${host.token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${contentLength}\r\nConnection: close\r\n\r\n`,
  );

/** True when some process has the FIFO open for reading (opening its write end without blocking succeeds). */
function fifoHasReader(fifo: string): boolean {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') return false;
    throw e;
  }
}

/** The files mapped into the host process (shared libraries among them). */
function mappedFiles(): string[] {
  const maps = fs.readFileSync(`/proc/${child.pid}/maps`, 'utf8');
  return [...new Set(maps.split('\n').flatMap((l) => /\s(\/\S.*)$/.exec(l)?.[1] ?? []))];
}

describe('no request can stop the host', () => {
  it('answers a malformed %-escape in a static path with 400 (no token needed, what any page can send)', async () => {
    for (const p of ['/%', '/%C0%AE', '/%E0%A4%A', '/assets/%ZZ.js']) {
      const res = await fetch(`${host.origin}${p}`);
      expect(res.status, p).toBe(400);
    }
    await expectAlive();
  });

  it('answers a body nested 5,000 levels deep with a clean error, at the top or under a field', async () => {
    const deep = '['.repeat(5_000) + ']'.repeat(5_000);
    for (const body of [deep, `{"limit":${deep}}`]) {
      const { status, json } = await invoke('journal:list', body);
      expect(status).toBe(400);
      expect(json).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', message: expect.stringMatching(/profond/) },
      });
    }
    await expectAlive();
  });

  it('survives a client closing its socket in the middle of a body', async () => {
    const logFile = path.join(host.dataDir, 'logs', 'referent-vt.log');
    const interrupted = () => (fs.readFileSync(logFile, 'utf8').match(/Demande interrompue/g) ?? []).length;
    const before = interrupted();
    for (let i = 0; i < 3; i++) {
      await raw([headersFor('journal:record-user-action', 1000), Buffer.from('{"act')], { closeAfterSend: true });
    }
    // The host has seen the three aborts (it logs each) — or it died of them.
    await until(() => interrupted() === before + 3 || child.exitCode !== null);
    await expectAlive();
  });

  it('decodes a body once as UTF-8: a character split across two packets stays whole', async () => {
    const action = `Évaluation reçue — ${'é'.repeat(40)}`;
    const body = Buffer.from(JSON.stringify({ action, outcome: 'info' }));
    const cut = body.indexOf(Buffer.from('é')) + 1; // inside the two bytes of "é"
    const answer = await raw(
      [headersFor('journal:record-user-action', body.length), body.subarray(0, cut), body.subarray(cut)],
      {
        until: /\r\n\r\n.*\}$/s,
      },
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const listed = (await invoke('journal:list', { limit: 5 })).json as { value: { action: string }[] };
    expect(listed.value.map((e) => e.action)).toContain(action);
  });

  it('refuses invalid UTF-8, and counts its limit in bytes, not characters', async () => {
    const invalid = Buffer.concat([
      Buffer.from('{"action":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","outcome":"info"}'),
    ]);
    const answer = await raw([headersFor('journal:record-user-action', invalid.length), invalid], { until: /\}$/ });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('INVALID_INPUT');
    // 350,000 "€" are 350,000 characters but 1,050,000 bytes: over the 1,000,000-byte limit.
    const { status, json } = await invoke('reprise:preview', { csv: '€'.repeat(350_000) });
    expect(status).toBe(413);
    expect(json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await expectAlive();
  });
});

describe('the IPC surface loads and reads nothing it was not meant to', () => {
  it('takes no path to read for a certificate or a trust anchor: no file opened, no existence told', async () => {
    const answers = [];
    for (const filePath of [bait.fifo, '/dev/zero', '/etc/hostname', path.join(bait.dir, 'absent.p12')]) {
      const { json } = await invoke('certificates:import', { filePath, password: 'x' });
      expect(json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      answers.push(JSON.stringify(json));
    }
    expect(new Set(answers).size).toBe(1);
    expect(fifoHasReader(bait.fifo)).toBe(false);
    const pem = await invoke('trust-anchors:import', { pemText: '-----BEGIN CERTIFICATE-----' });
    expect(pem.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    // Bytes are capped at 64 KiB.
    const big = crypto.randomBytes(70 * 1024).toString('base64');
    expect((await invoke('certificates:import', { contentBase64: big, password: 'x' })).json).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    await expectAlive();
  });

  it('loads no PKCS#11 module the caller names: only those main offers, checked', async () => {
    const byPath = await invoke('smartcards:tokens', { modulePath: bait.worldWritableSo });
    expect(byPath.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const persisted = await invoke('smartcards:set-modules', { modulePaths: [bait.worldWritableSo] });
    expect(persisted.json).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    const unknownId = await invoke('smartcards:tokens', { moduleId: pkcs11ModuleId(bait.worldWritableSo) });
    expect(unknownId.json).toMatchObject({ ok: false, error: { code: 'PKCS11_MODULE_ERROR' } });

    // Typed paths (browser host): each refusal says the same thing, whether the file exists or not.
    const refusals = [];
    for (const typed of [
      bait.worldWritableSo,
      bait.fifoSo,
      '/etc/hostname',
      '/nulle/part.so',
      'relatif.so',
      bait.dir,
    ]) {
      const { json } = await invoke('smartcards:add-module', { path: typed });
      expect(json, typed).toMatchObject({ ok: false, error: { code: 'PKCS11_MODULE_ERROR', message: MODULE_REFUSED } });
      refusals.push(JSON.stringify(json));
    }
    expect(new Set(refusals).size).toBe(1);
    expect(fifoHasReader(bait.fifoSo)).toBe(false);

    // SoftHSM2 is a standard location: offered, and usable.
    const config = (await invoke('smartcards:config', {})).json as {
      value: { modules: { id: string; path: string; origin: string }[] };
    };
    const softHsm = config.value.modules.find((m) => m.path === SOFTHSM2_MODULE_PATH);
    expect(softHsm).toMatchObject({ origin: 'standard' });
    expect((await invoke('smartcards:tokens', { moduleId: softHsm!.id })).json).toMatchObject({ ok: true });

    const loadedFromBait = mappedFiles().filter((f) => f.startsWith(bait.dir));
    expect(loadedFromBait).toEqual([]);
    await expectAlive();
  });

  it('under Electron, takes a module from main’s own dialog only, checked the same way', async () => {
    const dataRoot = path.join(tmp.dir, 'electron-data');
    let dialogAnswer: string | undefined;
    const app = await startApplication({
      dataRoot,
      shell: 'electron',
      version: '0.0.0-test',
      databaseKey: () => crypto.randomBytes(32),
      embeddedSandbox: false,
      syncIntervalMs: 0,
      chooseFile: async () => dialogAnswer,
    });
    try {
      const typed = await Promise.resolve()
        .then(() => app.handlers['smartcards:add-module']({ path: bait.ownSo }))
        .then(
          () => 'accepté',
          (e: Error) => e.message,
        );
      expect(typed).toMatch(/Choisissez le module/);
      dialogAnswer = bait.worldWritableSo;
      await expect(Promise.resolve().then(() => app.handlers['smartcards:choose-module']({}))).rejects.toThrow(
        MODULE_REFUSED,
      );
      dialogAnswer = undefined; // cancelled
      expect((await app.handlers['smartcards:choose-module']({})).modules.some((m) => m.origin === 'choisi')).toBe(
        false,
      );
      dialogAnswer = bait.ownSo;
      const config = await app.handlers['smartcards:choose-module']({});
      expect(config.choice).toBe('dialogue');
      expect(config.modules.find((m) => m.origin === 'choisi')).toMatchObject({ path: bait.ownSo, usable: true });
      // Later made world-writable: still listed (to be removed), no longer loadable.
      fs.chmodSync(bait.ownSo, 0o666);
      const id = pkcs11ModuleId(bait.ownSo);
      expect((await app.handlers['smartcards:config']({})).modules.find((m) => m.id === id)?.usable).toBe(false);
      expect(() => app.handlers['smartcards:tokens']({ moduleId: id })).toThrow(MODULE_REFUSED);
      fs.chmodSync(bait.ownSo, 0o644);
    } finally {
      await app.close();
    }
  });
});

describe('exports and stored files leak nothing', () => {
  it('exports the waiting lists without a single formula cell, whatever the names and identifiers', async () => {
    const file = path.join(host.dataDir, 'referent-vt.db');
    const db = openDatabase({ file, key: Buffer.from(fs.readFileSync(`${file}.key`, 'utf8').trim(), 'base64') });
    try {
      await seedWorklist(db, { count: 30, today: new Date().toISOString().slice(0, 10) });
      await db.run(
        `UPDATE person SET family_name = '=cmd|'' /C calc''!A0', used_family_name = NULL,
                given_names = '@SUM(1+1)', mdph_individual_id = '+33-' || id`,
      );
      await db.run(`UPDATE ror_unit SET name = '-2+3', id_ror = char(9) || '=' || id`);
    } finally {
      await db.close();
    }
    const { json } = await invoke('waiting-lists:export-csv', {});
    const { content, rows } = (json as { value: { content: string; rows: number } }).value;
    expect(rows).toBeGreaterThan(0);
    const cells = parseCsvDocument(content).slice(1).flat();
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(cells).toContain(`'=cmd|' /C calc'!A0`);
    await expectAlive();
  });

  it('keeps the database, its WAL and SHM, and the log file to their owner (0600)', async () => {
    await invoke('journal:record-user-action', { action: 'Écriture', outcome: 'info' });
    const files = ['referent-vt.db', 'referent-vt.db-wal', 'referent-vt.db-shm', 'logs/referent-vt.log'];
    for (const f of files) expect(fs.statSync(path.join(host.dataDir, f)).mode & 0o777, f).toBe(0o600);
  });
});
