import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BUILD_OUTPUTS, buildIfChanged } from './build-fingerprint.mjs';

let root: string;
let builds: number;
/** Stands for electron-vite: writes every output the start needs, and says whether it succeeded. */
const build =
  (succeeds = true) =>
  () => {
    builds += 1;
    for (const file of BUILD_OUTPUTS) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), `build ${builds}`);
    }
    return succeeds;
  };
const write = (relative: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  fs.writeFileSync(path.join(root, relative), text);
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-fingerprint-'));
  builds = 0;
  write('electron/main/index.ts', 'export const a = 1;\n');
  write('renderer/src/app.tsx', 'export const b = 2;\n');
  write('shared/ipc/contract.ts', 'export const c = 3;\n');
  write('electron.vite.config.mts', 'export default {};\n');
  write('package.json', '{}\n');
  write('package-lock.json', '{}\n');
  expect(buildIfChanged(root, build())).toBe('reconstruit');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

it('does not rebuild when nothing changed', () => {
  expect(buildIfChanged(root, build())).toBe('à jour');
  expect(buildIfChanged(root, build())).toBe('à jour');
  expect(builds).toBe(1);
});

it('rebuilds after a source file is edited, then not again', () => {
  write('renderer/src/app.tsx', 'export const b = 20;\n');
  expect(buildIfChanged(root, build())).toBe('reconstruit');
  expect(buildIfChanged(root, build())).toBe('à jour');
  expect(builds).toBe(2);
});

it('rebuilds after a file is saved again with the same size (its modification time moved)', () => {
  const file = path.join(root, 'shared/ipc/contract.ts');
  const later = new Date(fs.statSync(file).mtimeMs + 5_000);
  fs.utimesSync(file, later, later);
  expect(buildIfChanged(root, build())).toBe('reconstruit');
});

it('rebuilds when a source file is added or removed, or the lock file or the build config changes', () => {
  write('electron/services/new-service.ts', 'export {};\n');
  expect(buildIfChanged(root, build())).toBe('reconstruit');
  fs.rmSync(path.join(root, 'electron/services/new-service.ts'));
  expect(buildIfChanged(root, build())).toBe('reconstruit');
  write('package-lock.json', '{"lockfileVersion":3}\n');
  expect(buildIfChanged(root, build())).toBe('reconstruit');
  write('electron.vite.config.mts', 'export default { main: {} };\n');
  expect(buildIfChanged(root, build())).toBe('reconstruit');
  expect(builds).toBe(5);
});

it('ignores files outside the build inputs', () => {
  write('e2e/home.spec.ts', 'export {};\n');
  write('.data/app/notes.txt', 'x');
  expect(buildIfChanged(root, build())).toBe('à jour');
});

it('rebuilds when an output is missing or the last build failed', () => {
  fs.rmSync(path.join(root, 'out/main/host.js'));
  expect(buildIfChanged(root, build(false))).toBe('échec');
  // The failed build left its outputs, but no fingerprint: the next start builds again.
  expect(buildIfChanged(root, build())).toBe('reconstruit');
  expect(buildIfChanged(root, build())).toBe('à jour');
  expect(builds).toBe(3);
});
