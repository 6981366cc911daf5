/**
 * HTTPS through Chromium's net stack, for a smart-card certificate under Electron: the OS middleware (CPS) holds the
 * key and asks its PIN, and the `select-client-certificate` handler (index.ts) presents the store's certificate to
 * the environment's endpoints only. A session of its own (in memory, no cache, none of the window's request
 * filters), the server verified against the environment's CAs, the environment's proxy setting. Thin layer: the
 * protocol is sdo-transport.ts (relayed from the sync worker by port-http-sender.ts), the errors are
 * mapChromiumNetError's. Typechecked and bundled here; it runs only inside Electron.
 */
import { net, session as electronSession, type Certificate } from 'electron';
import { AppError } from '@shared/errors/app-error';
import { MAX_BODY_BYTES } from '../services/http/bounded-body';
import { mapChromiumNetError } from '../services/transport/chromium-net-errors';
import type { HttpSender, RawResponse } from '../services/transport/sdo-transport';
import type { NetworkSettings } from '../services/transport/transport';
import { verifyServerChain } from '../services/transport/server-chain-check';
import { timedOut, TransportError } from '../services/transport/transport-error';

const PARTITION = 'referent-vt-sdo';
/** Chromium's verify results: 0 accepts, -2 (net::ERR_FAILED) refuses. */
const ACCEPT = 0;
const REFUSE = -2;

/** The chain Chromium built, leaf first, as PEM. */
function chainOf(certificate: Certificate): string[] {
  const chain: string[] = [];
  for (let c: Certificate | undefined = certificate; c && chain.length < 10; c = c.issuerCert) {
    chain.push(c.data);
    if (c.issuerCert === c) break;
  }
  return chain;
}

export function createChromiumHttpSender(network: NetworkSettings): HttpSender {
  const sdoSession = electronSession.fromPartition(PARTITION, { cache: false });
  sdoSession.setCertificateVerifyProc((request, callback) => {
    const verdict = verifyServerChain({
      hostname: request.hostname,
      chainPem: chainOf(request.certificate),
      trustAnchorsPem: network.trustAnchorsPem,
      now: new Date(),
    });
    callback(verdict.ok ? ACCEPT : REFUSE);
  });
  const proxy = network.proxyMode === 'manual' && network.proxyUrl ? new URL(network.proxyUrl) : undefined;
  const proxyReady = sdoSession.setProxy(
    proxy
      ? { mode: 'fixed_servers', proxyRules: `${proxy.protocol}//${proxy.host}` }
      : { mode: network.proxyMode === 'none' ? 'direct' : 'system' },
  );
  let closed = false;

  return {
    async send(url, method, headers, body, timeoutMs) {
      if (closed) throw new AppError('INTERNAL', 'La connexion a été fermée.');
      await proxyReady;
      return new Promise<RawResponse>((resolve, reject) => {
        // No `credentials: 'omit'`: in Chromium it would also withhold the client certificate.
        const request = net.request({
          url: url.href,
          method,
          session: sdoSession,
          redirect: 'error',
          cache: 'no-store',
        });
        for (const [name, value] of Object.entries(headers)) request.setHeader(name, value);
        const fail = (error: AppError) => {
          clearTimeout(timer);
          request.abort();
          reject(error);
        };
        const timer = setTimeout(() => fail(timedOut(`${timeoutMs} ms`)), timeoutMs);
        request.on('login', (authInfo, callback) => {
          // Only the proxy's own credentials, from the environment's setting; a server asking for a password is refused.
          if (authInfo.isProxy && proxy?.username) {
            callback(decodeURIComponent(proxy.username), decodeURIComponent(proxy.password));
          } else {
            callback();
          }
        });
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              fail(
                new TransportError(
                  'MALFORMED_RESPONSE',
                  'La réponse du serveur est trop volumineuse.',
                  `${size} octets`,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            clearTimeout(timer);
            const responseHeaders = Object.fromEntries(
              Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), value]),
            );
            resolve({ status: response.statusCode, headers: responseHeaders, body: Buffer.concat(chunks) });
          });
          response.on('error', (error: Error) => fail(mapChromiumNetError(error.message)));
        });
        request.on('error', (error) => fail(mapChromiumNetError(error.message)));
        request.end(body);
      });
    },
    close() {
      closed = true;
      void sdoSession.closeAllConnections();
    },
  };
}
