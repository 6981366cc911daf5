import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startApplication, type RunningApplication } from '../app/bootstrap';
import { makeTempDir } from '../testing/temp-dir';
import { startBrowserHost, type RunningBrowserHost } from './browser-host';

let tmp: ReturnType<typeof makeTempDir>;
let app: RunningApplication;
let host: RunningBrowserHost;

beforeEach(async () => {
  tmp = makeTempDir();
  const rendererDir = path.join(tmp.dir, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  const key = crypto.randomBytes(32);
  app = await startApplication({
    dataRoot: tmp.dir,
    shell: 'navigateur',
    version: '0.0.0-test',
    databaseKey: () => key,
  });
  host = await startBrowserHost({ app, rendererDir });
});
afterEach(async () => {
  await host.close();
  await app.close();
  tmp.cleanup();
});

const invoke = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${host.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}`, ...headers },
    body: JSON.stringify(body),
  });

it('serves the contract on 127.0.0.1 with the per-launch token', async () => {
  expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await invoke('app:info', {});
  expect(await res.json()).toMatchObject({ ok: true, value: { shell: 'navigateur', environmentId: 'sandbox-local' } });
});

it('refuses a missing or wrong token, another origin and another Host', async () => {
  expect((await invoke('app:info', {}, { Authorization: 'Bearer faux' })).status).toBe(401);
  expect((await invoke('app:info', {}, { Origin: 'http://evil.example' })).status).toBe(403);
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve) => {
    const url = new URL(host.origin);
    const req = request(
      {
        host: '127.0.0.1',
        port: url.port,
        path: '/api/invoke/app:info',
        method: 'POST',
        headers: { Host: 'rebind.example', Authorization: `Bearer ${host.token}` },
      },
      (res) => resolve(res.statusCode ?? 0),
    );
    req.end('{}');
  });
  expect(status).toBe(403);
});

it('validates input with the channel schema and answers with a stable error code', async () => {
  const res = await invoke('journal:list', { limit: 'beaucoup' });
  expect(await res.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  const unknown = await invoke('nope:nothing', {});
  expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
});

it('records a user action in the journal through the contract', async () => {
  await invoke('journal:record-user-action', {
    action: 'Export CSV',
    outcome: 'succès',
    recordType: 'unité',
    recordId: 'ROR-1',
  });
  const list = (await (await invoke('journal:list', { limit: 5 })).json()) as { value: { action: string }[] };
  expect(list.value.map((e) => e.action)).toContain('Export CSV');
});

it('journals a refused unit creation with its reason, and a created one', async () => {
  const unit = {
    idRor: 'ROR-LOCALE-1',
    name: 'Atelier fictif',
    categorieOrganisation: '43',
    temporaliteAccueil: null,
    accueilSequentiel: null,
    modePriseCharge: '47',
  };
  const refused = await (await invoke('units:create', { finessEg: '010000099', ...unit })).json();
  expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  await app.ctx.db.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000001', 'ASSOCIATION FICTIVE')");
  await app.ctx.db.run(
    "INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES ('010000099', '010000001', 'ESAT FICTIF')",
  );
  expect(await (await invoke('units:create', { finessEg: '010000099', ...unit })).json()).toMatchObject({
    ok: true,
    value: { idRor: 'ROR-LOCALE-1', origin: 'local' },
  });
  const journal = await app.ctx.db.all(
    "SELECT outcome, record_id, detail FROM journal WHERE action = 'Unité ROR ajoutée' ORDER BY id",
  );
  expect(journal).toEqual([
    { outcome: 'échec', record_id: 'ROR-LOCALE-1', detail: expect.stringMatching(/inconnu.* \[NOT_FOUND\]$/) },
    { outcome: 'succès', record_id: 'ROR-LOCALE-1', detail: null },
  ]);
});

it('serves renderer files with the CSP and never outside its folder', async () => {
  const res = await fetch(`${host.origin}/`);
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect((await fetch(`${host.origin}/..%2F..%2Fpackage.json`)).status).toBe(404);
});

it('closes at once, with an event stream open and a request still arriving', async () => {
  const url = new URL(host.origin);
  const connect = () =>
    new Promise<net.Socket>((resolve) => {
      const socket = net.connect(Number(url.port), '127.0.0.1', () => resolve(socket));
      socket.on('error', () => undefined);
    });
  const stream = await connect();
  const streamOpen = new Promise((resolve) => stream.once('data', resolve));
  stream.write(`GET /api/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${host.token}\r\n\r\n`);
  await streamOpen;
  // A client stuck half-way through its request: Node would wait for it up to its headers timeout (60 s).
  const stuck = await connect();
  stuck.write(`POST /api/invoke/app:info HTTP/1.1\r\nHost: ${url.host}\r\n`);
  await new Promise((r) => setTimeout(r, 100));
  const outcome = await Promise.race([
    host.close().then(() => 'fermé'),
    new Promise((r) => setTimeout(() => r('bloqué'), 3_000)),
  ]);
  expect(outcome).toBe('fermé');
  // Both sockets were dropped by the host, not left to the client.
  await Promise.all(
    [stream, stuck].map((s) => (s.closed ? Promise.resolve() : new Promise((r) => s.once('close', r)))),
  );
});
