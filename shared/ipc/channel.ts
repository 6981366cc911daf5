import type { z } from 'zod';

/** A channel: its request schema (validated in main) and its response type (plain, JSON-compatible data). */
export interface Channel<Req extends z.ZodType, Res> {
  readonly request: Req;
  /** Phantom: carries the response type only. */
  readonly response?: Res;
}

export function channel<Res>() {
  return <Req extends z.ZodType>(request: Req): Channel<Req, Res> => ({ request });
}
