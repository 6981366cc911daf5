import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import { makeTempDir } from '../testing/temp-dir';
import { openDatabase, openSqliteConnection } from './database';
import { MIGRATIONS, SCHEMA_VERSION, currentVersion } from './migrations';

let tmp: ReturnType<typeof makeTempDir>;
let file: string;
const key = crypto.randomBytes(32);

beforeEach(() => {
  tmp = makeTempDir();
  file = path.join(tmp.dir, 'test.db');
});
afterEach(() => tmp.cleanup());

describe('encrypted database', () => {
  it('creates the database, WAL and SHM files 0600, and tightens older ones', async () => {
    const db = openDatabase({ file, key });
    await db.run("INSERT INTO setting (key, value) VALUES ('k', 'v')");
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(fs.statSync(f).mode & 0o777, f).toBe(0o600);
    await db.close();
    fs.chmodSync(file, 0o644);
    await openDatabase({ file, key }).close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('cannot be opened without its key, nor with another key, nor by plain SQLite', async () => {
    const db = openDatabase({ file, key });
    await db.run("INSERT INTO setting (key, value) VALUES ('marqueur', 'TESTFICTIF-CONFIDENTIEL')");
    await db.close();

    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes(Buffer.from('TESTFICTIF-CONFIDENTIEL'))).toBe(false);

    expect(() => openDatabase({ file, key: crypto.randomBytes(32) })).toThrow(AppError);
    try {
      openDatabase({ file, key: crypto.randomBytes(32) });
    } catch (e) {
      expect((e as AppError).code).toBe('DB_KEY_INVALID');
    }
    const plain = new Database(file);
    expect(() => plain.prepare('SELECT * FROM setting').all()).toThrow(/not a database/);
    plain.close();

    const reopened = openDatabase({ file, key });
    expect(await reopened.value("SELECT value FROM setting WHERE key = 'marqueur'")).toBe('TESTFICTIF-CONFIDENTIEL');
    await reopened.close();
  });

  it('uses WAL and foreign keys', () => {
    const db = openSqliteConnection({ file, key });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});

describe('migrations', () => {
  it('are numbered in order and bring a new database to the code version', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
    const db = openSqliteConnection({ file, key });
    expect(currentVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuse a database created by a newer version, and leave it untouched', () => {
    const db = openSqliteConnection({ file, key });
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    let error: unknown;
    try {
      openSqliteConnection({ file, key });
    } catch (e) {
      error = e;
    }
    expect((error as AppError).code).toBe('DB_FROM_FUTURE');
    expect((error as AppError).message).toMatch(/version plus récente/);
  });

  // The harness: build at N-1, insert data, migrate to N, check. Each later migration adds its case here.
  it.each(MIGRATIONS.map((m) => [m.name, m.version] as const))(
    '%s applies on top of the previous version',
    (_name, version) => {
      const db = openSqliteConnection({ file, key, targetVersion: version - 1 });
      expect(currentVersion(db)).toBe(version - 1);
      db.close();
      const migrated = openSqliteConnection({ file, key, targetVersion: version });
      expect(currentVersion(migrated)).toBe(version);
      const tables = migrated.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['notification', 'outbox', 'journal']));
      migrated.close();
    },
  );

  it('0003 drops the stored parse of each decision and keeps the decision with its CDA', () => {
    const db = openSqliteConnection({ file, key, targetVersion: 2 });
    const person = db
      .prepare(
        `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at)
         VALUES ('1.2.250.1.213.7.1', 'IND-FICTIF', 'TESTFICTIF', 'Fictif', '', '2026-01-01')`,
      )
      .run().lastInsertRowid;
    db.prepare(
      `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
         parsed_json, raw_resource_json, raw_cda, received_at)
       VALUES ('NAT-1', 'DEC-1', ?, 'dr-1', '1', '{"ancien":true}', '{}', '<ClinicalDocument/>', '2026-01-01')`,
    ).run(person);
    db.close();
    const migrated = openSqliteConnection({ file, key, targetVersion: 3 });
    const columns = migrated.prepare("SELECT name FROM pragma_table_info('decision')").pluck().all();
    expect(columns).not.toContain('parsed_json');
    expect(migrated.prepare('SELECT id_decision, raw_cda FROM decision').get()).toEqual({
      id_decision: 'DEC-1',
      raw_cda: '<ClinicalDocument/>',
    });
    migrated.close();
  });

  it('serves the work-list query from its index', () => {
    const db = openSqliteConnection({ file, key });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM notification WHERE finess_eg = ? AND terminated = 0 AND esms_status = '39'",
      )
      .all('010000011') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX notification_worklist/);
    db.close();
  });
});
