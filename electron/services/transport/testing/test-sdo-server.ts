/**
 * Test support: a small mTLS HTTPS server imitating the SI-SdO's authentication (token endpoint over mTLS, Bearer +
 * struct_idnat on business calls) and a CONNECT proxy, both on 127.0.0.1 with OS-chosen ports. The full sandbox
 * lives in electron/services/sandbox; this one only exercises the transport's edge cases.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface TestSdoServer {
  readonly url: string;
  readonly port: number;
  readonly tokenRequests: { body: URLSearchParams; authorization: string | undefined }[];
  readonly businessRequests: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    clientFinessEj?: string;
  }[];
  readonly validTokens: Set<string>;
  /** TLS connections accepted (handshake completed). */
  secureConnections: number;
  /** Token endpoint behaviour. */
  tokenMode: 'json-field' | 'jwt-claim';
  finessEgs: string[];
  close(): Promise<void>;
}

export async function startTestSdoServer(options: {
  keyPem: string;
  certChainPem: string;
  clientCaPem: string;
  clientSecret: string;
  pfx?: { p12: Buffer; password: string };
}): Promise<TestSdoServer> {
  let tokenCounter = 0;
  const state: TestSdoServer = {
    url: '',
    port: 0,
    tokenRequests: [],
    businessRequests: [],
    validTokens: new Set(),
    secureConnections: 0,
    tokenMode: 'json-field',
    finessEgs: ['010000002', '010000003'],
    close: async () => undefined,
  };
  const server: HttpsServer = createHttpsServer(
    {
      ...(options.pfx
        ? { pfx: options.pfx.p12, passphrase: options.pfx.password }
        : { key: options.keyPem, cert: options.certChainPem }),
      ca: [options.clientCaPem],
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
          res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
          res.end(JSON.stringify(payload));
        };
        const outcome = (diagnostics: string): unknown => ({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'processing', diagnostics }],
        });
        const url = req.url ?? '/';
        if (req.method === 'POST' && url === '/oauth/token') {
          const form = new URLSearchParams(body);
          state.tokenRequests.push({ body: form, authorization: req.headers.authorization });
          const basic = req.headers.authorization?.startsWith('Basic ')
            ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':')
            : undefined;
          const secret = basic ? decodeURIComponent(basic[1] ?? '') : form.get('client_secret');
          if (form.get('grant_type') !== 'client_credentials' || secret !== options.clientSecret) {
            res.writeHead(401, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'invalid_client' }));
            return;
          }
          tokenCounter++;
          const claims = { sub: 'test', finess_eg: state.finessEgs, n: tokenCounter };
          const token =
            state.tokenMode === 'jwt-claim'
              ? `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
              : `jeton-${tokenCounter}`;
          state.validTokens.add(token);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              access_token: token,
              token_type: 'Bearer',
              expires_in: 3600,
              ...(state.tokenMode === 'json-field' ? { finess_eg: state.finessEgs } : {}),
            }),
          );
          return;
        }
        if (!url.startsWith('/fhir/')) return json(404, outcome('inconnu'));
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        state.businessRequests.push({
          method: req.method ?? '',
          url,
          headers: req.headers,
          clientFinessEj: peer.subject?.OU as string | undefined,
        });
        if (url === '/fhir/metadata') return json(200, { resourceType: 'CapabilityStatement' });
        const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
        if (!state.validTokens.has(token)) return json(401, outcome('jeton invalide'));
        const idnat = String(req.headers.struct_idnat ?? '');
        const tokenEgs = state.finessEgs;
        if (!idnat.startsWith('1') || !tokenEgs.includes(idnat.slice(1)))
          return json(403, outcome('struct_idnat non autorisé'));
        if (url.startsWith('/fhir/DocumentReference?')) {
          return json(200, { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });
        }
        if (url === '/fhir/Task' && req.method === 'POST') {
          return json(201, JSON.parse(body), { location: '/fhir/Task/1/_history/1' });
        }
        if (url === '/fhir/erreur-serveur') return json(503, outcome('maintenance'), { 'retry-after': '120' });
        if (url === '/fhir/trop-de-requetes') return json(429, outcome('quota'), { 'retry-after': '7' });
        if (url === '/fhir/requete-invalide') return json(400, outcome('Paramètre _lastUpdated invalide'));
        if (url === '/fhir/interdit') return json(403, outcome('EG non habilité'));
        if (url === '/fhir/lent') return; // never answers
        if (url === '/fhir/json-casse') {
          res.writeHead(200, { 'content-type': 'application/fhir+json' });
          res.end('{"resourceType":');
          return;
        }
        return json(404, outcome('ressource inconnue'));
      });
    },
  );
  server.on('secureConnection', () => {
    state.secureConnections++;
  });
  // Handshake failures are expected in some tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(state, {
    port,
    url: `https://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return state;
}

export interface TestProxy {
  readonly url: string;
  readonly connectTargets: string[];
  close(): Promise<void>;
}

/**
 * A CONNECT proxy. `refuseWith` answers every CONNECT with that status; otherwise any host name is tunnelled to
 * 127.0.0.1 (so a test can reach the local server under a name its certificate does not carry).
 */
export async function startTestProxy(
  options: { refuseWith?: number; requireBasicAuth?: string } = {},
): Promise<TestProxy> {
  const connectTargets: string[] = [];
  const sockets = new Set<Socket>();
  const server: HttpServer = createHttpServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    connectTargets.push(req.url ?? '');
    const expectedAuth = options.requireBasicAuth
      ? `Basic ${Buffer.from(options.requireBasicAuth).toString('base64')}`
      : undefined;
    const refusal =
      options.refuseWith ?? (expectedAuth && req.headers['proxy-authorization'] !== expectedAuth ? 407 : 0);
    if (refusal) {
      client.end(`HTTP/1.1 ${refusal} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = netConnect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connectTargets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
