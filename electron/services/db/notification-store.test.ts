import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir } from '../testing/temp-dir';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { openDatabase, type Db } from './database';
import { notificationStore } from './notification-store';

const SERVICES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WRITE = /\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:notification|unit_line)\b/i;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

it('is the only module of the services that writes the notification and unit_line tables', () => {
  const writers = sourceFiles(SERVICES)
    .filter((file) => WRITE.test(fs.readFileSync(file, 'utf8')))
    .map((file) => path.relative(SERVICES, file));
  expect(writers).toEqual([path.join('db', 'notification-store.ts')]);
});

let tmp: ReturnType<typeof makeTempDir>;
let db: Db;
beforeEach(() => {
  tmp = makeTempDir();
  db = openDatabase({ file: path.join(tmp.dir, 's.db'), key: crypto.randomBytes(32) });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

it('keeps one request date per waiting: set by a 182 or given on arrival, kept after, restarted by a new 182', () => {
  seedWorklist(db, { count: 10, today: '2026-07-01' });
  const store = notificationStore(db);
  const id = db.prepare("SELECT id FROM notification WHERE esms_status = '39' LIMIT 1").pluck().get() as number;
  const [u, v] = db.prepare('SELECT id FROM ror_unit ORDER BY id LIMIT 2').pluck().all() as [number, number];
  const write = (unitId: number, status: string, statusDate: string, requestDate?: string) =>
    store.upsertUnitLine({
      notificationId: id,
      unitId,
      status,
      statusDate,
      motif: null,
      nowIso: `${statusDate}T10:00:00Z`,
      ...(requestDate ? { requestDate } : {}),
    });
  const requestDate = (unitId: number) => store.unitLines(id).find((l) => l.unitId === unitId)?.requestDate;

  write(u, '182', '2026-01-10');
  write(u, '183', '2026-02-01');
  write(u, '184', '2026-03-01', '2025-12-01');
  expect(requestDate(u)).toBe('2026-01-10');
  write(u, '180', '2026-04-01');
  write(u, '182', '2026-05-01');
  expect(requestDate(u)).toBe('2026-05-01');

  // A line that arrives past 182 (a renewal's carried line) keeps the date it is given, else its status date.
  write(v, '184', '2026-06-01', '2025-11-15');
  expect(requestDate(v)).toBe('2025-11-15');
  write(v, '185', '2026-06-10');
  expect(requestDate(v)).toBe('2025-11-15');
  write(v, '181', '2026-06-20');
  write(v, '184', '2026-06-25');
  expect(requestDate(v)).toBe('2026-06-25');
});
