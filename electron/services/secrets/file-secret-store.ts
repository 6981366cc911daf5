import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '@shared/errors/app-error';
import { SerialQueue, writeFileAtomicSync } from './atomic-file';
import type { SecretCipher } from './secret-cipher';

/** Named secrets (client secret, certificate passwords, registry key…), main process only. */
export interface SecretStore {
  get(name: string): Promise<Buffer | undefined>;
  set(name: string, value: Buffer | string): Promise<void>;
  delete(name: string): Promise<void>;
}

interface SecretFile {
  readonly version: 1;
  readonly backend: string;
  /** base64 of cipher.encrypt(JSON {name: base64 value}). */
  readonly data: string;
}

/**
 * One encrypted JSON blob on disk (whole-file encryption: even secret names are hidden). Each mutation rewrites it
 * atomically through a single queue. A backend change (e.g. key file replaced by safeStorage) is reported, never
 * papered over by generating a new key (docs/architecture.md §6).
 */
export function createFileSecretStore(options: { filePath: string; cipher: SecretCipher }): SecretStore {
  const { filePath, cipher } = options;
  const queue = new SerialQueue();

  const load = (): Map<string, Buffer> => {
    if (!existsSync(filePath)) return new Map();
    let file: SecretFile;
    try {
      file = JSON.parse(readFileSync(filePath, 'utf8')) as SecretFile;
    } catch {
      throw unreadable('format');
    }
    if (file.version !== 1 || typeof file.data !== 'string') throw unreadable('version');
    if (file.backend !== cipher.backend) {
      throw new AppError(
        'SECRET_STORE_UNREADABLE',
        'Les secrets ont été protégés par un autre coffre que celui disponible maintenant : ils ne peuvent pas être relus. ' +
          'Saisissez à nouveau le secret client et les mots de passe des certificats.',
        `backend ${file.backend} → ${cipher.backend}`,
      );
    }
    let plain: Buffer;
    try {
      plain = cipher.decrypt(Buffer.from(file.data, 'base64'));
    } catch {
      throw unreadable('decrypt');
    }
    try {
      const entries = JSON.parse(plain.toString('utf8')) as Record<string, string>;
      return new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    } finally {
      plain.fill(0);
    }
  };

  const save = (secrets: Map<string, Buffer>): void => {
    const plain = Buffer.from(
      JSON.stringify(Object.fromEntries([...secrets].map(([k, v]) => [k, v.toString('base64')]))),
    );
    try {
      const file: SecretFile = { version: 1, backend: cipher.backend, data: cipher.encrypt(plain).toString('base64') };
      writeFileAtomicSync(filePath, JSON.stringify(file));
    } finally {
      plain.fill(0);
    }
  };

  return {
    get: (name) => queue.run(() => load().get(name)),
    set: (name, value) =>
      queue.run(() => {
        const secrets = load();
        secrets.set(name, Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(value, 'utf8'));
        save(secrets);
      }),
    delete: (name) =>
      queue.run(() => {
        const secrets = load();
        if (secrets.delete(name)) save(secrets);
      }),
  };
}

function unreadable(detail: string): AppError {
  return new AppError('SECRET_STORE_UNREADABLE', 'Le fichier des secrets est illisible ou endommagé.', detail);
}

/** An in-memory store (for tests of other modules and for a session where the user refuses to persist secrets). */
export function createMemorySecretStore(): SecretStore {
  const secrets = new Map<string, Buffer>();
  return {
    get: async (name) => {
      const value = secrets.get(name);
      return value ? Buffer.from(value) : undefined;
    },
    set: async (name, value) => {
      secrets.set(name, Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(value, 'utf8'));
    },
    delete: async (name) => {
      secrets.delete(name);
    },
  };
}
