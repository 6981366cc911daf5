// Worker entry when running from sources (browser host, tests): Node 20 does not pass the parent's `--import tsx`
// hooks to worker threads, so the worker registers tsx itself, for the whole thread as `--import tsx` does (both
// module systems): a module the sync imports later (the PostgreSQL adapter, loaded only in organisation mode) is
// TypeScript too, which a scoped tsImport does not cover.
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCjs();
registerEsm();
await import('./sync-worker-entry.ts');
