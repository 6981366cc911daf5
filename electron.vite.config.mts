import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const alias = { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) };
// Native modules stay outside the bundle (loaded from node_modules / app.asar.unpacked).
const nativeModules = ['better-sqlite3-multiple-ciphers', 'pkcs11js'];

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The sync runs in a worker thread with its own database connection (docs/decisions.md §4).
        input: {
          index: resolve('electron/main/index.ts'),
          'sync-worker': resolve('electron/services/sync/runner/sync-worker-entry.ts'),
          // The browser host without Electron (`npm start` on a machine without its binary), run by plain Node.
          host: resolve('electron/services/host/host-main.ts'),
        },
        external: nativeModules,
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS (tech-feasibility §1.4).
      rollupOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    resolve: { alias },
    plugins: [react()],
    base: './',
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
