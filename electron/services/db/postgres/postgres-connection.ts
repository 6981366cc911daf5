/** How to reach the organisation's PostgreSQL server (Paramètres, organisation mode). */
export interface PostgresConnectionOptions {
  /** Host name or IP; a path starting with "/" is a Unix socket directory (tests). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Kept like the other secrets (safeStorage / secret store); never logged. */
  readonly password?: string;
  /** TLS: 'verify-full' against the organisation's CA (required over the network); 'disable' only on a Unix socket. */
  readonly tls: { readonly mode: 'verify-full'; readonly caPem: string } | { readonly mode: 'disable' };
  /** Schema holding Référent VT's tables (default "referent_vt"). */
  readonly schema?: string;
}
