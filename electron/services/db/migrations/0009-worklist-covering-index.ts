/**
 * The work list's snapshot reads a few short columns of every decision, but a decision row also carries its CDA and
 * DocumentReference (≈5 kB): reading those columns from the table reads and decrypts one page per decision. This
 * index holds exactly the columns the snapshot reads (worklist-queries.ts, `snapshotDecisions`), so the snapshot
 * scans it (≈100 bytes per decision) and never touches the big rows. PostgreSQL needs no such index: its big
 * columns are stored out of line (TOAST), its decision heap stays small.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const version = 9;
export const name = '0009-worklist-covering-index';

export function up(db: Database.Database): void {
  db.exec(`CREATE INDEX decision_worklist ON decision
             (id, person_id, id_decision, id_nat_decision, category_code, decision_date, validity_start, validity_end)`);
}
