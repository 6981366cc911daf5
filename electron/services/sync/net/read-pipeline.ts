/**
 * Bounded reads feeding in-order writes: the items of a list are read with at most `permits` reads in flight (a
 * limiter that may be shared by several lists, so a page read ahead does not add to the page being written), and no
 * read starts more than `window` items ahead of what the writer has taken. The items held in memory (read, checked,
 * not yet written) are thus bounded by the window, whatever the size of the list (a search page of 500, or
 * thousands of items due for a re-read), where reading a whole list before writing it held all of it at once.
 */

/** At most `size` holders at a time, served in arrival order. */
export class Limiter {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

interface Slot<O> {
  readonly promise: Promise<O>;
  resolve(value: O): void;
  reject(error: unknown): void;
}

function slot<O>(): Slot<O> {
  let resolve!: (value: O) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<O>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Observed by the writer when it takes it; a read failing after the writer stopped is not an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface ReadPipeline<O> {
  /** The next `count` results in input order (fewer at the end; none once all are taken). */
  take(count: number): Promise<O[]>;
  /** The writer gives up (an error, a cancellation): reads not yet started are not started. */
  stop(): void;
}

/** Starts reading `items` at once; `take` hands the results over in order, freeing room for further reads. */
export function readPipeline<I, O>(
  items: readonly I[],
  options: { readonly limiter: Limiter; readonly window: number; readonly lanes: number },
  read: (item: I) => Promise<O>,
): ReadPipeline<O> {
  const slots: (Slot<O> | undefined)[] = items.map(() => slot<O>());
  let next = 0;
  let taken = 0;
  let stopped = false;
  let roomWaiters: (() => void)[] = [];
  const wakeLanes = () => {
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const wake of waiters) wake();
  };
  const window = Math.max(1, options.window);
  const lane = async () => {
    for (;;) {
      while (!stopped && next < items.length && next >= taken + window) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
      }
      if (stopped || next >= items.length) return;
      const index = next++;
      const target = slots[index];
      try {
        const value = await options.limiter.run(() =>
          stopped ? Promise.reject(stoppedError()) : read(items[index] as I),
        );
        target?.resolve(value);
      } catch (error) {
        target?.reject(error);
      }
    }
  };
  const laneCount = Math.min(Math.max(1, options.lanes), items.length);
  for (let i = 0; i < laneCount; i++) void lane();
  return {
    async take(count) {
      const end = Math.min(items.length, taken + count);
      const values: O[] = [];
      for (let i = taken; i < end; i++) {
        const s = slots[i];
        if (!s) continue;
        values.push(await s.promise);
        // Held by the writer from now on; the pipeline keeps nothing of it.
        slots[i] = undefined;
      }
      taken = end;
      wakeLanes();
      return values;
    },
    stop() {
      stopped = true;
      wakeLanes();
    },
  };
}

function stoppedError(): Error {
  return Object.assign(new Error('lecture abandonnée'), { cancelled: true });
}
