import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '@shared/errors/app-error';

/**
 * The encrypt/decrypt pair the secret store and the database key provider rely on. Outside Electron it is an
 * AES-256-GCM key kept in a 0600 key file; under Electron the main process plugs `safeStorage` through
 * `createSafeStorageCipher` (the adapter itself lives in electron/main).
 */
export interface SecretCipher {
  /** Recorded beside the ciphertext so a backend change is detected instead of producing garbage. */
  readonly backend: string;
  encrypt(plain: Buffer): Buffer;
  decrypt(cipher: Buffer): Buffer;
}

/** What the Electron adapter around `safeStorage` must implement. */
export interface SafeStorageLike {
  isAvailable(): boolean;
  /** `safeStorage.getSelectedStorageBackend()` on Linux ('gnome_libsecret', 'kwallet5', 'basic_text'…), else the OS name. */
  backend(): string;
  encrypt(plain: Buffer): Buffer;
  decrypt(cipher: Buffer): Buffer;
}

const GCM_FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const AES_KEY_BYTES = 32;

/** AES-256-GCM, layout: [format 1][iv 12][tag 16][ciphertext]. */
export function aesGcmEncrypt(key: Buffer, plain: Buffer, associatedData?: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (associatedData) cipher.setAAD(associatedData);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([GCM_FORMAT]), iv, cipher.getAuthTag(), body]);
}

/** Throws a plain Error when the key is wrong or the data was altered (callers map it to their own code). */
export function aesGcmDecrypt(key: Buffer, data: Buffer, associatedData?: Buffer): Buffer {
  if (data.length < 1 + IV_BYTES + TAG_BYTES || data[0] !== GCM_FORMAT) throw new Error('unknown ciphertext format');
  const iv = data.subarray(1, 1 + IV_BYTES);
  const tag = data.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (associatedData) decipher.setAAD(associatedData);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/**
 * Reads a 32-byte random key from `keyFilePath`, creating it (0600, exclusive create) when missing.
 * Returns undefined instead of creating when `create` is false.
 */
export function readOrCreateKeyFile(keyFilePath: string, create = true): Buffer | undefined {
  if (!existsSync(keyFilePath)) {
    if (!create) return undefined;
    mkdirSync(dirname(keyFilePath), { recursive: true, mode: 0o700 });
    const key = randomBytes(AES_KEY_BYTES);
    try {
      const fd = openSync(keyFilePath, 'wx', 0o600);
      try {
        writeSync(fd, key.toString('base64') + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return key;
    } catch (e) {
      // Lost a creation race with another process: read what it wrote.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const key = Buffer.from(readFileSync(keyFilePath, 'utf8').trim(), 'base64');
  if (key.length !== AES_KEY_BYTES) {
    throw new AppError('SECRET_STORE_UNREADABLE', 'Le fichier de clé des secrets est endommagé.', keyFilePath);
  }
  // Keep it private even if someone loosened the mode.
  if (process.platform !== 'win32') chmodSync(keyFilePath, 0o600);
  return key;
}

/** No-Electron cipher: AES-256-GCM under a master key kept in a 0600 key file in the user-data folder. */
export function createKeyFileCipher(keyFilePath: string): SecretCipher {
  let key: Buffer | undefined;
  const getKey = (): Buffer => (key ??= readOrCreateKeyFile(keyFilePath) as Buffer);
  return {
    backend: 'key-file',
    encrypt: (plain) => aesGcmEncrypt(getKey(), plain),
    decrypt: (data) => aesGcmDecrypt(getKey(), data),
  };
}

/**
 * Electron cipher over `safeStorage`. Refuses the Linux 'basic_text' backend (a hard-coded key: no protection),
 * as VS Code and Signal do, rather than pretending secrets are protected.
 */
export function createSafeStorageCipher(safeStorage: SafeStorageLike): SecretCipher {
  if (!safeStorage.isAvailable()) {
    throw new AppError(
      'SECRET_BACKEND_UNSAFE',
      'Le coffre de secrets du système n’est pas disponible : les secrets ne peuvent pas être protégés.',
    );
  }
  const backend = safeStorage.backend();
  if (backend === 'basic_text') {
    throw new AppError(
      'SECRET_BACKEND_UNSAFE',
      'Aucun trousseau sécurisé (GNOME Keyring, KWallet) n’est disponible : les secrets ne seraient pas protégés. ' +
        'Installez ou déverrouillez un trousseau puis relancez l’application.',
      'basic_text',
    );
  }
  return {
    backend: `safe-storage:${backend}`,
    encrypt: (plain) => safeStorage.encrypt(plain),
    decrypt: (data) => safeStorage.decrypt(data),
  };
}
