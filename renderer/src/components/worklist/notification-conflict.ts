import { useQueryClient } from '@tanstack/react-query';
import { invalidateScopes, type ApiError } from '../../api/use-api';

/** Main refused an action because the notification changed since the referent opened it (notification-version.ts). */
export const isNotificationChanged = (error: ApiError | null | undefined): boolean =>
  error?.data.code === 'NOTIFICATION_CHANGED';

/**
 * An action's onError: on a conflict, the detail (and the lists) are read again, so the referent sees what changed
 * beside the message telling it and can decide again.
 */
export function useRefreshOnConflict(): (error: ApiError) => void {
  const queryClient = useQueryClient();
  return (error) => {
    if (isNotificationChanged(error)) invalidateScopes(queryClient, ['notifications', 'waiting-lists']);
  };
}
