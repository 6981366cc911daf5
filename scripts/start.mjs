// `npm start`: launches Electron where its binary is present; otherwise serves the same app through the
// browser host on 127.0.0.1 and prints its URL (docs/decisions.md §1). Either way on the embedded sandbox by default.
// The bundle is rebuilt only when its sources changed (build-fingerprint.mjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildBundleIfChanged } from './build-fingerprint.mjs';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const pathFile = path.join(dir, 'path.txt');
    if (!fs.existsSync(pathFile)) return undefined;
    const binary = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
    return fs.existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));
const buildStatus = buildBundleIfChanged(root);
if (buildStatus !== 0) process.exit(buildStatus);

const binary = electronBinary();
const child = binary
  ? spawn(binary, ['.'], { stdio: 'inherit' })
  : (console.log("Electron n'est pas disponible sur cette machine : l'application est servie dans le navigateur."),
    // The host as built (out/main/host.js): loading it is much quicker than transpiling its sources through tsx.
    spawn(process.execPath, [path.join(root, 'out/main/host.js'), ...process.argv.slice(2)], { stdio: 'inherit' }));
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
