/** Errors of the organisation's PostgreSQL store (organisation mode). Messages never carry the password. */
export type StoreErrorCode =
  | 'DB_SERVER_UNREACHABLE'
  | 'DB_AUTH_REFUSED'
  | 'DB_TLS_REFUSED'
  | 'DB_SCHEMA_MISSING'
  | 'DB_SERVER_TOO_OLD'
  | 'DB_PERMISSION_DENIED';
