import { useEffect, useState } from 'react';
import { parseRoute } from './navigation';

export type Route = ReturnType<typeof parseRoute>;

const routeOf = (hash: string): Route => parseRoute(hash.includes('token=') ? '' : hash);

/**
 * The current route; `onChange` (a stable callback) hears a new one before the screen renders it, to start its first
 * request.
 */
export function useRoute(onChange?: (route: Route) => void): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const changed = () => {
      onChange?.(routeOf(window.location.hash));
      setHash(window.location.hash);
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, [onChange]);
  return routeOf(hash);
}

export function navigate(path: string): void {
  window.location.hash = `#/${path}`;
}
