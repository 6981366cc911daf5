import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '@shared/errors/app-error';
import { writeFileAtomicSync } from './atomic-file';
import { AES_KEY_BYTES, readOrCreateKeyFile, type SecretCipher } from './secret-cipher';

/** Gives the random 32-byte SQLCipher key of one environment's database (docs/decisions.md §2). */
export interface DatabaseKeyProvider {
  getKey(): Buffer;
}

/**
 * No-Electron path: a key file next to the database, 0600, created on first use.
 * If the database already exists but its key file does not, refuse (DB_KEY_MISSING) instead of creating a new key
 * that could never open it.
 */
export function getOrCreateDatabaseKey(keyFilePath: string, databaseFilePath?: string): Buffer {
  const existing = readKeyOrUndefined(keyFilePath);
  if (existing) return existing;
  if (databaseFilePath && existsSync(databaseFilePath)) throw keyMissing();
  return readOrCreateKeyFile(keyFilePath) as Buffer;
}

/**
 * Key provider with an injected cipher (Electron: safeStorage). The key file then holds the wrapped key, so the raw
 * key never touches the disk. Without a cipher it is `getOrCreateDatabaseKey`.
 */
export function createDatabaseKeyProvider(options: {
  keyFilePath: string;
  databaseFilePath?: string;
  cipher?: SecretCipher;
}): DatabaseKeyProvider {
  const { keyFilePath, databaseFilePath, cipher } = options;
  let cached: Buffer | undefined;
  return {
    getKey() {
      if (cached) return Buffer.from(cached);
      if (!cipher) {
        cached = getOrCreateDatabaseKey(keyFilePath, databaseFilePath);
        return Buffer.from(cached);
      }
      if (existsSync(keyFilePath)) {
        let wrapped: { version: number; backend: string; key: string };
        try {
          wrapped = JSON.parse(readFileSync(keyFilePath, 'utf8')) as typeof wrapped;
        } catch {
          throw keyInvalid('format');
        }
        if (wrapped.backend !== cipher.backend) throw keyInvalid(`backend ${wrapped.backend} → ${cipher.backend}`);
        let key: Buffer;
        try {
          key = cipher.decrypt(Buffer.from(wrapped.key, 'base64'));
        } catch {
          throw keyInvalid('decrypt');
        }
        if (key.length !== AES_KEY_BYTES) throw keyInvalid('length');
        cached = key;
        return Buffer.from(key);
      }
      if (databaseFilePath && existsSync(databaseFilePath)) throw keyMissing();
      const key = randomBytes(AES_KEY_BYTES);
      writeFileAtomicSync(
        keyFilePath,
        JSON.stringify({ version: 1, backend: cipher.backend, key: cipher.encrypt(key).toString('base64') }),
      );
      cached = key;
      return Buffer.from(key);
    },
  };
}

function readKeyOrUndefined(keyFilePath: string): Buffer | undefined {
  if (!existsSync(keyFilePath)) return undefined;
  const key = Buffer.from(readFileSync(keyFilePath, 'utf8').trim(), 'base64');
  if (key.length !== AES_KEY_BYTES) throw keyInvalid('length');
  return key;
}

function keyMissing(): AppError {
  return new AppError(
    'DB_KEY_MISSING',
    'La clé de la base de données est introuvable : la base existante ne peut pas être ouverte. ' +
      'Restaurez le fichier de clé ou repartez d’une base vide.',
  );
}

function keyInvalid(detail: string): AppError {
  return new AppError('DB_KEY_INVALID', 'La clé de la base de données est illisible ou endommagée.', detail);
}
