import type { AppErrorData } from '../errors/app-error';

/** What every IPC call returns: handlers never throw across the boundary (docs/architecture.md §2). */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppErrorData };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: AppErrorData): Result<T> {
  return { ok: false, error };
}
