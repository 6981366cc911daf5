import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `filePath` atomically: temp file created 0600 beside it, fsync, rename, fsync of the folder.
 * A crash leaves either the old or the new content, never a torn file (docs/architecture.md §6).
 */
export function writeFileAtomicSync(filePath: string, data: Buffer | string, mode = 0o600): void {
  const dir = dirname(filePath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tempPath = join(dir, `.${basename(filePath)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tempPath, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tempPath, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tempPath, filePath);
  } catch (e) {
    rmSync(tempPath, { force: true });
    throw e;
  }
  fsyncDirectory(dir);
}

function fsyncDirectory(dir: string): void {
  // Windows cannot open a directory for fsync; the rename is already durable enough there.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Runs async mutations one after the other (one queue per store), so read-modify-write never interleaves. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
