import { existsSync } from 'node:fs';
import { AppError } from '@shared/errors/app-error';
import { assertLoadablePkcs11Module } from './module-locations';

/** Debian/Ubuntu location of libp11's engine for OpenSSL 3 (package libengine-pkcs11-openssl). */
export const DEFAULT_OPENSSL_ENGINES_DIR = '/usr/lib/x86_64-linux-gnu/engines-3';

/**
 * Prepares the process for `privateKeyEngine: 'pkcs11'` in plain Node (docs/decisions.md §3): Node's bundled OpenSSL
 * looks for engines elsewhere, so OPENSSL_ENGINES must point at libp11's folder, and PKCS11_MODULE_PATH tells libp11
 * which module to load. Both are read when the engine is first loaded, so this must run before the first TLS context
 * (the module cannot be switched afterwards in the same process). Not usable under Electron (BoringSSL has no engines):
 * there a card goes through Chromium's network stack.
 */
export function configurePkcs11Engine(modulePath: string, enginesDir = DEFAULT_OPENSSL_ENGINES_DIR): void {
  if (process.versions.electron) {
    throw new AppError(
      'PKCS11_MODULE_ERROR',
      'Ce mode de connexion par carte n’est pas disponible dans l’application de bureau.',
      'OpenSSL engine under BoringSSL',
    );
  }
  if (!existsSync(`${enginesDir}/pkcs11.so`)) {
    throw new AppError(
      'PKCS11_MODULE_ERROR',
      'Le composant OpenSSL pour les cartes (libengine-pkcs11-openssl) n’est pas installé.',
      enginesDir,
    );
  }
  // libp11 will load this module into the process: the same checks as any other load.
  assertLoadablePkcs11Module(modulePath);
  process.env.OPENSSL_ENGINES ??= enginesDir;
  process.env.PKCS11_MODULE_PATH ??= modulePath;
}
