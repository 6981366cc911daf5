import crypto from 'node:crypto';
import fs from 'node:fs';
import { safeStorage } from 'electron';
import { AppError } from '@shared/errors/app-error';

/**
 * The database key wrapped with safeStorage (decisions.md §2). Linux's 'basic_text' backend is plaintext in
 * disguise: refused rather than silently weak (anchors.md §9.6 rule 26).
 */
export function safeStorageDatabaseKey(databaseFile: string): Buffer {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new AppError('SECRET_BACKEND_UNSAFE', 'Le coffre de secrets du système est indisponible.');
  }
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    throw new AppError(
      'SECRET_BACKEND_UNSAFE',
      'Le trousseau du système n’est pas sécurisé (basic_text) : installez ou déverrouillez un trousseau (GNOME Keyring, KWallet).',
    );
  }
  const wrappedFile = `${databaseFile}.key.enc`;
  if (fs.existsSync(wrappedFile)) return Buffer.from(safeStorage.decryptString(fs.readFileSync(wrappedFile)), 'hex');
  const key = crypto.randomBytes(32);
  fs.writeFileSync(wrappedFile, safeStorage.encryptString(key.toString('hex')), { mode: 0o600 });
  return key;
}
