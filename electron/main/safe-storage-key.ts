import { safeStorage } from 'electron';
import { createDatabaseKeyProvider, createSafeStorageCipher, type SafeStorageLike } from '../services/secrets';

/** The Electron adapter the secret services expect: safeStorage behind the SafeStorageLike interface. */
export const electronSafeStorage: SafeStorageLike = {
  isAvailable: () => safeStorage.isEncryptionAvailable(),
  backend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : process.platform),
  encrypt: (plain) => safeStorage.encryptString(plain.toString('base64')),
  decrypt: (cipher) => Buffer.from(safeStorage.decryptString(cipher), 'base64'),
};

/**
 * The database key wrapped with safeStorage (docs/decisions.md §2); the 'basic_text' Linux backend is refused by
 * createSafeStorageCipher (docs/architecture.md §6).
 */
export function safeStorageDatabaseKey(databaseFile: string): Buffer {
  return createDatabaseKeyProvider({
    keyFilePath: `${databaseFile}.key.enc`,
    databaseFilePath: databaseFile,
    cipher: createSafeStorageCipher(electronSafeStorage),
  }).getKey();
}
