/**
 * `tsx bench/touch-notifications.ts --data <environment dir> --count N`: changes N notifications of a host's
 * database from another process, as a sync that finds a few new statuses does (bench:ui's "after a small change").
 * Marks them à traiter (or clears the mark) and prints one JSON line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../electron/services/db/database';

const { values } = parseArgs({ options: { data: { type: 'string' }, count: { type: 'string', default: '20' } } });
if (!values.data) throw new Error('--data est obligatoire');
const file = path.join(values.data, 'referent-vt.db');
const key = Buffer.from(fs.readFileSync(`${file}.key`, 'utf8').trim(), 'base64');

async function main(): Promise<void> {
  const db = openDatabase({ file, key });
  try {
    const now = new Date().toISOString();
    const ids = await db.all<{ id: number }>('SELECT id FROM notification ORDER BY id DESC LIMIT ?', [
      Number(values.count),
    ]);
    await db.transaction(async (tx) => {
      for (const { id } of ids) {
        await tx.run(
          `UPDATE notification SET a_traiter = 1 - a_traiter,
             a_traiter_reason = CASE WHEN a_traiter = 1 THEN NULL ELSE 'Banc d’essai' END, updated_at = ? WHERE id = ?`,
          [now, id],
        );
      }
    });
    process.stdout.write(JSON.stringify({ touched: ids.length }) + '\n');
  } finally {
    await db.close();
  }
}

// A package without "type": "module" runs this as CommonJS: no top-level await.
void main();
