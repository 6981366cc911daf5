import { request as httpRequest, type ClientRequestArgs } from 'node:http';
import { Agent, type AgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import { TransportError } from './transport-error';

interface SocketState {
  /** Responses fully received on this socket (0 = fresh connection). */
  responses: number;
}

const socketStates = new WeakMap<object, SocketState>();

/** Bookkeeping used to tell "refused during the handshake" from "keep-alive connection dropped". */
export function socketState(socket: object): SocketState {
  let state = socketStates.get(socket);
  if (!state) {
    state = { responses: 0 };
    socketStates.set(socket, state);
  }
  return state;
}

export interface MtlsAgentOptions {
  secureContext: SecureContext;
  maxSockets: number;
  proxyFor: (host: string, port: number) => URL | undefined;
  /** Bound on the proxy's CONNECT answer (the request timer covers the rest). */
  connectTimeoutMs: number;
}

/**
 * One keep-alive https.Agent per transport: a single SecureContext (client key loaded once: file or card), TLS
 * session resumption, LIFO scheduling so hot connections are reused, and HTTPS proxying through CONNECT tunnels.
 */
export class MtlsAgent extends Agent {
  private readonly proxyFor: MtlsAgentOptions['proxyFor'];
  private readonly connectTimeoutMs: number;

  constructor(options: MtlsAgentOptions) {
    const agentOptions: AgentOptions = {
      keepAlive: true,
      keepAliveMsecs: 15_000,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      scheduling: 'lifo',
      // Idle sockets are closed before common server keep-alive limits (5 s for Node, 60-75 s for nginx); Node also
      // honours a Keep-Alive: timeout= hint from the server.
      timeout: 4_000,
      secureContext: options.secureContext,
      rejectUnauthorized: true,
    };
    super(agentOptions);
    this.proxyFor = options.proxyFor;
    this.connectTimeoutMs = options.connectTimeoutMs;
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = String(options.host ?? 'localhost');
    const port = Number(options.port ?? 443);
    const proxy = this.proxyFor(host, port);
    // https.Agent's own createConnection keeps the TLS session cache; over a tunnel it wraps the tunnel socket.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with this agent as `this` just below
    const base = Agent.prototype.createConnection as unknown as (this: Agent, o: object) => TLSSocket;
    if (!proxy) return base.call(this, options);
    if (!callback) throw new Error('createConnection without callback');
    this.openTunnel(proxy, host, port)
      .then((tunnel) => callback(null, base.call(this, { ...options, socket: tunnel })))
      .catch((e: unknown) => callback(e as Error, undefined as unknown as Duplex));
    return undefined;
  }

  private openTunnel(proxy: URL, host: string, port: number): Promise<Socket> {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { host: authority };
    if (proxy.username) {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    return new Promise((resolve, reject) => {
      const connectOptions = {
        host: proxy.hostname.replace(/^\[|\]$/g, ''),
        port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
        method: 'CONNECT',
        path: authority,
        headers,
        agent: false as const,
      };
      // A TLS-speaking proxy (https://) is rare; it gets a TLS connection to itself, verified against the system CAs.
      const req =
        proxy.protocol === 'https:'
          ? httpRequest({
              ...connectOptions,
              createConnection: () =>
                tlsConnect({ host: connectOptions.host, port: connectOptions.port, servername: connectOptions.host }),
            })
          : httpRequest(connectOptions);
      const timer = setTimeout(
        () => req.destroy(Object.assign(new Error('proxy CONNECT timeout'), { code: 'ETIMEDOUT' })),
        this.connectTimeoutMs,
      );
      req.once('connect', (res, socket, head) => {
        clearTimeout(timer);
        if (res.statusCode !== 200) {
          socket.destroy();
          reject(proxyAnswerError(res.statusCode ?? 0));
          return;
        }
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.once('response', (res) => {
        // Some proxies answer CONNECT with a normal response (no upgrade): treat as a refusal.
        clearTimeout(timer);
        res.resume();
        reject(proxyAnswerError(res.statusCode ?? 0));
      });
      req.once('error', (e) => {
        clearTimeout(timer);
        const code = (e as NodeJS.ErrnoException).code ?? '';
        reject(
          code === 'ETIMEDOUT'
            ? new TransportError('NET_TIMEOUT', 'Le proxy n’a pas répondu à temps.', `proxy ${code}`)
            : new TransportError(
                'NET_UNREACHABLE',
                'Le proxy configuré est injoignable : vérifiez son adresse dans les réglages.',
                `proxy ${code || e.message}`,
              ),
        );
      });
      req.end();
    });
  }
}

function proxyAnswerError(status: number): TransportError {
  if (status === 407) {
    return new TransportError(
      'PROXY_REFUSED',
      'Le proxy demande une authentification : renseignez l’identifiant et le mot de passe du proxy dans les réglages.',
      'proxy 407',
      { httpStatus: status },
    );
  }
  if (status === 403 || status === 401) {
    return new TransportError(
      'PROXY_REFUSED',
      'Le proxy refuse l’accès à ViaTrajectoire : demandez à votre service informatique d’autoriser cette adresse.',
      `proxy ${status}`,
      { httpStatus: status },
    );
  }
  return new TransportError('NET_UNREACHABLE', 'Le proxy n’a pas pu joindre le serveur.', `proxy ${status}`, {
    httpStatus: status,
  });
}
