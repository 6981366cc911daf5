import { request as httpsRequest } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import { AppError } from '@shared/errors/app-error';
import { MAX_BODY_BYTES } from '../http/bounded-body';
import { MtlsAgent, socketState } from './mtls-agent';
import { resolveProxy } from './proxy-config';
import {
  createSdoTransport,
  DEFAULT_TIMEOUT_MS,
  type HttpSender,
  type RawResponse,
  type TlsProbe,
} from './sdo-transport';
import type { NodeTransportConfig, Transport } from './transport';
import { mapSecureContextError } from '../certs/secure-context-error';
import { mapNetworkError, responseTooLarge, TransportError } from './transport-error';

export type { TlsProbe } from './sdo-transport';

const DEFAULT_MAX_SOCKETS = 6;
const USER_AGENT = 'ReferentVT/0.1 (Node)';

/**
 * The Node transport: the SDO protocol (sdo-transport.ts) over Node's https, mTLS with the legal entity's
 * certificate (file, or card via the libp11 engine), HTTPS proxy via CONNECT.
 */
export function createNodeTransport(config: NodeTransportConfig): Transport & { probeTls(): Promise<TlsProbe> } {
  return createSdoTransport(config, () => createNodeHttpSender(config));
}

/** Node's https through the mTLS keep-alive agent; TLS ≥ 1.2, the server verified against the environment's CAs. */
export function createNodeHttpSender(config: NodeTransportConfig): HttpSender {
  const secureContext = buildSecureContext(config);
  const proxySetting = {
    mode: config.proxyMode ?? (config.proxyUrl ? 'manual' : 'system'),
    ...(config.proxyUrl ? { url: config.proxyUrl } : {}),
  } as const;
  const agent = new MtlsAgent({
    secureContext,
    maxSockets: config.maxSockets ?? DEFAULT_MAX_SOCKETS,
    connectTimeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    proxyFor: (host, port) =>
      resolveProxy(new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}/`), proxySetting),
  });
  let closed = false;

  const send = (
    url: URL,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
    maxBodyBytes?: number,
  ): Promise<RawResponse> => {
    if (closed) return Promise.reject(new AppError('INTERNAL', 'La connexion a été fermée.'));
    return new Promise((resolve, reject) => {
      let fresh = true;
      let usedSocket: object | undefined;
      const req = httpsRequest(url, {
        method,
        agent,
        headers: {
          'user-agent': USER_AGENT,
          ...headers,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
      });
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error('request timeout'), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      req.on('socket', (socket) => {
        usedSocket = socket;
        fresh = socketState(socket).responses === 0;
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(mapNetworkError(e, fresh));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        // The caller's limit for this request: refused from Content-Length, else as soon as it is passed.
        const tooLarge = (bytes: number) => {
          req.destroy();
          clearTimeout(timer);
          reject(responseTooLarge(bytes, maxBodyBytes ?? 0));
        };
        const announced = Number(res.headers['content-length']);
        if (maxBodyBytes !== undefined && announced > maxBodyBytes) return tooLarge(announced);
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (maxBodyBytes !== undefined && size > maxBodyBytes) return tooLarge(size);
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            clearTimeout(timer);
            reject(
              new TransportError('MALFORMED_RESPONSE', 'La réponse du serveur est trop volumineuse.', `${size} octets`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          if (usedSocket) socketState(usedSocket).responses++;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(mapNetworkError(e, false));
        });
      });
      req.end(body);
    });
  };

  return {
    send,
    close() {
      closed = true;
      agent.destroy();
    },
  };
}

function buildSecureContext(config: NodeTransportConfig): SecureContext {
  const ca = config.trustAnchorsPem.filter((p) => p.trim() !== '');
  if (ca.length === 0) {
    throw new TransportError(
      'TLS_SERVER_UNTRUSTED',
      'Aucune autorité de certification n’est configurée pour vérifier le serveur de cet environnement.',
      'no trust anchor',
    );
  }
  const material = config.clientCertificate;
  try {
    if (material.kind === 'p12') {
      return createSecureContext({ pfx: material.p12, passphrase: material.password, ca, minVersion: 'TLSv1.2' });
    }
    // The engine is named 'pkcs11' (by path only the first context works; docs/decisions.md §3).
    return createSecureContext({
      cert: material.certPem,
      privateKeyEngine: 'pkcs11',
      privateKeyIdentifier: material.pkcs11Uri,
      ca,
      minVersion: 'TLSv1.2',
    });
  } catch (e) {
    throw mapSecureContextError(e);
  }
}
