/**
 * Numbered migrations (docs/architecture.md §3): each file exports `version` and `up(db)`; progress is kept in
 * PRAGMA user_version; all pending steps run in one transaction; a database newer than the code is refused.
 * Never edit a shipped migration: add the next one.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '@shared/errors/app-error';
import * as m0001 from './0001-initial-schema';
import * as m0002 from './0002-sync-indexes';
import * as m0003 from './0003-decision-parsed-from-cda';
import * as m0004 from './0004-sync-item-failures';
import * as m0005 from './0005-journal-author';
import * as m0006 from './0006-row-version';
import * as m0007 from './0007-outbox-claims';
import * as m0008 from './0008-offline-actions';
import * as m0009 from './0009-worklist-covering-index';
import * as m0010 from './0010-worklist-list-stamp';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function assertMigrationsOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} porte la version ${m.version}, attendu ${i + 1}`);
  });
}

export function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Database.Database, targetVersion: number = SCHEMA_VERSION): void {
  assertMigrationsOrdered(MIGRATIONS);
  const from = currentVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new AppError(
      'DB_FROM_FUTURE',
      `Cette base de données a été créée par une version plus récente de Référent VT (schéma ${from}, ` +
        `cette version connaît le schéma ${SCHEMA_VERSION}). Mettez l'application à jour.`,
    );
  }
  const pending = MIGRATIONS.filter((m) => m.version > from && m.version <= targetVersion);
  if (pending.length === 0) return;
  try {
    db.transaction(() => {
      for (const m of pending) {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
    }).immediate();
  } catch (e) {
    throw new AppError(
      'DB_MIGRATION_FAILED',
      'La mise à jour de la base de données a échoué ; vos données sont intactes.',
      (e as Error).message,
    );
  }
}
