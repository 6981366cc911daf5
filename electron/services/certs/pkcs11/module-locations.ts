/**
 * Which PKCS#11 modules the app may load. Loading a module runs its code inside our process, so the caller never
 * names a file: main offers the standard locations of the card middlewares it finds on this computer (ANS
 * Cryptolib CPS, OpenSC, SoftHSM2), plus files the operator chose (main's native dialog under Electron, a typed
 * path in the browser host), each checked before it is offered and again before it is loaded: a regular file with
 * a library's extension, owned by root or by the user running the app, not writable by everyone.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '@shared/errors/app-error';

export const SOFTHSM2_MODULE_PATH = '/usr/lib/softhsm/libsofthsm2.so';

/** Where the middlewares install their PKCS#11 module on each OS (CPS first: it is the referent's card). */
export function standardPkcs11ModulePaths(platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case 'win32':
      return [
        'C:\\Windows\\System32\\cps3_pkcs11_w64.dll',
        'C:\\Windows\\System32\\cps3_pkcs11_w32.dll',
        'C:\\Windows\\System32\\opensc-pkcs11.dll',
        'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll',
        'C:\\SoftHSM2\\lib\\softhsm2-x64.dll',
      ];
    case 'darwin':
      return [
        '/usr/local/lib/libcps3_pkcs11_osx.dylib',
        '/Library/Frameworks/cps3_pkcs11.framework/cps3_pkcs11',
        '/Library/OpenSC/lib/opensc-pkcs11.so',
        '/opt/homebrew/lib/softhsm/libsofthsm2.so',
        '/usr/local/lib/softhsm/libsofthsm2.so',
      ];
    default:
      return [
        '/usr/lib/libcps3_pkcs11_lux.so',
        '/usr/local/lib/libcps3_pkcs11_lux.so',
        '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
        '/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so',
        '/usr/lib/opensc-pkcs11.so',
        SOFTHSM2_MODULE_PATH,
        '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
      ];
  }
}

const LIBRARY_EXTENSIONS = ['.so', '.dll', '.dylib'];

/** Same message whatever failed: it tells nothing about the file system beyond "not usable". */
export const MODULE_REFUSED =
  'Ce fichier ne peut pas servir de module de carte : il faut une bibliothèque (.so, .dll, .dylib) installée par ' +
  'l’administrateur ou par vous, que les autres utilisateurs ne peuvent pas modifier.';

export interface ModuleFileCheckOptions {
  readonly platform?: NodeJS.Platform;
  /** The uid the app runs as (undefined on Windows). */
  readonly uid?: number | undefined;
}

/**
 * Why a file may not be loaded as a PKCS#11 module, or undefined when it may. Looks at the file's metadata only
 * (stat): it is never opened, so a pipe or a device cannot block or feed the process.
 */
export function pkcs11ModuleProblem(modulePath: string, options: ModuleFileCheckOptions = {}): string | undefined {
  const platform = options.platform ?? process.platform;
  const uid = 'uid' in options ? options.uid : process.getuid?.();
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  if (!pathApi.isAbsolute(modulePath) || modulePath.includes('\0')) return 'chemin non absolu';
  // The macOS CPS framework binary has no extension: it is a standard location, offered by main only.
  const standard = standardPkcs11ModulePaths(platform).includes(modulePath);
  if (!standard && !LIBRARY_EXTENSIONS.some((ext) => modulePath.toLowerCase().endsWith(ext))) {
    return 'extension';
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(modulePath);
  } catch {
    return 'absent';
  }
  if (!stat.isFile()) return 'pas un fichier ordinaire';
  if (platform !== 'win32') {
    if (stat.uid !== 0 && stat.uid !== uid) return 'propriétaire';
    if ((stat.mode & 0o002) !== 0) return 'modifiable par tous';
  }
  return undefined;
}

/** Throws the uniform refusal when the module may not be loaded (checked right before every load). */
export function assertLoadablePkcs11Module(modulePath: string): void {
  const problem = pkcs11ModuleProblem(modulePath);
  if (problem !== undefined) throw new AppError('PKCS11_MODULE_ERROR', MODULE_REFUSED, problem);
}

/** The opaque id the renderer uses to name an offered module. */
export function pkcs11ModuleId(modulePath: string): string {
  return createHash('sha256').update(modulePath).digest('hex').slice(0, 16);
}

export interface OfferedPkcs11Module {
  readonly id: string;
  readonly path: string;
  readonly origin: 'standard' | 'choisi';
  /** False when a chosen file no longer passes the checks (it stays listed so the operator can remove it). */
  readonly usable: boolean;
}

/** The standard locations found on this computer, then the operator's chosen files. */
export function offeredPkcs11Modules(chosenPaths: readonly string[]): OfferedPkcs11Module[] {
  const standard = standardPkcs11ModulePaths()
    .filter((p) => pkcs11ModuleProblem(p) === undefined)
    // Two standard paths may be the same file (a symlink): offer it once.
    .filter((p, i, all) => all.findIndex((q) => sameFile(p, q)) === i)
    .map((p) => ({ id: pkcs11ModuleId(p), path: p, origin: 'standard' as const, usable: true }));
  const chosen = chosenPaths
    .filter((p) => !standard.some((s) => s.path === p))
    .map((p) => ({ id: pkcs11ModuleId(p), path: p, origin: 'choisi' as const, usable: !pkcs11ModuleProblem(p) }));
  return [...standard, ...chosen];
}

/** The path of an offered, usable module, from its id. */
export function resolveOfferedPkcs11Module(moduleId: string, chosenPaths: readonly string[]): string {
  const found = offeredPkcs11Modules(chosenPaths).find((m) => m.id === moduleId);
  if (!found) throw new AppError('PKCS11_MODULE_ERROR', 'Ce module de carte n’est pas proposé sur cet ordinateur.');
  if (!found.usable) throw new AppError('PKCS11_MODULE_ERROR', MODULE_REFUSED);
  return found.path;
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return a === b;
  }
}
