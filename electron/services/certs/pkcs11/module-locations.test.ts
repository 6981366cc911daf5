import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir } from '../../testing/temp-dir';
import {
  offeredPkcs11Modules,
  pkcs11ModuleId,
  pkcs11ModuleProblem,
  resolveOfferedPkcs11Module,
  SOFTHSM2_MODULE_PATH,
  standardPkcs11ModulePaths,
} from './module-locations';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.cleanup());

it('offers the standard locations found here (SoftHSM2 among them), once per file', () => {
  const offered = offeredPkcs11Modules([]);
  expect(offered.find((m) => m.path === SOFTHSM2_MODULE_PATH)).toMatchObject({ origin: 'standard', usable: true });
  // /usr/lib/softhsm/libsofthsm2.so is a link to the multiarch file: one entry, not two.
  const realPaths = offered.map((m) => fs.realpathSync(m.path));
  expect(new Set(realPaths).size).toBe(realPaths.length);
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    const paths = standardPkcs11ModulePaths(platform).join('\n');
    expect(paths, platform).toMatch(/cps3/);
    expect(paths, platform).toMatch(/opensc/i);
    expect(paths, platform).toMatch(/softhsm/i);
  }
});

it('accepts a regular library file of the user, refuses anything else with the file left unopened', () => {
  const own = path.join(tmp.dir, 'module.so');
  fs.writeFileSync(own, 'pas vraiment une bibliothèque', { mode: 0o644 });
  expect(pkcs11ModuleProblem(own)).toBeUndefined();
  fs.chmodSync(own, 0o666);
  expect(pkcs11ModuleProblem(own)).toBe('modifiable par tous');
  fs.chmodSync(own, 0o644);
  // Another user's file (root may hand it over for real; others pretend to run as someone else).
  if (process.getuid?.() === 0) {
    fs.chownSync(own, 12345, 12345);
    expect(pkcs11ModuleProblem(own)).toBe('propriétaire');
  } else {
    expect(pkcs11ModuleProblem(own, { uid: 12345 })).toBe('propriétaire');
  }

  const text = path.join(tmp.dir, 'module.txt');
  fs.writeFileSync(text, 'x');
  expect(pkcs11ModuleProblem(text)).toBe('extension');
  expect(pkcs11ModuleProblem('module.so')).toBe('chemin non absolu');
  expect(pkcs11ModuleProblem(path.join(tmp.dir, 'absent.so'))).toBe('absent');
  const folder = path.join(tmp.dir, 'dossier.so');
  fs.mkdirSync(folder);
  expect(pkcs11ModuleProblem(folder)).toBe('pas un fichier ordinaire');
  const fifo = path.join(tmp.dir, 'tube.so');
  execFileSync('mkfifo', [fifo]);
  expect(pkcs11ModuleProblem(fifo)).toBe('pas un fichier ordinaire');
  expect(pkcs11ModuleProblem('/dev/zero')).toBe('extension');
});

it('resolves an offered module by id only, and a chosen file that went bad stays listed but unusable', () => {
  const own = path.join(tmp.dir, 'module.so');
  fs.writeFileSync(own, 'x', { mode: 0o644 });
  expect(resolveOfferedPkcs11Module(pkcs11ModuleId(own), [own])).toBe(own);
  expect(() => resolveOfferedPkcs11Module(pkcs11ModuleId(own), [])).toThrow(/n’est pas proposé/);
  fs.chmodSync(own, 0o666);
  expect(offeredPkcs11Modules([own]).find((m) => m.path === own)).toMatchObject({ origin: 'choisi', usable: false });
  expect(() => resolveOfferedPkcs11Module(pkcs11ModuleId(own), [own])).toThrow(/ne peut pas servir/);
});
