import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDatabaseKeyProvider, getOrCreateDatabaseKey } from './database-key-provider';
import { createFileSecretStore } from './file-secret-store';
import { createKeyFileCipher, createSafeStorageCipher, type SafeStorageLike } from './secret-cipher';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rvt-secrets-'));

/** A stand-in for Electron's safeStorage with a real reversible transformation and a chosen backend. */
function fakeSafeStorage(backend: string): SafeStorageLike {
  return {
    isAvailable: () => true,
    backend: () => backend,
    encrypt: (plain) => Buffer.concat([Buffer.from('SS1'), Buffer.from(plain.map((b) => b ^ 0x5a))]),
    decrypt: (cipher) => Buffer.from(cipher.subarray(3).map((b) => b ^ 0x5a)),
  };
}

describe('file secret store', () => {
  it('round-trips secrets across instances and keeps nothing in clear on disk', async () => {
    const dir = tempDir();
    const options = () => ({
      filePath: join(dir, 'secrets.json'),
      cipher: createKeyFileCipher(join(dir, 'master.key')),
    });
    const store = createFileSecretStore(options());
    await store.set('client-secret', 'secret-client-tres-visible');
    await store.set('binary', Buffer.from([0, 1, 2, 255]));
    const reopened = createFileSecretStore(options());
    expect((await reopened.get('client-secret'))?.toString()).toBe('secret-client-tres-visible');
    expect([...((await reopened.get('binary')) ?? [])]).toEqual([0, 1, 2, 255]);
    await reopened.delete('client-secret');
    expect(await createFileSecretStore(options()).get('client-secret')).toBeUndefined();
    await store.set('client-secret', 'secret-client-tres-visible');

    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'latin1');
      expect(text).not.toContain('secret-client-tres-visible');
      expect(text).not.toContain('client-secret');
      expect(statSync(join(dir, f)).mode & 0o077).toBe(0);
    }
  });

  it('serialises concurrent writes (no lost update)', async () => {
    const dir = tempDir();
    const store = createFileSecretStore({ filePath: join(dir, 's.json'), cipher: createKeyFileCipher(join(dir, 'k')) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`n${i}`, String(i))));
    for (let i = 0; i < 20; i++) expect((await store.get(`n${i}`))?.toString()).toBe(String(i));
  });

  it('reports a tampered file or a different key instead of returning garbage', async () => {
    const dir = tempDir();
    const store = createFileSecretStore({ filePath: join(dir, 's.json'), cipher: createKeyFileCipher(join(dir, 'k')) });
    await store.set('a', 'b');
    const other = createFileSecretStore({
      filePath: join(dir, 's.json'),
      cipher: createKeyFileCipher(join(dir, 'k2')),
    });
    await expect(other.get('a')).rejects.toMatchObject({ code: 'SECRET_STORE_UNREADABLE' });
    const viaSafeStorage = createFileSecretStore({
      filePath: join(dir, 's.json'),
      cipher: createSafeStorageCipher(fakeSafeStorage('gnome_libsecret')),
    });
    await expect(viaSafeStorage.get('a')).rejects.toMatchObject({ code: 'SECRET_STORE_UNREADABLE' });
  });

  it('works over an injected safeStorage and refuses the basic_text backend', async () => {
    const dir = tempDir();
    const store = createFileSecretStore({
      filePath: join(dir, 's.json'),
      cipher: createSafeStorageCipher(fakeSafeStorage('kwallet5')),
    });
    await store.set('x', 'valeur');
    expect((await store.get('x'))?.toString()).toBe('valeur');
    expect(() => createSafeStorageCipher(fakeSafeStorage('basic_text'))).toThrow(
      expect.objectContaining({ code: 'SECRET_BACKEND_UNSAFE' }),
    );
  });
});

describe('database key', () => {
  it('creates a 32-byte key file 0600 once, then returns the same key', () => {
    const dir = tempDir();
    const keyPath = join(dir, 'db', 'referent.db.key');
    const key = getOrCreateDatabaseKey(keyPath);
    expect(key.length).toBe(32);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(getOrCreateDatabaseKey(keyPath).equals(key)).toBe(true);
  });

  it('refuses to invent a key for an existing database (DB_KEY_MISSING) and flags a damaged key file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'referent.db'), 'x');
    expect(() => getOrCreateDatabaseKey(join(dir, 'referent.db.key'), join(dir, 'referent.db'))).toThrow(
      expect.objectContaining({ code: 'DB_KEY_MISSING' }),
    );
    writeFileSync(join(dir, 'bad.key'), 'abc');
    expect(() => getOrCreateDatabaseKey(join(dir, 'bad.key'))).toThrow(
      expect.objectContaining({ code: 'DB_KEY_INVALID' }),
    );
  });

  it('wraps the key with the injected cipher so the raw key never reaches the disk', () => {
    const dir = tempDir();
    const keyPath = join(dir, 'referent.db.key');
    const provider = createDatabaseKeyProvider({
      keyFilePath: keyPath,
      cipher: createSafeStorageCipher(fakeSafeStorage('dpapi')),
    });
    const key = provider.getKey();
    const again = createDatabaseKeyProvider({
      keyFilePath: keyPath,
      cipher: createSafeStorageCipher(fakeSafeStorage('dpapi')),
    });
    expect(again.getKey().equals(key)).toBe(true);
    const onDisk = readFileSync(keyPath);
    expect(onDisk.includes(key)).toBe(false);
    expect(onDisk.toString().includes(key.toString('base64'))).toBe(false);
    const otherBackend = createDatabaseKeyProvider({
      keyFilePath: keyPath,
      cipher: createSafeStorageCipher(fakeSafeStorage('keychain')),
    });
    expect(() => otherBackend.getKey()).toThrow(expect.objectContaining({ code: 'DB_KEY_INVALID' }));
  });
});
