// What `electron-vite build` reads, summed up cheaply (paths, sizes and modification times; no file is read), so
// `npm start` rebuilds only when a source changed. The fingerprint of the last good build is kept in out/: no out/,
// no fingerprint, a rebuild.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Folders whose every file may end up in the bundles, and the single files that steer the build. */
export const BUILD_INPUT_DIRS = ['electron', 'renderer', 'shared'];
export const BUILD_INPUT_FILES = ['electron.vite.config.mts', 'package.json', 'package-lock.json'];
/** What a build leaves in out/ that the app starts from: a fingerprint without them proves nothing. */
export const BUILD_OUTPUTS = [
  'out/main/index.js',
  'out/main/host.js',
  'out/main/sync-worker.js',
  'out/renderer/index.html',
];
export const FINGERPRINT_FILE = 'out/.build-fingerprint';

/** @param {string} root @param {string} relative @param {string[]} lines */
function describe(root, relative, lines) {
  let stat;
  try {
    stat = fs.statSync(path.join(root, relative));
  } catch {
    lines.push(`${relative}\tabsent`);
    return;
  }
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(path.join(root, relative)).sort()) {
      describe(root, path.posix.join(relative, name), lines);
    }
  } else {
    lines.push(`${relative}\t${stat.size}\t${stat.mtimeMs}`);
  }
}

/** @param {string} root the project's folder */
export function buildInputsFingerprint(root) {
  const lines = [];
  for (const entry of [...BUILD_INPUT_DIRS, ...BUILD_INPUT_FILES]) describe(root, entry, lines);
  return crypto.createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** @param {string} root */
export function buildIsCurrent(root) {
  if (BUILD_OUTPUTS.some((file) => !fs.existsSync(path.join(root, file)))) return false;
  try {
    return fs.readFileSync(path.join(root, FINGERPRINT_FILE), 'utf8').trim() === buildInputsFingerprint(root);
  } catch {
    return false;
  }
}

/**
 * Runs `build` (which throws or returns false on failure) unless the last good build was made from these very
 * inputs; records the inputs' fingerprint after a good build. The fingerprint is taken before building, so a file
 * saved during the build makes the next start rebuild.
 * @param {string} root @param {() => boolean} build
 * @returns {'à jour' | 'reconstruit' | 'échec'}
 */
export function buildIfChanged(root, build) {
  if (buildIsCurrent(root)) return 'à jour';
  const fingerprint = buildInputsFingerprint(root);
  fs.rmSync(path.join(root, FINGERPRINT_FILE), { force: true });
  if (!build()) return 'échec';
  fs.writeFileSync(path.join(root, FINGERPRINT_FILE), fingerprint + '\n');
  return 'reconstruit';
}

/**
 * `electron-vite build` in root unless the bundle is current (what `npm start` and the benches run first). Prints a
 * line when nothing needed building. Returns the build's exit status: 0 when the bundle is ready.
 * @param {string} root
 * @returns {number}
 */
export function buildBundleIfChanged(root) {
  let status = 0;
  const outcome = buildIfChanged(root, () => {
    status = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit', cwd: root }).status ?? 1;
    return status === 0;
  });
  if (outcome === 'à jour') console.log('Sources inchangées depuis la dernière construction : rien à reconstruire.');
  return outcome === 'échec' ? status || 1 : 0;
}
