/**
 * The network boundary of the sync engine (docs/decisions.md §3). The Node implementation is createNodeTransport;
 * under Electron a card certificate may go through Chromium's net stack behind the same interface.
 */
export interface SdoRequest {
  method: 'GET' | 'POST';
  /** Relative to the FHIR base, including the query (already encoded: a '+' of an instant must be '%2B'). */
  path: string;
  /** Sets `struct_idnat` = '1' + EG (every business call). */
  finessEg?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Largest body accepted for this request: a larger one is refused (RESPONSE_TOO_LARGE) before being parsed. */
  maxBodyBytes?: number;
}

export interface SdoResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty / non-JSON body. */
  body: unknown;
  /** The server's `Date` header: sync cursors come from server time (docs/decisions.md §9). */
  serverDate?: string;
}

export interface AccessToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** FINESS EG (9 characters) the token allows. */
  finessEgs: string[];
}

export interface Transport {
  request(req: SdoRequest): Promise<SdoResponse>;
  getToken(): Promise<AccessToken>;
  close(): void;
}

export type ClientCertificateMaterial =
  | { kind: 'p12'; p12: Buffer; password: string }
  /** `pkcs11Uri` carries the PIN (libp11 would otherwise prompt on a TTY): build it with buildPkcs11KeyUri. */
  | { kind: 'pkcs11'; certPem: string; pkcs11Uri: string };

export interface NodeTransportConfig {
  fhirBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clientCertificate: ClientCertificateMaterial;
  /** PEM CA certificates the server must chain to (the environment's trust anchors). */
  trustAnchorsPem: string[];
  /** http(s)://[user:password@]host:port. Absent: HTTPS_PROXY / NO_PROXY from the environment (proxyMode 'system'). */
  proxyUrl?: string;
  /** 'none' ignores HTTPS_PROXY. Default: 'manual' when proxyUrl is set, else 'system'. */
  proxyMode?: 'system' | 'manual' | 'none';
  /** Per request, from sending to the last byte. Default 30 s. */
  timeoutMs?: number;
  /** Parallel connections per host (keep-alive pool). Default 6. */
  maxSockets?: number;
  /** OAuth2 client authentication (RFC 6749 §2.3.1). Default 'client_secret_post'. */
  tokenAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  now?: () => number;
}

/** Where requests go and whom the server must chain to: an environment's network side, whatever the TLS stack. */
export type NetworkSettings = Pick<NodeTransportConfig, 'trustAnchorsPem' | 'proxyMode' | 'proxyUrl'>;
