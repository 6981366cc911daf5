/**
 * The SDO protocol over an HTTPS sender: OAuth2 client credentials (token cached, shared by concurrent requests,
 * renewed once on a 401), `struct_idnat` on business calls checked against the token's EGs, one error code per
 * failure. The sender only carries bytes: Node's https with the mTLS agent (node-transport.ts), or, under Electron
 * with a smart card, Chromium's net stack in the main process reached from the sync worker through a message port
 * (port-http-sender.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '@shared/errors/app-error';
import { parseTokenResponse } from './token-response';
import type {
  AccessToken,
  NetworkSettings,
  NodeTransportConfig,
  SdoRequest,
  SdoResponse,
  Transport,
} from './transport';
import { clientRefused, responseTooLarge, TransportError } from './transport-error';

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Renew the token this long before it expires, so a request never leaves with a token about to die. */
const TOKEN_RENEWAL_MARGIN_MS = 60_000;
const FINESS_PATTERN = /^[0-9][0-9AB][0-9]{7}$/;

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTPS exchange, client certificate and server verification included; failures are TransportErrors. */
export interface HttpSender {
  send(
    url: URL,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
    /** Stop reading past this many bytes (RESPONSE_TOO_LARGE); a sender that cannot may read on and let the caller check. */
    maxBodyBytes?: number,
  ): Promise<RawResponse>;
  close(): void;
}

/** Opens a sender for an environment's network settings (Chromium's net under Electron, for a smart card). */
export type HttpSenderFactory = (network: NetworkSettings) => HttpSender;

export type SdoEndpointConfig = Pick<
  NodeTransportConfig,
  'fhirBaseUrl' | 'tokenUrl' | 'clientId' | 'clientSecret' | 'timeoutMs' | 'tokenAuthMethod' | 'now'
>;

export interface TlsProbe {
  /** Any HTTP status proves TLS and the client certificate were accepted. */
  httpStatus: number;
}

/** The endpoints and credentials are checked before the sender is opened (a bad URL is told before a bad card). */
export function createSdoTransport(
  config: SdoEndpointConfig,
  openSender: () => HttpSender,
): Transport & { probeTls(): Promise<TlsProbe> } {
  const now = config.now ?? Date.now;
  const fhirBase = parseHttpsUrl(config.fhirBaseUrl, 'de l’API FHIR');
  const tokenUrl = parseHttpsUrl(config.tokenUrl, 'du jeton');
  if (!config.clientId || !config.clientSecret) {
    throw new AppError(
      'CLIENT_CREDENTIALS_MISSING',
      'L’identifiant client et le secret client ViaTrajectoire ne sont pas renseignés pour cet environnement.',
    );
  }
  const sender = openSender();
  const send = sender.send.bind(sender);
  let cachedToken: AccessToken | undefined;
  let cachedTokenIssuedAt = 0;
  let pendingToken: Promise<AccessToken> | undefined;

  const fetchToken = async (): Promise<AccessToken> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (config.tokenAuthMethod === 'client_secret_basic') {
      const user = encodeURIComponent(config.clientId);
      const pass = encodeURIComponent(config.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    } else {
      form.set('client_id', config.clientId);
      form.set('client_secret', config.clientSecret);
    }
    const res = await send(
      tokenUrl,
      'POST',
      headers,
      Buffer.from(form.toString()),
      config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      const oauthError = safeJson(res.body) as { error?: unknown; error_description?: unknown } | undefined;
      throw new TransportError(
        'TOKEN_REFUSED',
        'ViaTrajectoire a refusé de délivrer un jeton d’accès : vérifiez l’identifiant et le secret client, ' +
          'et que l’établissement est bien activé pour ce logiciel.',
        [`HTTP ${res.status}`, oauthError?.error, oauthError?.error_description]
          .filter((x) => typeof x === 'string' || typeof x === 'number')
          .join(' '),
        { httpStatus: res.status },
      );
    }
    if (res.status !== 200) throw statusError(res, undefined);
    return parseTokenResponse(res.body, now());
  };

  const getToken = (): Promise<AccessToken> => {
    if (cachedToken && now() < cachedToken.expiresAt - renewalMargin(cachedToken.expiresAt - cachedTokenIssuedAt)) {
      return Promise.resolve(cachedToken);
    }
    // Concurrent requests share one token request.
    const requestedAt = now();
    pendingToken ??= fetchToken()
      .then((token) => {
        cachedToken = token;
        cachedTokenIssuedAt = requestedAt;
        return token;
      })
      .finally(() => {
        pendingToken = undefined;
      });
    return pendingToken;
  };

  const businessCall = async (req: SdoRequest, token: AccessToken): Promise<RawResponse> => {
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      authorization: `Bearer ${token.accessToken}`,
    };
    if (req.finessEg !== undefined) {
      if (!token.finessEgs.includes(req.finessEg)) throw egNotActivated(req.finessEg, 'absent du jeton');
      headers.struct_idnat = `1${req.finessEg}`;
    }
    let body: Buffer | undefined;
    if (req.body !== undefined) {
      body = Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      headers['content-type'] = 'application/fhir+json; charset=utf-8';
    }
    Object.assign(headers, lowerCaseKeys(req.headers ?? {}));
    return send(
      resolveAgainstBase(fhirBase, req.path),
      req.method,
      headers,
      body,
      req.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      req.maxBodyBytes,
    );
  };

  return {
    getToken,

    async request(req: SdoRequest): Promise<SdoResponse> {
      if (req.finessEg !== undefined && !FINESS_PATTERN.test(req.finessEg)) {
        throw new AppError('INVALID_INPUT', 'Numéro FINESS d’établissement invalide.', 'finessEg');
      }
      let token = await getToken();
      let res = await businessCall(req, token);
      if (res.status === 401) {
        // The token may have been revoked or expired early: renew once, then give up.
        if (cachedToken === token) cachedToken = undefined;
        token = await getToken();
        res = await businessCall(req, token);
        if (res.status === 401) {
          throw new TransportError(
            'TOKEN_EXPIRED',
            'ViaTrajectoire refuse le jeton d’accès même renouvelé. Réessayez plus tard ou contactez le support.',
            diagnosticsOf(res),
            { httpStatus: 401 },
          );
        }
      }
      if (res.status >= 400) throw statusError(res, req.finessEg);
      if (req.maxBodyBytes !== undefined && res.body.length > req.maxBodyBytes) {
        throw responseTooLarge(res.body.length, req.maxBodyBytes);
      }
      const date = res.headers.date;
      return {
        status: res.status,
        headers: res.headers,
        body: parseBody(res),
        ...(date ? { serverDate: date } : {}),
      };
    },

    /** Connects (TLS handshake with the client certificate) and sends an unauthenticated GET [base]/metadata. */
    async probeTls(): Promise<TlsProbe> {
      const res = await send(
        resolveAgainstBase(fhirBase, 'metadata'),
        'GET',
        { accept: 'application/fhir+json' },
        undefined,
        config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      );
      if (res.status === 400 && /ssl certificate|ssl_certificate|no required ssl/i.test(res.body.toString('latin1'))) {
        // nginx's way of refusing a client certificate: an HTML 400 page after the handshake.
        throw clientRefused(`HTTP 400 ${res.body.toString('latin1').slice(0, 120)}`);
      }
      return { httpStatus: res.status };
    },

    close() {
      cachedToken = undefined;
      sender.close();
    },
  };
}

