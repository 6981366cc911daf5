/** Authenticated connection to ViaTrajectoire or the sandbox (owned by electron/services/transport). */
export type TransportErrorCode =
  | 'NET_UNREACHABLE'
  | 'NET_TIMEOUT'
  | 'NET_RESET'
  | 'TLS_SERVER_UNTRUSTED'
  | 'TLS_SERVER_NAME_MISMATCH'
  | 'TLS_CLIENT_REFUSED'
  | 'TLS_NO_CLIENT_CERT'
  | 'TOKEN_REFUSED'
  | 'TOKEN_EXPIRED'
  | 'EG_NOT_ACTIVATED'
  | 'PROXY_REFUSED'
  | 'HTTP_CLIENT_ERROR'
  | 'HTTP_SERVER_ERROR'
  | 'HTTP_RATE_LIMITED'
  | 'MALFORMED_RESPONSE'
  /** Larger than the caller's limit for this request (SdoRequest.maxBodyBytes): refused before it is parsed. */
  | 'RESPONSE_TOO_LARGE'
  | 'CLIENT_CREDENTIALS_MISSING';
