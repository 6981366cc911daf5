/**
 * Waiting lists per ROR unit: people in 182/183/184, oldest request first, with waiting time and the decision's
 * priority (caractérisation); and their CSV export (French headers, `;`, UTF-8 BOM, CRLF: what Excel in French opens).
 */
import type { WaitingEntry, WaitingListUnit } from '@shared/domain/worklist';
import { orientationLabel } from '@shared/terminology/code-lists';
import type { SqlExecutor } from '../db/sql/sql-database';
import { csvDocument } from '../export/csv';
import { daysBetween, displayFamilyName, unitStatusLabel } from './labels';
import { UNIT_WAITING, isFinished } from '@shared/domain/referent-actions';

export interface WaitingFilter {
  readonly finessEg?: string | undefined;
  readonly unitId?: number | undefined;
  readonly status?: string | undefined;
  readonly category?: string | undefined;
}

interface EntryRecord {
  notification_id: number;
  ror_unit_id: number;
  family_name: string;
  used_family_name: string | null;
  given_names: string;
  birth_date: string | null;
  mdph_individual_id: string;
  id_decision: string;
  status: string;
  request_date: string | null;
  status_date: string;
  priority_level: string | null;
  category_code: string | null;
  validity_end: string | null;
  esms_status: string;
}

export async function listWaitingLists(
  db: SqlExecutor,
  filter: WaitingFilter,
  today: string,
): Promise<WaitingListUnit[]> {
  const unitWhere = ['g.local_activated = 1'];
  const unitParams: unknown[] = [];
  if (filter.finessEg) {
    unitWhere.push('r.finess_eg = ?');
    unitParams.push(filter.finessEg);
  }
  if (filter.unitId !== undefined) {
    unitWhere.push('r.id = ?');
    unitParams.push(filter.unitId);
  }
  const units = await db.all<{ id: number; name: string; id_ror: string; finess_eg: string; eg_name: string }>(
    `SELECT r.id, r.name, r.id_ror, r.finess_eg, g.name AS eg_name FROM ror_unit r
       JOIN geographic_entity g ON g.finess_eg = r.finess_eg WHERE ${unitWhere.join(' AND ')}
      ORDER BY g.name, r.name, r.id`,
    unitParams,
  );
  const statuses = filter.status ? [filter.status] : UNIT_WAITING;
  const entryParams: unknown[] = [...statuses];
  let categoryClause = '';
  if (filter.category) {
    categoryClause = 'AND d.category_code = ?';
    entryParams.push(filter.category);
  }
  const records = await db.all<EntryRecord>(
    `SELECT u.notification_id, u.ror_unit_id, p.family_name, p.used_family_name, p.given_names, p.birth_date,
            p.mdph_individual_id, d.id_decision, u.status, u.request_date, u.status_date, d.priority_level,
            d.category_code, d.validity_end, n.esms_status
       FROM unit_line u
       JOIN notification n ON n.id = u.notification_id
       JOIN decision d ON d.id = n.decision_id
       JOIN person p ON p.id = d.person_id
      WHERE u.status IN (${statuses.map(() => '?').join(',')}) ${categoryClause}`,
    entryParams,
  );
  const byUnit = new Map<number, WaitingEntry[]>();
  for (const r of records) {
    // A finished notification (cancelled by the MDPH…) is not on a waiting list any more, whatever its last unit status.
    if (
      isFinished({ esmsStatus: r.esms_status, unitLines: [{ unitId: r.ror_unit_id, status: r.status }] }, null, today)
    ) {
      continue;
    }
    const requestDate = r.request_date ?? r.status_date;
    const list = byUnit.get(r.ror_unit_id) ?? [];
    list.push({
      notificationId: r.notification_id,
      familyName: displayFamilyName(r.family_name, r.used_family_name),
      givenNames: r.given_names,
      birthDate: r.birth_date,
      mdphIndividualId: r.mdph_individual_id,
      idDecision: r.id_decision,
      status: r.status,
      statusLabel: unitStatusLabel(r.status) ?? r.status,
      requestDate,
      waitingDays: Math.max(0, daysBetween(requestDate, today)),
      priority: r.priority_level,
      category: r.category_code,
      categoryLabel: orientationLabel(r.category_code),
      validityEnd: r.validity_end,
    });
    byUnit.set(r.ror_unit_id, list);
  }
  return units.map((u) => {
    const entries = (byUnit.get(u.id) ?? []).sort(
      (a, b) => a.requestDate.localeCompare(b.requestDate) || a.notificationId - b.notificationId,
    );
    return {
      unitId: u.id,
      unitName: u.name,
      idRor: u.id_ror,
      finessEg: u.finess_eg,
      egName: u.eg_name,
      entries,
      meanWaitingDays:
        entries.length === 0 ? null : Math.round(entries.reduce((s, e) => s + e.waitingDays, 0) / entries.length),
    };
  });
}

const frDate = (iso: string | null) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : '');

export const WAITING_CSV_HEADERS = [
  'Établissement',
  'Unité',
  'Identifiant ROR',
  'Nom',
  'Prénoms',
  'Date de naissance',
  'N° individu MDPH',
  'N° de décision',
  'Statut',
  'Date de la demande',
  'Attente (jours)',
  'Priorité',
  "Catégorie d'orientation",
  'Fin de validité',
] as const;

export function waitingListsCsv(units: readonly WaitingListUnit[]): { content: string; rows: number } {
  const rows = units.flatMap((u) =>
    u.entries.map((e) => [
      u.egName,
      u.unitName,
      u.idRor,
      e.familyName,
      e.givenNames,
      frDate(e.birthDate),
      e.mdphIndividualId,
      e.idDecision,
      e.statusLabel,
      frDate(e.requestDate),
      e.waitingDays,
      e.priority,
      e.categoryLabel,
      frDate(e.validityEnd),
    ]),
  );
  return { content: csvDocument(WAITING_CSV_HEADERS, rows), rows: rows.length };
}
