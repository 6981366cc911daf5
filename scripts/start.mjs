// `npm start`: launches Electron where its binary is present; otherwise serves the same app through the
// browser host on 127.0.0.1 and prints its URL (docs/decisions.md §1). Either way on the embedded sandbox by default.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

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

const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const binary = electronBinary();
const child = binary
  ? spawn(binary, ['.'], { stdio: 'inherit' })
  : (console.log("Electron n'est pas disponible sur cette machine : l'application est servie dans le navigateur."),
    spawn(process.execPath, ['--import', 'tsx', 'electron/services/host/host-main.ts', ...process.argv.slice(2)], {
      stdio: 'inherit',
    }));
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