function parseHttpsUrl(value: string, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:') {
    throw new AppError(
      'INVALID_INPUT',
      `L’adresse ${what} n’est pas configurée ou n’est pas une URL https.`,
      value ? 'url' : 'empty',
    );
  }
  return url;
}

/** Joins without re-encoding the query (a '%2B' must stay a '%2B'). */
function resolveAgainstBase(base: URL, path: string): URL {
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return new URL(`${base.origin}${basePath}${path.replace(/^\/+/, '')}`);
}

function renewalMargin(lifetimeMs: number): number {
  // Short-lived tokens (a couple of minutes) are still used for the first half of their life.
  return Math.min(TOKEN_RENEWAL_MARGIN_MS, Math.max(0, lifetimeMs / 2));
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseBody(res: RawResponse): unknown {
  if (res.body.length === 0) return undefined;
  const type = String(res.headers['content-type'] ?? '');
  if (!/json/i.test(type)) return undefined;
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new TransportError(
      'MALFORMED_RESPONSE',
      'La réponse du serveur est illisible (JSON invalide).',
      `HTTP ${res.status}`,
      {
        httpStatus: res.status,
      },
    );
  }
}

/** OperationOutcome diagnostics (server wording, technical: no personal data expected), shortened. */
function diagnosticsOf(res: RawResponse): string {
  const body = safeJson(res.body) as
    | { resourceType?: string; issue?: { diagnostics?: string; code?: string; details?: { text?: string } }[] }
    | undefined;
  const parts =
    body?.resourceType === 'OperationOutcome'
      ? (body.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? i.code).filter((x): x is string => !!x)
      : [];
  const text = [`HTTP ${res.status}`, ...parts].join(' – ');
  return text.length > 500 ? `${text.slice(0, 497)}…` : text;
}

function egNotActivated(finessEg: string, why: string): TransportError {
  return new TransportError(
    'EG_NOT_ACTIVATED',
    `L’établissement ${finessEg} n’est pas activé pour ce logiciel dans ViaTrajectoire : le référent ViaTrajectoire ` +
      'de la structure doit l’activer.',
    why,
    { httpStatus: 403 },
  );
}

function statusError(res: RawResponse, finessEg: string | undefined): TransportError {
  const detail = diagnosticsOf(res);
  const status = res.status;
  if (status === 429) {
    const retryAfter = parseRetryAfter(res.headers['retry-after']);
    return new TransportError(
      'HTTP_RATE_LIMITED',
      'ViaTrajectoire limite le nombre de requêtes : la synchronisation reprendra un peu plus tard.',
      `Retry-After: ${res.headers['retry-after'] ?? 'absent'}`,
      { httpStatus: status, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) },
    );
  }
  if (status >= 500) {
    const retryAfter = parseRetryAfter(res.headers['retry-after']);
    return new TransportError(
      'HTTP_SERVER_ERROR',
      'ViaTrajectoire rencontre une erreur ou est indisponible. Réessayez plus tard.',
      detail,
      {
        httpStatus: status,
        ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
      },
    );
  }
  if (status === 403 && finessEg !== undefined) {
    const e = egNotActivated(finessEg, detail);
    return e;
  }
  return new TransportError('HTTP_CLIENT_ERROR', 'ViaTrajectoire a refusé la requête.', detail, { httpStatus: status });
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
