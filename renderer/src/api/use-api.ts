import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import type { AppErrorData } from '@shared/errors/app-error';
import type { ChannelName, RequestOf, ResponseOf } from '@shared/ipc/contract';
import { api } from './api-client';

/** An error from main, with its stable code and French message. */
export class ApiError extends Error {
  constructor(readonly data: AppErrorData) {
    super(data.message);
  }
}

export async function call<C extends ChannelName>(
  channel: C,
  request: RequestOf<C>,
  signal?: AbortSignal,
): Promise<ResponseOf<C>> {
  const result = await api.invoke(channel, request, signal);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}

/** Query keys derive from the channel name and its arguments (docs/architecture.md §2). */
export function apiQueryKey<C extends ChannelName>(channel: C, request: RequestOf<C>): readonly [C, RequestOf<C>] {
  return [channel, request];
}

/** A read of `channel`, under its `apiQueryKey` (the prefetches and the warm work list use the same key). */
export function useApiQuery<C extends ChannelName>(
  channel: C,
  request: RequestOf<C>,
  options?: Omit<UseQueryOptions<ResponseOf<C>, ApiError>, 'queryKey' | 'queryFn'>,
) {
  return useQuery<ResponseOf<C>, ApiError>({
    queryKey: apiQueryKey(channel, request),
    // The signal lets React Query abort a read whose screen was left (api-client.ts: the browser's connections).
    queryFn: ({ signal }) => call(channel, request, signal),
    ...options,
  });
}

/** Mutations call the API; invalidation follows main's data:changed events, plus the caller's own scopes. */
export function useApiMutation<C extends ChannelName>(channel: C, invalidate: readonly string[] = []) {
  const queryClient = useQueryClient();
  return useMutation<ResponseOf<C>, ApiError, RequestOf<C>>({
    mutationFn: (request) => call(channel, request),
    onSuccess: () => invalidateScopes(queryClient, invalidate),
  });
}

/** A scope is a channel-name prefix: 'notifications' invalidates every 'notifications:*' query. */
export function invalidateScopes(queryClient: ReturnType<typeof useQueryClient>, scopes: readonly string[]): void {
  if (scopes.length === 0) return;
  void queryClient.invalidateQueries({
    predicate: (q) => {
      const key = q.queryKey[0];
      return typeof key === 'string' && scopes.some((s) => key.startsWith(`${s}:`) || key === s || s === '*');
    },
  });
}

/**
 * Of several actions of one panel, the one the referent started last: only its outcome is shown, so an old error
 * never stays beside a later success (nor an old success beside a later error).
 */
export function latestOf(...mutations: readonly ActionOutcome[]): ActionOutcome | undefined {
  return mutations.reduce<ActionOutcome | undefined>(
    (a, m) => (m.submittedAt > (a?.submittedAt ?? 0) ? m : a),
    undefined,
  );
}

export interface ActionOutcome {
  readonly submittedAt: number;
  readonly isSuccess: boolean;
  readonly error: ApiError | null;
}
