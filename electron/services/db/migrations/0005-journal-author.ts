/**
 * Who acted, per journal entry (issue 14): in organisation mode PostgreSQL fills it with the connected role; the
 * desk's own database leaves it empty (one referent per desk), and the column keeps both schemas alike.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 5;
export const name = '0005-journal-author';

export function up(db: Database.Database): void {
  db.exec('ALTER TABLE journal ADD COLUMN author TEXT');
}
