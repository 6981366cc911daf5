/**
 * What the Synchronisation screen shows and lets the referent do about refused items: the list ("quarantaine" and
 * "à relire"), "Relire maintenant" (due at once; the caller starts a sync), "Importer quand même" (only items whose
 * sole defects are in the harmless list), and the periods possibly missing after a long time offline.
 */
import type { QuarantineItemDto, QuarantineKind, SyncGapDto } from '@shared/domain/sync';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase, SqlExecutor } from '../../db/sql/sql-database';
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

export async function listQuarantine(db: SqlExecutor, limit: number): Promise<QuarantineItemDto[]> {
  const rows = await db.all<Row>(
    `SELECT ${COLUMNS} FROM quarantine WHERE resolved_at IS NULL ORDER BY last_seen_at DESC, id DESC LIMIT ?`,
    [limit],
  );
  return rows.map(toDto);
}

export async function getQuarantineItem(db: SqlExecutor, id: number): Promise<QuarantineItemDto> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM quarantine WHERE id = ? AND resolved_at IS NULL`, [id]);
  if (!row) throw new AppError('NOT_FOUND', 'Cet élément n’est plus en attente (déjà relu ou importé).');
  return toDto(row);
}

/** "Relire maintenant": the item is read again by the next sync, which the caller starts. */
export async function rereadNow(db: SqlExecutor, id: number): Promise<QuarantineItemDto> {
  const item = await getQuarantineItem(db, id);
  if (!(await markForRereadNow(db, id))) {
    throw new AppError('ACTION_NOT_ALLOWED', 'Cet élément ne peut pas être relu depuis ViaTrajectoire.');
  }
  return { ...item, kind: 'à relire', nextAttemptAt: null };
}

/**
 * "Importer quand même", after the referent's confirmation: the DocumentReference kept aside is checked again, and
 * stored only if every defect is in the harmless list (identity, type, CDA and size defects are never let through).
 */
export async function importAnyway(
  db: SqlDatabase,
  id: number,
  options: { sdo: SdoContext; now: Date },
): Promise<{ item: QuarantineItemDto; idNatDecision: string }> {
  const item = await getQuarantineItem(db, id);
  const raw = (await db.value<string | null>('SELECT raw FROM quarantine WHERE id = ?', [id])) ?? null;
  if (!item.importable || item.flow !== 'flux1' || !item.resourceId || !item.finessEg || raw === null) {
    throw new AppError(
      'ACTION_NOT_ALLOWED',
      'Cet élément ne peut pas être importé : son défaut peut changer le sens de la décision. Demandez à la MDPH de la republier.',
    );
  }
  const checked = checkDecisionResource(
    JSON.parse(raw),
    item.resourceId,
    { sdo: options.sdo, limits: await readSyncLimits(db) },
    true,
  );
  if (isItemFailure(checked)) {
    throw new AppError('ACTION_NOT_ALLOWED', `Import impossible : ${checked.reason}`, checked.rule);
  }
  const finessEg = item.finessEg;
  await db.transaction((tx) =>
    storeDecisionRead(tx, finessEg, checked, options.now.toISOString(), 'importée quand même'),
  );
  return { item, idNatDecision: checked.idNat };
}

export async function listGaps(db: SqlExecutor): Promise<SyncGapDto[]> {
  const gaps = await db.all<{
    id: number;
    finess_eg: string;
    flow: 'flux1' | 'flux5';
    missing_from: string;
    missing_to: string;
    detected_at: string;
  }>(
    `SELECT id, finess_eg, flow, missing_from, missing_to, detected_at FROM sync_gap WHERE dismissed_at IS NULL
     ORDER BY id`,
  );
  return gaps.map((g) => ({
    id: g.id,
    finessEg: g.finess_eg,
    flow: g.flow,
    missingFrom: g.missing_from,
    missingTo: g.missing_to,
    detectedAt: g.detected_at,
  }));
}

/** The referent has recovered the period (or checked nothing is missing): the notice goes. */
export async function dismissGap(db: SqlExecutor, id: number, nowIso: string): Promise<void> {
  const { changes } = await db.run('UPDATE sync_gap SET dismissed_at = ? WHERE id = ? AND dismissed_at IS NULL', [
    nowIso,
    id,
  ]);
  if (changes === 0) throw new AppError('NOT_FOUND', 'Cet avertissement a déjà été traité.');
}
