import { useEffect, useState } from 'react';
import { parseRoute } from './navigation';

export function useRoute() {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash.includes('token=') ? '' : hash);
}

export function navigate(path: string): void {
  window.location.hash = `#/${path}`;
}
