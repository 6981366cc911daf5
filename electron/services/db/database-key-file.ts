/**
 * Outside Electron the database key lives in a key file next to the database, readable only by the user
 * (decisions.md §2). Under Electron the same 32 bytes are wrapped with safeStorage by the main process.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AppError } from '@shared/errors/app-error';

export function getOrCreateDatabaseKeyFile(keyFile: string): Buffer {
  if (fs.existsSync(keyFile)) {
    const key = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'hex');
    if (key.length !== 32)
      throw new AppError('DB_KEY_INVALID', 'Le fichier de clé de la base de données est illisible.');
    return key;
  }
  const key = crypto.randomBytes(32);
  const temp = `${keyFile}.${process.pid}.tmp`;
  fs.writeFileSync(temp, key.toString('hex'), { mode: 0o600 });
  fs.renameSync(temp, keyFile);
  return key;
}
