import crypto from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/database';
import { makeTempDir } from '../testing/temp-dir';
import { Journal } from './journal';

let tmp: ReturnType<typeof makeTempDir>;
let db: Db;
beforeEach(() => {
  tmp = makeTempDir();
  db = openDatabase({ file: path.join(tmp.dir, 'j.db'), key: crypto.randomBytes(32) });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

it('records an action with when, what, which record and outcome, newest first, and filters', () => {
  let t = Date.parse('2026-11-25T10:00:00Z');
  const journal = new Journal(db, () => new Date((t += 1000)));
  journal.append({
    actor: 'utilisateur',
    action: 'Certificat importé',
    outcome: 'succès',
    recordType: 'certificat',
    recordId: 'AB:CD',
  });
  journal.append({ actor: 'synchronisation', action: 'Flux 1', outcome: 'échec', detail: 'Serveur indisponible' });
  const all = journal.list({ limit: 10 });
  expect(all.map((e) => e.action)).toEqual(['Flux 1', 'Certificat importé']);
  expect(all[1]).toMatchObject({
    actor: 'utilisateur',
    recordType: 'certificat',
    recordId: 'AB:CD',
    outcome: 'succès',
    at: '2026-11-25T10:00:01.000Z',
  });
  expect(journal.list({ limit: 10, outcome: 'échec' }).map((e) => e.action)).toEqual(['Flux 1']);
  expect(journal.list({ limit: 10, beforeId: all[0]!.id }).map((e) => e.action)).toEqual(['Certificat importé']);
});
