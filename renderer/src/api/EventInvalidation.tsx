import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';
import { invalidateScopes } from './use-api';

/** The single place that turns main's change events into query invalidations (docs/architecture.md §2). */
export function EventInvalidation(): null {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      api.subscribe('data:changed', ({ scopes }) => {
        invalidateScopes(queryClient, [...scopes, 'dashboard']);
      }),
    [queryClient],
  );
  return null;
}
