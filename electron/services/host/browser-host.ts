/**
 * The "browser host": the IPC contract served over loopback HTTP, for end-to-end tests and machines where
 * Electron cannot run. Bound to 127.0.0.1 on a random port; every API call carries the per-launch token;
 * other origins and other Host headers (DNS rebinding) are refused. Static files of the renderer carry no data.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { MAX_REQUEST_BYTES, TOO_DEEP, TOO_LARGE, UNEXPECTED, dispatch } from '../app/dispatch';
import { jsonTextTooDeep, valueTooDeep } from '../app/json-depth';
import { BodyReadError, decodeUtf8, readBodyBytes } from '../http/bounded-body';
import type { RunningApplication } from '../app/bootstrap';
import { createLogger } from '../logging/logger';
import { CONTENT_SECURITY_POLICY } from './content-security-policy';
import { lookupStaticFile } from './static-files';

const log = createLogger('browser-host');

export interface BrowserHostOptions {
  readonly app: RunningApplication;
  /** Folder with the built renderer (index.html + assets). */
  readonly rendererDir: string;
  readonly port?: number;
}

export interface RunningBrowserHost {
  /** URL to open, with the token in the fragment (never sent to the server by the browser). */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<RunningBrowserHost> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  let origin = '';
  const rendererRoot = path.resolve(options.rendererDir);
  const eventStreams = new Set<http.ServerResponse>();
  let closing = false;

  const unsubscribe = options.app.hub.subscribe((event, payload) => {
    const frame = `event: message\ndata: ${JSON.stringify({ event, payload })}\n\n`;
    for (const res of eventStreams) res.write(frame);
  });

  const authorised = (req: http.IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  };
  const sameHost = (req: http.IncomingMessage): boolean => {
    const port = new URL(origin).port;
    return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  };
  const allowedOrigin = (req: http.IncomingMessage): boolean => {
    const o = req.headers.origin;
    return o === undefined || o === origin || o === origin.replace('127.0.0.1', 'localhost');
  };

  const server = http.createServer((req, res) => {
    // The error boundary of the host: whatever a request does, it gets an answer and the host keeps running.
    handleRequest(req, res).catch((e: unknown) => answerFault(res, e));
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A client closing its socket mid-request must not surface as an unhandled 'error' event.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    if (closing) {
      res.writeHead(503, { Connection: 'close' }).end();
      return;
    }
    if (!sameHost(req) || !allowedOrigin(req)) {
      sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'Origine refusée.' } });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      sendJson(res, 400, { ok: false, error: BAD_ADDRESS });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (!authorised(req)) {
        sendJson(res, 401, { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'Jeton de session invalide.' } });
        return;
      }
      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
        res.write(': connecté\n\n');
        eventStreams.add(res);
        req.on('close', () => eventStreams.delete(res));
        return;
      }
      const match = /^\/api\/invoke\/([a-z-]+:[a-z.-]+)$/.exec(url.pathname);
      if (match && req.method === 'POST') {
        await handleInvoke(req, res, match[1] as string);
        return;
      }
      sendJson(res, 404, { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Opération inconnue.' } });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(url.pathname, res);
  }

  async function handleInvoke(req: http.IncomingMessage, res: http.ServerResponse, channelName: string): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      sendJson(res, 415, {
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'Format de demande non pris en charge.' },
      });
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readBodyBytes(req, MAX_REQUEST_BYTES);
    } catch (e) {
      if (e instanceof BodyReadError && e.reason === 'too-large') {
        res.setHeader('Connection', 'close');
        sendJson(res, 413, { ok: false, error: TOO_LARGE });
      } else {
        // The client went away mid-body: nobody is left to answer.
        log.info('Demande interrompue par le client', { channel: channelName });
        res.destroy();
      }
      return;
    }
    const body = decodeUtf8(bytes);
    if (body === undefined) {
      sendJson(res, 400, { ok: false, error: { code: 'INVALID_INPUT', message: 'La demande n’est pas en UTF-8.' } });
      return;
    }
    if (jsonTextTooDeep(body)) {
      sendJson(res, 400, { ok: false, error: TOO_DEEP });
      return;
    }
    let input: unknown;
    try {
      input = body ? JSON.parse(body) : {};
    } catch {
      sendJson(res, 400, {
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'La demande n’est pas du JSON valide.' },
      });
      return;
    }
    sendJson(res, 200, await dispatch(options.app.handlers, channelName, input));
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    const found = lookupStaticFile(rendererRoot, pathname);
    if (found.kind === 'bad-request') {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Adresse invalide');
      return;
    }
    if (found.kind === 'not-found') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Introuvable');
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': found.contentType };
    if (found.file.endsWith('.html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
    const stream = fs.createReadStream(found.file);
    stream.once('open', () => {
      res.writeHead(200, headers);
      stream.pipe(res);
    });
    stream.once('error', (e) => answerFault(res, e));
  }

  /** Last resort of the boundary: log the fault, answer a clean 500 if the answer has not started, else cut. */
  function answerFault(res: http.ServerResponse, e: unknown): void {
    log.error('Erreur inattendue de l’hôte navigateur', e);
    try {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: UNEXPECTED.toData() });
      else res.destroy();
    } catch {
      res.destroy();
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log.info('Hôte navigateur démarré', { origin });

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    async close() {
      // An EventSource reconnects as soon as its stream ends, possibly on a kept-alive socket the server still
      // holds: refuse every request from now on and drop every socket, or close() would wait for that stream.
      closing = true;
      unsubscribe();
      for (const res of eventStreams) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

const BAD_ADDRESS = { code: 'INVALID_INPUT', message: 'Adresse invalide.' } as const;

/** Serialised before the head is written: a value JSON cannot carry becomes a clean 500, not a half answer. */
function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  let text: string;
  try {
    text = valueTooDeep(body) ? '' : JSON.stringify(body);
  } catch {
    text = '';
  }
  if (text === '') {
    log.error('Réponse impossible à sérialiser', { status });
    status = 500;
    text = JSON.stringify({ ok: false, error: UNEXPECTED.toData() });
  }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(text);
}
