/**
 * Chromium's net errors (net.request under Electron: "net::ERR_…") mapped to the transport's codes and French
 * messages, the same ones Node's failures get (transport-error.ts).
 */
import { AppError } from '@shared/errors/app-error';
import {
  clientRefused,
  connectionFailed,
  connectionReset,
  serverNameMismatch,
  serverUntrusted,
  timedOut,
  TransportError,
  unreachable,
} from './transport-error';

const UNREACHABLE =
  /ERR_(CONNECTION_REFUSED|NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|ADDRESS_UNREACHABLE|INTERNET_DISCONNECTED|NETWORK_CHANGED|ADDRESS_INVALID|CONNECTION_FAILED)\b/;
const RESET = /ERR_(CONNECTION_RESET|CONNECTION_CLOSED|CONNECTION_ABORTED|EMPTY_RESPONSE|SOCKET_NOT_CONNECTED)\b/;
const TIMEOUT = /ERR_(TIMED_OUT|CONNECTION_TIMED_OUT)\b/;
const PROXY =
  /ERR_(PROXY_CONNECTION_FAILED|TUNNEL_CONNECTION_FAILED|PROXY_AUTH_REQUESTED|PROXY_AUTH_UNSUPPORTED|PROXY_CERTIFICATE_INVALID|MANDATORY_PROXY_CONFIGURATION_FAILED)\b/;
const NAME_MISMATCH = /ERR_CERT_COMMON_NAME_INVALID\b/;
const SERVER_UNTRUSTED =
  /ERR_(CERT_[A-Z_]+|SSL_PROTOCOL_ERROR|SSL_VERSION_OR_CIPHER_MISMATCH|SSL_OBSOLETE_VERSION_OR_CIPHER)\b/;
const CLIENT_REFUSED =
  /ERR_(BAD_SSL_CLIENT_AUTH_CERT|SSL_CLIENT_AUTH_CERT_NEEDED|SSL_CLIENT_AUTH_SIGNATURE_FAILED|SSL_CLIENT_AUTH_CERT_BAD_FORMAT|SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS)\b/;
const CARD_UNUSABLE = /ERR_(SSL_CLIENT_AUTH_PRIVATE_KEY_ACCESS_DENIED|SSL_CLIENT_AUTH_CERT_NO_PRIVATE_KEY)\b/;

export function mapChromiumNetError(message: string): AppError {
  const detail = message.slice(0, 200);
  if (TIMEOUT.test(message)) return timedOut(detail);
  if (PROXY.test(message)) {
    return new TransportError(
      'PROXY_REFUSED',
      'Le proxy a refusé la connexion vers ViaTrajectoire : vérifiez le réglage du proxy.',
      detail,
    );
  }
  if (CARD_UNUSABLE.test(message)) {
    return new AppError(
      'PKCS11_MODULE_ERROR',
      'La clé de la carte ne peut pas être utilisée pour la connexion : vérifiez la carte, son lecteur et le code PIN.',
      detail,
    );
  }
  if (CLIENT_REFUSED.test(message)) return clientRefused(detail);
  if (NAME_MISMATCH.test(message)) return serverNameMismatch(detail);
  if (SERVER_UNTRUSTED.test(message)) return serverUntrusted(detail);
  if (RESET.test(message)) return connectionReset(detail);
  if (UNREACHABLE.test(message)) return unreachable(detail);
  return connectionFailed(detail);
}
