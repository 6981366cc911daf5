/**
 * Retries of the sync engine (docs/architecture.md §4): only network errors, 5xx and 429 (honouring Retry-After),
 * with a capped exponential backoff. Other refusals (4xx) are final. The transport itself never retries.
 */
import { isAppError } from '@shared/errors/app-error';

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest Retry-After honoured inline; beyond it the item waits for the next run. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/** Transport codes worth another try: the request may not have reached the server, or the server was busy. */
const RETRYABLE = new Set([
  'NET_UNREACHABLE',
  'NET_TIMEOUT',
  'NET_RESET',
  'HTTP_SERVER_ERROR',
  'HTTP_RATE_LIMITED',
  'MALFORMED_RESPONSE',
  // A reset before any answer on a fresh socket is reported as a refused certificate; a real refusal fails again.
  'TLS_CLIENT_REFUSED',
]);

export function isRetryable(error: unknown): boolean {
  return isAppError(error) && RETRYABLE.has(error.code);
}

/** Delay before attempt `attempt + 1` (attempt counts from 1). */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy): number {
  const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (typeof retryAfter === 'number' && retryAfter >= 0) return Math.min(retryAfter * 1000, policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter keeps parallel readers from hammering the server in step.
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The run's signal outlives each wait: its listener goes with the wait (a run may retry thousands of times).
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.maxAttempts || signal?.aborted) throw error;
      await sleep(retryDelayMs(error, attempt, policy), signal);
    }
  }
}

/** Runs `worker` over `items` with at most `concurrency` in flight, keeping results in input order. */
export async function mapBounded<I, O>(
  items: readonly I[],
  concurrency: number,
  worker: (item: I) => Promise<O>,
): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as I);
    }
  });
  await Promise.all(lanes);
  return results;
}
