/**
 * Opens the encrypted SQLite database (docs/decisions.md §2): SQLCipher-compatible cipher with a random raw key,
 * WAL, foreign keys, then brings the schema to the code's version through the numbered migrations.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '@shared/errors/app-error';
import { migrate } from './migrations';
import { SqliteDatabase } from './sql/sqlite-database';

/** The raw SQLite connection: only migrations and SQLite-only tools use it; domain code takes a SqlDatabase. */
export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Path of the database file. */
  readonly file: string;
  /** 32 random bytes; the database cannot be read without them. */
  readonly key: Buffer;
  readonly readonly?: boolean;
  /** Only for the migration harness: stop at this version. */
  readonly targetVersion?: number;
}

/** The desk's encrypted SQLite store. */
export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  return new SqliteDatabase(openSqliteConnection(options));
}

export function openSqliteConnection(options: OpenDatabaseOptions): Db {
  if (options.key.length !== 32) throw new AppError('DB_KEY_INVALID', 'La clé de la base de données est invalide.');
  if (!options.readonly) restrictToOwner(options.file);
  const db = new Database(options.file, { readonly: options.readonly ?? false });
  try {
    applyKey(db, options.key);
    // Reading the schema is the first access that needs the key: a wrong key fails here with SQLITE_NOTADB.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') {
      throw new AppError('DB_KEY_INVALID', 'La base de données ne peut pas être ouverte avec cette clé.', code);
    }
    throw e;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) migrate(db, options.targetVersion);
  return db;
}

/**
 * The database and its WAL and SHM files are the operator's only (0600): the file is created that way before
 * SQLite opens it (SQLite gives its -wal and -shm files the database file's mode), and files left more open by
 * an older version are tightened.
 */
function restrictToOwner(file: string): void {
  if (file === ':memory:' || file === '') return;
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
    } catch {
      // -wal and -shm exist only while a connection is open
    }
  }
}

function applyKey(db: Db, key: Buffer): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  // A raw 256-bit key skips the passphrase KDF: the key is random, not a password.
  db.pragma(`key = "x'${key.toString('hex')}'"`);
}
