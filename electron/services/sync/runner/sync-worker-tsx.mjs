// Worker entry when running from sources (browser host, tests): Node 20 does not pass the parent's `--import tsx`
// hooks to worker threads, so the worker registers tsx itself, then loads the TypeScript entry.
import { tsImport } from 'tsx/esm/api';

await tsImport('./sync-worker-entry.ts', import.meta.url);
