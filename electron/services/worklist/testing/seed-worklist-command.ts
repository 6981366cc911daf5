/**
 * Seeds a running host's database with the fake work load (e2e fallback and UI bench).
 * Usage: tsx electron/services/worklist/testing/seed-worklist-command.ts --data <environment dir> --count <n> [--today YYYY-MM-DD]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/database';
import { seedWorklist } from './worklist-seed';

const { values } = parseArgs({
  options: { data: { type: 'string' }, count: { type: 'string', default: '30' }, today: { type: 'string' } },
});
if (!values.data) throw new Error('--data est obligatoire');
const file = path.join(values.data, 'referent-vt.db');
const key = Buffer.from(fs.readFileSync(`${file}.key`, 'utf8').trim(), 'base64');

async function main(): Promise<void> {
  const db = openDatabase({ file, key });
  const today = values.today ?? new Date().toISOString().slice(0, 10);
  const started = performance.now();
  const { notificationIds } = await seedWorklist(db, { count: Number(values.count), today });
  await db.close();
  process.stdout.write(
    JSON.stringify({ seeded: notificationIds.length, ms: Math.round(performance.now() - started) }) + '\n',
  );
}

// A package without "type": "module" runs this as CommonJS: no top-level await.
void main();
