/** Embedded SI-SdO sandbox (owned by electron/services/sandbox). */
export type SandboxErrorCode =
  | 'SANDBOX_NOT_RUNNING'
  | 'SANDBOX_START_FAILED'
  /** An admin operation names a decision, EJ or EG the sandbox does not know. */
  | 'SANDBOX_NOT_FOUND'
  /** An admin operation was given invalid input (count, fault value, CDA). */
  | 'SANDBOX_INVALID_REQUEST'
  /** The admin API refused the call (missing or wrong admin token) or answered an unexpected error. */
  | 'SANDBOX_ADMIN_FAILED';
