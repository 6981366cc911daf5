// `node scripts/build-if-changed.mjs`: the bundle the benches start from (out/), rebuilt only when its sources
// changed since the last good build (build-fingerprint.mjs).
import { fileURLToPath } from 'node:url';
import { buildBundleIfChanged } from './build-fingerprint.mjs';

process.exit(buildBundleIfChanged(fileURLToPath(new URL('..', import.meta.url))));
