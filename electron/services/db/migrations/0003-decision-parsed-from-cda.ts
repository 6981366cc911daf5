/**
 * decision.parsed_json duplicated what raw_cda already holds (a third of each decision's bytes, encrypted and
 * written twice through the WAL): the decision is now read from its CDA when a screen needs it.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 3;
export const name = '0003-decision-parsed-from-cda';

export function up(db: Database.Database): void {
  db.exec('ALTER TABLE decision DROP COLUMN parsed_json');
}
