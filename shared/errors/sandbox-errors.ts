/** Embedded SI-SdO sandbox (owned by electron/services/sandbox). */
export type SandboxErrorCode = 'SANDBOX_NOT_RUNNING' | 'SANDBOX_START_FAILED';
