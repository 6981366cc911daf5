import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../transport/transport-error';
import { sleep, withRetry } from './retry-policy';

describe('sleep', () => {
  it('leaves no listener on the run’s signal once the wait is over', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends at once when the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await waiting;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('withRetry’s waits between attempts leave no listener behind', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const result = await withRetry(
      () => {
        attempts++;
        if (attempts < 4) return Promise.reject(new TransportError('NET_TIMEOUT', 'Délai dépassé.'));
        return Promise.resolve('ok');
      },
      { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 2 },
      controller.signal,
    );
    expect(result).toBe('ok');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
