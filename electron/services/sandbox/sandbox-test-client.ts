/**
 * Minimal mTLS client for the sandbox's own tests (node:https with the client .p12). The product's transport
 * lives elsewhere; this only exists so the tests drive the sandbox over real TLS.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { PkiFile } from '../pki/test-pki';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

export interface TestRequest {
  method?: string;
  url: string;
  cert?: PkiFile;
  caPem: string;
  headers?: Record<string, string>;
  body?: string;
}

export function mtlsRequest(request: TestRequest): Promise<TestResponse> {
  const url = new URL(request.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        method: request.method ?? 'GET',
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        servername: 'localhost',
        ca: [request.caPem],
        agent: false,
        headers: { Accept: 'application/fhir+json', ...request.headers },
        ...(request.cert ? { pfx: readFileSync(request.cert.p12Path), passphrase: request.cert.password } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

export async function fetchToken(options: {
  tokenUrl: string;
  cert: PkiFile;
  caPem: string;
  clientId: string;
  clientSecret: string;
}): Promise<TestResponse> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: options.clientId,
    client_secret: options.clientSecret,
  }).toString();
  return mtlsRequest({
    method: 'POST',
    url: options.tokenUrl,
    cert: options.cert,
    caPem: options.caPem,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
}
