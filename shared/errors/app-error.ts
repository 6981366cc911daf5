/**
 * Error currency across layers: a stable code (closed union per area) and a French message for the user.
 * Handlers never throw across IPC: they return Result (see shared/ipc/result.ts).
 */
import type { CertificateErrorCode } from './certificate-errors';
import type { FoundationErrorCode } from './foundation-errors';
import type { OrganisationErrorCode } from './organisation-errors';
import type { SandboxErrorCode } from './sandbox-errors';
import type { StoreErrorCode } from './store-errors';
import type { SyncErrorCode } from './sync-errors';
import type { TransportErrorCode } from './transport-errors';

export type ErrorCode =
  | FoundationErrorCode
  | CertificateErrorCode
  | TransportErrorCode
  | SyncErrorCode
  | SandboxErrorCode
  | OrganisationErrorCode
  | StoreErrorCode;

export interface AppErrorData {
  readonly code: ErrorCode;
  /** French, for the referent; never contains personal data or secrets. */
  readonly message: string;
  /** Optional technical detail (an OperationOutcome diagnostic, an HTTP status); no personal data. */
  readonly detail?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.detail = detail;
  }
  toData(): AppErrorData {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
