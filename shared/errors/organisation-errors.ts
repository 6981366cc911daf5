/** Organisation mode: the organisation's PostgreSQL store, its settings and the desk migration. */
export type OrganisationErrorCode =
  | 'ORG_SETTINGS_INVALID'
  | 'ORG_PASSWORD_MISSING'
  | 'ORG_CONNECTION_FAILED'
  | 'ORG_MIGRATION_FAILED'
  | 'ORG_ADMIN_UNAVAILABLE'
  /** Degraded start: the organisation's server could not be opened; what would reach ViaTrajectoire is refused. */
  | 'ORG_UNAVAILABLE';
