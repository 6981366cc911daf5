import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { createNodeTransport } from './node-transport';
import { startTestProxy, startTestSdoServer, type TestSdoServer } from './testing/test-sdo-server';
import { parseTokenResponse } from './token-response';
import type { NodeTransportConfig } from './transport';
import type { TransportError } from './transport-error';

const EJ = '010000001';
const SECRET = 'secret-client-de-test';
let pki: TestPki;
let server: TestSdoServer;

beforeAll(async () => {
  pki = await ensureTestPki(mkdtempSync(join(tmpdir(), 'rvt-pki-')), {
    legalEntities: [{ finessEj: EJ, name: 'ESMS FICTIF TEST' }],
  });
  server = await startTestSdoServer({
    keyPem: pki.server.keyPem,
    certChainPem: pki.server.chainPem,
    clientCaPem: pki.rootCertPem,
    clientSecret: SECRET,
  });
});

afterAll(async () => {
  await server?.close();
});

function config(overrides: Partial<NodeTransportConfig> = {}, base = server.url): NodeTransportConfig {
  const client = pki.clients[EJ]!;
  return {
    fhirBaseUrl: `${base}/fhir`,
    tokenUrl: `${base}/oauth/token`,
    clientId: 'referent-vt',
    clientSecret: SECRET,
    clientCertificate: { kind: 'p12', p12: readFileSync(client.p12Path), password: client.password },
    trustAnchorsPem: [pki.rootCertPem],
    proxyMode: 'none',
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return e as TransportError;
}

const SEARCH = 'DocumentReference?type=57830-2&_lastUpdated=gt2026-11-24T10:00:00.000%2B01:00&_elements=id';

describe('Node transport against a local mTLS server', () => {
  it('gets a token over mTLS, caches it and sends Bearer + struct_idnat on business calls', async () => {
    const transport = createNodeTransport(config());
    try {
      const before = server.tokenRequests.length;
      const token = await transport.getToken();
      expect(token.finessEgs).toEqual(['010000002', '010000003']);
      const res = await transport.request({ method: 'GET', path: SEARCH, finessEg: '010000002' });
      await transport.request({ method: 'GET', path: SEARCH, finessEg: '010000003' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(res.serverDate).toBe(res.headers.date);
      expect(server.tokenRequests.length - before).toBe(1);
      const last = server.tokenRequests.at(-1)!;
      expect(last.body.get('client_id')).toBe('referent-vt');
      const calls = server.businessRequests.slice(-2);
      expect(calls.map((c) => c.headers.struct_idnat)).toEqual(['1010000002', '1010000003']);
      expect(calls[0]!.headers.authorization).toBe(`Bearer ${token.accessToken}`);
      expect(calls[0]!.url).toBe(`/fhir/${SEARCH}`); // the %2B survives
      expect(calls[0]!.clientFinessEj).toBe(EJ);
    } finally {
      transport.close();
    }
  });

  it('renews the token once on a 401 then retries once; a second 401 is TOKEN_EXPIRED', async () => {
    const transport = createNodeTransport(config());
    try {
      await transport.getToken();
      server.validTokens.clear(); // the server forgets every token (revoked / expired early)
      const before = server.tokenRequests.length;
      const res = await transport.request({ method: 'GET', path: SEARCH, finessEg: '010000002' });
      expect(res.status).toBe(200);
      expect(server.tokenRequests.length - before).toBe(1);

      const original = server.validTokens.add.bind(server.validTokens);
      server.validTokens.add = () => server.validTokens; // newly issued tokens are not honoured
      server.validTokens.clear();
      try {
        const e = await failure(transport.request({ method: 'GET', path: SEARCH, finessEg: '010000002' }));
        expect(e.code).toBe('TOKEN_EXPIRED');
      } finally {
        server.validTokens.add = original;
      }
    } finally {
      transport.close();
    }
  });

  it('keeps the token until shortly before its expiry, then asks for a new one', async () => {
    let clock = Date.parse('2026-11-25T10:00:00Z');
    const transport = createNodeTransport(config({ now: () => clock }));
    try {
      const first = await transport.getToken();
      expect(first.expiresAt).toBe(clock + 3600_000);
      clock += 3600_000 - 120_000; // two minutes left: still reused
      expect((await transport.getToken()).accessToken).toBe(first.accessToken);
      clock += 90_000; // 30 s left: renewed before a request leaves with it
      expect((await transport.getToken()).accessToken).not.toBe(first.accessToken);
      const [a, b] = await Promise.all([transport.getToken(), transport.getToken()]);
      expect(a.accessToken).toBe(b.accessToken);
    } finally {
      transport.close();
    }
  });

  it('sends a JSON body on POST and returns the created resource', async () => {
    const transport = createNodeTransport(config());
    try {
      const res = await transport.request({
        method: 'POST',
        path: 'Task',
        finessEg: '010000002',
        body: { resourceType: 'Task', status: 'completed' },
        headers: { 'If-None-Exist': 'identifier=urn:uuid:1' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe('/fhir/Task/1/_history/1');
      const call = server.businessRequests.at(-1)!;
      expect(call.headers['content-type']).toContain('application/fhir+json');
      expect(call.headers['if-none-exist']).toBe('identifier=urn:uuid:1');
    } finally {
      transport.close();
    }
  });

  it('maps 5xx, 429, 400 and 403 to their codes with the useful detail', async () => {
    const transport = createNodeTransport(config());
    try {
      const e503 = await failure(transport.request({ method: 'GET', path: 'erreur-serveur', finessEg: '010000002' }));
      expect(e503).toMatchObject({ code: 'HTTP_SERVER_ERROR', httpStatus: 503, retryAfterSeconds: 120 });
      const e429 = await failure(transport.request({ method: 'GET', path: 'trop-de-requetes', finessEg: '010000002' }));
      expect(e429).toMatchObject({ code: 'HTTP_RATE_LIMITED', retryAfterSeconds: 7 });
      expect(e429.detail).toContain('Retry-After: 7');
      const e400 = await failure(transport.request({ method: 'GET', path: 'requete-invalide', finessEg: '010000002' }));
      expect(e400).toMatchObject({ code: 'HTTP_CLIENT_ERROR', httpStatus: 400 });
      expect(e400.detail).toContain('Paramètre _lastUpdated invalide');
      const e403 = await failure(transport.request({ method: 'GET', path: 'interdit', finessEg: '010000002' }));
      expect(e403.code).toBe('EG_NOT_ACTIVATED');
      const e404 = await failure(transport.request({ method: 'GET', path: 'Task/inconnue', finessEg: '010000002' }));
      expect(e404).toMatchObject({ code: 'HTTP_CLIENT_ERROR', httpStatus: 404 });
      const broken = await failure(transport.request({ method: 'GET', path: 'json-casse', finessEg: '010000002' }));
      expect(broken.code).toBe('MALFORMED_RESPONSE');
      for (const e of [e503, e429, e400, e403, e404]) expect(e.message).toMatch(/[a-zà-ÿ]/);
    } finally {
      transport.close();
    }
  });

  it('refuses an EG absent from the token before sending anything', async () => {
    const transport = createNodeTransport(config());
    try {
      await transport.getToken();
      const before = server.businessRequests.length;
      const e = await failure(transport.request({ method: 'GET', path: SEARCH, finessEg: '999999999' }));
      expect(e.code).toBe('EG_NOT_ACTIVATED');
      expect(server.businessRequests.length).toBe(before);
    } finally {
      transport.close();
    }
  });

  it('reads the EG list from the JWT claims when the response has no finess_eg field', async () => {
    server.tokenMode = 'jwt-claim';
    const transport = createNodeTransport(config({ tokenAuthMethod: 'client_secret_basic' }));
    try {
      expect((await transport.getToken()).finessEgs).toEqual(['010000002', '010000003']);
      expect(server.tokenRequests.at(-1)!.authorization).toMatch(/^Basic /);
      expect(server.tokenRequests.at(-1)!.body.get('client_secret')).toBeNull();
    } finally {
      server.tokenMode = 'json-field';
      transport.close();
    }
  });

  it('maps a wrong client secret to TOKEN_REFUSED and a wrong .p12 password to CERT_WRONG_PASSWORD', async () => {
    const transport = createNodeTransport(config({ clientSecret: 'mauvais' }));
    try {
      expect((await failure(transport.getToken())).code).toBe('TOKEN_REFUSED');
    } finally {
      transport.close();
    }
    const client = pki.clients[EJ]!;
    expect(() =>
      createNodeTransport(
        config({ clientCertificate: { kind: 'p12', p12: readFileSync(client.p12Path), password: 'faux' } }),
      ),
    ).toThrow(expect.objectContaining({ code: 'CERT_WRONG_PASSWORD' }));
  });

  it('times out a silent server with NET_TIMEOUT', async () => {
    const transport = createNodeTransport(config());
    try {
      const e = await failure(
        transport.request({ method: 'GET', path: 'lent', finessEg: '010000002', timeoutMs: 300 }),
      );
      expect(e.code).toBe('NET_TIMEOUT');
    } finally {
      transport.close();
    }
  });

  it('reuses keep-alive connections: 60 requests, 6 at a time, over at most 6 TLS connections', async () => {
    const transport = createNodeTransport(config({ maxSockets: 6 }));
    try {
      await transport.getToken();
      const before = server.secureConnections;
      const queue = Array.from({ length: 60 }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (queue.shift() !== undefined) {
            await transport.request({ method: 'GET', path: SEARCH, finessEg: '010000002' });
          }
        }),
      );
      expect(server.secureConnections - before).toBeLessThanOrEqual(6);
    } finally {
      transport.close();
    }
  });
});

describe('TLS failures', () => {
  it('refuses a server whose certificate is not under the trust anchors (TLS_SERVER_UNTRUSTED)', async () => {
    const other = pki.bad.otherCa;
    const rogue = await startTestSdoServer({
      keyPem: '',
      certChainPem: '',
      pfx: { p12: readFileSync(other.p12Path), password: other.password },
      clientCaPem: pki.rootCertPem,
      clientSecret: SECRET,
    });
    const transport = createNodeTransport(config({}, rogue.url));
    try {
      expect((await failure(transport.getToken())).code).toBe('TLS_SERVER_UNTRUSTED');
    } finally {
      transport.close();
      await rogue.close();
    }
  });

  it('reports a server name mismatch (reached through a proxy under another name)', async () => {
    const proxy = await startTestProxy();
    const transport = createNodeTransport(
      config({ proxyUrl: `${proxy.url}`, proxyMode: 'manual' }, `https://sdo.example.test:${server.port}`),
    );
    try {
      expect((await failure(transport.getToken())).code).toBe('TLS_SERVER_NAME_MISMATCH');
      expect(proxy.connectTargets).toEqual([`sdo.example.test:${server.port}`]);
    } finally {
      transport.close();
      await proxy.close();
    }
  });

  it('reports a client certificate refused by the server (TLS_CLIENT_REFUSED)', async () => {
    const other = pki.bad.otherCa;
    const transport = createNodeTransport(
      config({ clientCertificate: { kind: 'p12', p12: readFileSync(other.p12Path), password: other.password } }),
    );
    try {
      const e = await failure(transport.getToken());
      expect(e.code).toBe('TLS_CLIENT_REFUSED');
    } finally {
      transport.close();
    }
  });
});

describe('HTTPS proxy', () => {
  it('tunnels token and business calls through CONNECT', async () => {
    const proxy = await startTestProxy();
    const transport = createNodeTransport(config({ proxyUrl: proxy.url, proxyMode: 'manual' }));
    try {
      const res = await transport.request({ method: 'GET', path: SEARCH, finessEg: '010000002' });
      expect(res.status).toBe(200);
      expect(proxy.connectTargets.length).toBeGreaterThanOrEqual(1);
      expect(proxy.connectTargets.every((t) => t === `localhost:${server.port}`)).toBe(true);
    } finally {
      transport.close();
      await proxy.close();
    }
  });

  it.each([407, 403])('maps a proxy answering %i to PROXY_REFUSED', async (status) => {
    const proxy = await startTestProxy({ refuseWith: status });
    const transport = createNodeTransport(config({ proxyUrl: proxy.url, proxyMode: 'manual' }));
    try {
      expect((await failure(transport.getToken())).code).toBe('PROXY_REFUSED');
    } finally {
      transport.close();
      await proxy.close();
    }
  });

  it('authenticates to the proxy with the credentials of its URL', async () => {
    const proxy = await startTestProxy({ requireBasicAuth: 'agent.test:mot de passe' });
    const port = new URL(proxy.url).port;
    const withoutCredentials = createNodeTransport(config({ proxyUrl: proxy.url, proxyMode: 'manual' }));
    const withCredentials = createNodeTransport(
      config({ proxyUrl: `http://agent.test:mot%20de%20passe@127.0.0.1:${port}`, proxyMode: 'manual' }),
    );
    try {
      expect((await failure(withoutCredentials.getToken())).code).toBe('PROXY_REFUSED');
      expect((await withCredentials.getToken()).finessEgs).toHaveLength(2);
    } finally {
      withoutCredentials.close();
      withCredentials.close();
      await proxy.close();
    }
  });

  it('uses HTTPS_PROXY in system mode and honours NO_PROXY', async () => {
    const proxy = await startTestProxy();
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTPS_PROXY = proxy.url;
    try {
      process.env.NO_PROXY = 'localhost';
      const direct = createNodeTransport(config({ proxyMode: 'system' }));
      await direct.getToken();
      direct.close();
      expect(proxy.connectTargets).toEqual([]);
      delete process.env.NO_PROXY;
      const proxied = createNodeTransport(config({ proxyMode: 'system' }));
      await proxied.getToken();
      proxied.close();
      expect(proxy.connectTargets).toEqual([`localhost:${server.port}`]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await proxy.close();
    }
  });

  it('reports an unreachable server as NET_UNREACHABLE', async () => {
    const transport = createNodeTransport(config({}, 'https://127.0.0.1:1'));
    try {
      expect((await failure(transport.getToken())).code).toBe('NET_UNREACHABLE');
    } finally {
      transport.close();
    }
  });
});

describe('token response', () => {
  it('accepts struct_idnat-style EG values and falls back on the JWT expiry', () => {
    const claims = Buffer.from(
      JSON.stringify({ finess_eg: ['1010000002', '010000003', 'x'], exp: 2_000_000_000 }),
    ).toString('base64url');
    const token = parseTokenResponse(
      Buffer.from(JSON.stringify({ access_token: `a.${claims}.b`, token_type: 'bearer' })),
      0,
    );
    expect(token.finessEgs).toEqual(['010000002', '010000003']);
    expect(token.expiresAt).toBe(2_000_000_000_000);
    expect(() => parseTokenResponse(Buffer.from('{}'), 0)).toThrow(
      expect.objectContaining({ code: 'MALFORMED_RESPONSE' }),
    );
  });
});
