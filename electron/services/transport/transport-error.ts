import { AppError } from '@shared/errors/app-error';
import type { TransportErrorCode } from '@shared/errors/transport-errors';

/**
 * An AppError with what the outbox needs to decide on a retry: the HTTP status when there was an answer and the
 * server's Retry-After. The transport itself never retries (except one token renewal on 401).
 */
export class TransportError extends AppError {
  readonly httpStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(
    code: TransportErrorCode,
    message: string,
    detail?: string,
    extra: { httpStatus?: number; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, detail);
    this.name = 'TransportError';
    this.httpStatus = extra.httpStatus;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

const SERVER_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
]);

const CLIENT_REFUSED = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
]);

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Maps a socket/TLS failure to a transport code. `freshConnection`: no response was ever received on the socket;
 * a reset then means the server dropped us during or right after the handshake, which is how a server refuses a
 * client certificate in TLS 1.3 (the client has already finished its side of the handshake).
 */
export function mapNetworkError(error: unknown, freshConnection: boolean): AppError {
  if (error instanceof AppError) return error;
  const err = error as NodeJS.ErrnoException & { reason?: string; address?: string };
  const code = err.code ?? '';
  const detail = [code, err.reason ?? err.message].filter(Boolean).join(' ');
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return serverNameMismatch(detail);
  if (SERVER_UNTRUSTED.has(code)) return serverUntrusted(detail);
  if (CLIENT_REFUSED.has(code)) return clientRefused(detail);
  if (UNREACHABLE.has(code)) return isLoopback(err.address) ? localServerDown(detail) : unreachable(detail);
  if (code === 'ETIMEDOUT') return timedOut(detail);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(err.message ?? '')) {
    return freshConnection ? clientRefused(detail) : connectionReset(detail);
  }
  return connectionFailed(detail);
}

// One message per failure, whichever TLS stack saw it (Node's here, Chromium's in chromium-net-errors.ts).
export const serverNameMismatch = (detail: string) =>
  new TransportError(
    'TLS_SERVER_NAME_MISMATCH',
    'Le certificat du serveur ne correspond pas à son adresse : vérifiez l’URL configurée (risque d’usurpation).',
    detail,
  );
export const serverUntrusted = (detail: string) =>
  new TransportError(
    'TLS_SERVER_UNTRUSTED',
    'Le serveur n’est pas reconnu comme sûr : son certificat n’est pas émis par une autorité de confiance de cet environnement.',
    detail,
  );
export const unreachable = (detail: string) =>
  new TransportError(
    'NET_UNREACHABLE',
    'Le serveur est injoignable : vérifiez la connexion à Internet, l’adresse configurée et le proxy.',
    detail,
  );
/** Nothing listens on this computer at that address: the Internet has nothing to do with it. */
export const localServerDown = (detail: string) =>
  new TransportError(
    'NET_UNREACHABLE',
    'Le serveur local ne répond pas : le bac à sable local n’est pas démarré. Il démarre avec Référent VT, avec ' +
      '« npx referent-vt check-connection » ou « npx referent-vt sync --once ».',
    detail,
  );

function isLoopback(address: unknown): boolean {
  return typeof address === 'string' && (address === '::1' || address.startsWith('127.'));
}

export const connectionFailed = (detail: string) =>
  new TransportError('NET_UNREACHABLE', 'La connexion au serveur a échoué.', detail);
export const timedOut = (detail: string) =>
  new TransportError('NET_TIMEOUT', 'Le serveur n’a pas répondu à temps.', detail);
export const connectionReset = (detail: string) =>
  new TransportError('NET_RESET', 'La connexion a été coupée pendant l’échange. Réessayez.', detail);

export function clientRefused(detail: string): TransportError {
  return new TransportError(
    'TLS_CLIENT_REFUSED',
    'Le serveur a refusé le certificat de l’établissement : vérifiez que c’est le bon certificat IGC-Santé et qu’il est ' +
      'bien déclaré auprès de ViaTrajectoire.',
    detail,
  );
}

/** A body over the caller's limit, refused before it is parsed (or, by a sender that can, before it is all read). */
export function responseTooLarge(size: number, limit: number): TransportError {
  return new TransportError(
    'RESPONSE_TOO_LARGE',
    'La réponse du serveur dépasse la taille admise.',
    `${size} octets, limite ${limit} octets`,
  );
}
