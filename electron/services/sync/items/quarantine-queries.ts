/**
 * What the Synchronisation screen shows and lets the referent do about refused items: the list ("quarantaine" and
 * "à relire"), "Relire maintenant" (due at once; the caller starts a sync), "Importer quand même" (only items whose
 * sole defects are in the harmless list), and the periods possibly missing after a long time offline.
 */
import type { QuarantineItemDto, QuarantineKind, SyncGapDto } from '@shared/domain/sync';
import { AppError } from '@shared/errors/app-error';
import { inTransaction, type Db } from '../../db/database';
import type { SdoContext } from '../../fhir';
import { checkDecisionResource, storeDecisionRead } from '../pull/decision-pull';
import { isItemFailure } from './item-failure';
import { markForRereadNow, readSyncLimits } from './item-store';

interface Row {
  id: number;
  kind: QuarantineKind;
  finess_eg: string | null;
  flow: string;
  resource_id: string | null;
  rule: string;
  reason: string;
  diagnostics: string | null;
  created_at: string;
  last_seen_at: string | null;
  attempts: number;
  next_attempt_at: string | null;
  importable: number;
}

const COLUMNS = `id, kind, finess_eg, flow, resource_id, rule, reason, diagnostics, created_at, last_seen_at, attempts,
  next_attempt_at, importable`;

function toDto(r: Row): QuarantineItemDto {
  return {
    id: r.id,
    kind: r.kind,
    finessEg: r.finess_eg,
    flow: r.flow,
    resourceId: r.resource_id,
    rule: r.rule,
    reason: r.reason,
    diagnostics: r.diagnostics,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at ?? r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    importable: r.importable === 1,
  };
}

export function listQuarantine(db: Db, limit: number): QuarantineItemDto[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM quarantine WHERE resolved_at IS NULL ORDER BY last_seen_at DESC, id DESC LIMIT ?`)
    .all(limit) as Row[];
  return rows.map(toDto);
}

export function getQuarantineItem(db: Db, id: number): QuarantineItemDto {
  const row = db.prepare(`SELECT ${COLUMNS} FROM quarantine WHERE id = ? AND resolved_at IS NULL`).get(id) as
    Row | undefined;
  if (!row) throw new AppError('NOT_FOUND', 'Cet élément n’est plus en attente (déjà relu ou importé).');
  return toDto(row);
}

/** "Relire maintenant": the item is read again by the next sync, which the caller starts. */
export function rereadNow(db: Db, id: number): QuarantineItemDto {
  const item = getQuarantineItem(db, id);
  if (!markForRereadNow(db, id)) {
    throw new AppError('ACTION_NOT_ALLOWED', 'Cet élément ne peut pas être relu depuis ViaTrajectoire.');
  }
  return { ...item, kind: 'à relire', nextAttemptAt: null };
}

/**
 * "Importer quand même", after the referent's confirmation: the DocumentReference kept aside is checked again, and
 * stored only if every defect is in the harmless list (identity, type, CDA and size defects are never let through).
 */
export function importAnyway(
  db: Db,
  id: number,
  options: { sdo: SdoContext; now: Date },
): { item: QuarantineItemDto; idNatDecision: string } {
  const item = getQuarantineItem(db, id);
  const raw = db.prepare('SELECT raw FROM quarantine WHERE id = ?').pluck().get(id) as string | null;
  if (!item.importable || item.flow !== 'flux1' || !item.resourceId || !item.finessEg || raw === null) {
    throw new AppError(
      'ACTION_NOT_ALLOWED',
      'Cet élément ne peut pas être importé : son défaut peut changer le sens de la décision. Demandez à la MDPH de la republier.',
    );
  }
  const checked = checkDecisionResource(
    JSON.parse(raw),
    item.resourceId,
    { sdo: options.sdo, limits: readSyncLimits(db) },
    true,
  );
  if (isItemFailure(checked)) {
    throw new AppError('ACTION_NOT_ALLOWED', `Import impossible : ${checked.reason}`, checked.rule);
  }
  const finessEg = item.finessEg;
  inTransaction(db, () =>
    storeDecisionRead({ db }, finessEg, checked, options.now.toISOString(), 'importée quand même'),
  );
  return { item, idNatDecision: checked.idNat };
}

export function listGaps(db: Db): SyncGapDto[] {
  return (
    db
      .prepare(
        `SELECT id, finess_eg, flow, missing_from, missing_to, detected_at FROM sync_gap WHERE dismissed_at IS NULL
         ORDER BY id`,
      )
      .all() as {
      id: number;
      finess_eg: string;
      flow: 'flux1' | 'flux5';
      missing_from: string;
      missing_to: string;
      detected_at: string;
    }[]
  ).map((g) => ({
    id: g.id,
    finessEg: g.finess_eg,
    flow: g.flow,
    missingFrom: g.missing_from,
    missingTo: g.missing_to,
    detectedAt: g.detected_at,
  }));
}

/** The referent has recovered the period (or checked nothing is missing): the notice goes. */
export function dismissGap(db: Db, id: number, nowIso: string): void {
  const changes = db
    .prepare('UPDATE sync_gap SET dismissed_at = ? WHERE id = ? AND dismissed_at IS NULL')
    .run(nowIso, id).changes;
  if (changes === 0) throw new AppError('NOT_FOUND', 'Cet avertissement a déjà été traité.');
}
