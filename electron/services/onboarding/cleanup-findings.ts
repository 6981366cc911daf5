/**
 * Cleanup assistant before deployment (docs/functional-rules.md §9): duplicate notifications, expired
 * notifications of persons still waiting or in care, waiting lists out of date. Read-only: each finding proposes
 * an action the referent performs from the notification (nothing is changed here).
 */
import { displayOf, STATUT_UNITE } from '@shared/terminology/code-lists';
import {
  DEFAULT_STALE_DAYS,
  type CleanupFinding,
  type CleanupFindingKind,
  type CleanupReport,
} from '@shared/domain/onboarding';
import { UNIT_ENTERED, UNIT_OPEN, UNIT_WAITING } from '@shared/domain/referent-actions';
import { AppError } from '@shared/errors/app-error';
import { sqlList } from '../db/notification-store';
import type { SqlExecutor } from '../db/sql/sql-database';
import { daysBetween, normalise } from '../worklist/labels';

export const STALE_DAYS_SETTING = 'onboarding.cleanup.staleDays';

export async function readStaleDays(db: SqlExecutor): Promise<number> {
  const value = await db.value<string>('SELECT value FROM setting WHERE key = ?', [STALE_DAYS_SETTING]);
  const n = value === undefined ? NaN : Number(value);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_STALE_DAYS;
}

export async function writeStaleDays(db: SqlExecutor, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new AppError('INVALID_INPUT', 'Le seuil doit être un nombre de jours entre 1 et 3650.');
  }
  await db.run(
    'INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    [STALE_DAYS_SETTING, String(days)],
  );
}

interface Row {
  id: number;
  finess_eg: string;
  eg_name: string;
  esms_status: string;
  esms_status_date: string | null;
  created_at: string;
  decision_id: number;
  id_decision: string;
  category_code: string | null;
  validity_start: string | null;
  validity_end: string | null;
  person_id: number;
  ins: string | null;
  family_name: string;
  given_names: string;
  birth_date: string | null;
}

interface LineRow {
  notification_id: number;
  status: string;
  status_date: string;
  updated_at: string;
  unit_name: string;
}

const overlaps = (a: Row, b: Row) =>
  (a.validity_start ?? '0000') <= (b.validity_end ?? '9999') &&
  (b.validity_start ?? '0000') <= (a.validity_end ?? '9999');

export async function computeCleanup(
  db: SqlExecutor,
  options: { today: string; now: Date; staleDays?: number },
): Promise<CleanupReport> {
  // One consistent state for all the reads (a sync may be writing meanwhile).
  const { staleDays, rows, lines, renewedDecisions } = await db.transaction(
    async (tx) => ({
      staleDays: options.staleDays ?? (await readStaleDays(tx)),
      rows: await tx.all<Row>(
        `SELECT n.id, n.finess_eg, g.name AS eg_name, n.esms_status, n.esms_status_date, n.created_at,
           d.id AS decision_id, d.id_decision, d.category_code, d.validity_start, d.validity_end, p.id AS person_id,
           p.ins, p.family_name, p.given_names, p.birth_date
         FROM notification n JOIN decision d ON d.id = n.decision_id JOIN person p ON p.id = d.person_id
         JOIN geographic_entity g ON g.finess_eg = n.finess_eg
         WHERE n.terminated = 0 OR n.esms_status IN ('47', '51') OR EXISTS (
           SELECT 1 FROM unit_line l WHERE l.notification_id = n.id AND l.status IN (${sqlList(UNIT_OPEN)}))
         ORDER BY n.id`,
      ),
      lines: await tx.all<LineRow>(
        `SELECT l.notification_id, l.status, l.status_date, l.updated_at, u.name AS unit_name
         FROM unit_line l JOIN ror_unit u ON u.id = l.ror_unit_id ORDER BY l.id`,
      ),
      // Decisions renewed or revised by a later decision: their expiry is already handled.
      renewedDecisions: await tx.all<{ linked_id_decision: string }>(
        "SELECT linked_id_decision FROM decision_link WHERE kind IN ('renouvellement', 'revision')",
      ),
    }),
    { readOnly: true },
  );
  const linesOf = new Map<number, LineRow[]>();
  for (const l of lines) linesOf.set(l.notification_id, [...(linesOf.get(l.notification_id) ?? []), l]);
  const renewed = new Set(renewedDecisions.map((r) => r.linked_id_decision));
  const label = (r: Row) => `${r.family_name} ${r.given_names}`.trim();
  const findings: CleanupFinding[] = [];

  // 1. Duplicates: same person (same MDPH file, same INS, or same name and birth date) in the same EG, with the
  //    same decision number, or the same category over overlapping validity periods.
  const identity = (r: Row) =>
    r.ins ? `ins:${r.ins}` : r.birth_date ? `nom:${normalise(label(r))}|${r.birth_date}` : `p:${r.person_id}`;
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.finess_eg}|${identity(r)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const reported = new Set<string>();
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i];
        const b = group[j];
        if (!a || !b) continue;
        const sameDecision = a.id_decision === b.id_decision;
        const sameCategory = a.category_code !== null && a.category_code === b.category_code && overlaps(a, b);
        if (!sameDecision && !sameCategory) continue;
        if (!sameDecision && (renewed.has(a.id_decision) || renewed.has(b.id_decision))) continue;
        const pair = `${a.id}-${b.id}`;
        if (reported.has(pair)) continue;
        reported.add(pair);
        // Keep the one with local work, else the most recent; the other is the duplicate to close.
        const work = (r: Row) => (linesOf.get(r.id)?.length ?? 0) + (['39', '40'].includes(r.esms_status) ? 0 : 1);
        const [keep, drop] =
          work(a) > work(b) || (work(a) === work(b) && a.created_at > b.created_at) ? [a, b] : [b, a];
        findings.push({
          kind: 'doublon',
          notificationIds: [drop.id, keep.id],
          personLabel: label(a),
          finessEg: a.finess_eg,
          egName: a.eg_name,
          detail: sameDecision
            ? `Même décision (n° ${a.id_decision}) reçue deux fois pour la même personne`
            : `Deux décisions de même catégorie (${a.category_code ?? ''}) aux périodes qui se chevauchent (${
                a.validity_start ?? '?'
              } → ${a.validity_end ?? '?'} et ${b.validity_start ?? '?'} → ${b.validity_end ?? '?'})`,
          proposedAction:
            'Vérifier sur la notification papier ; garder la notification n° ' +
            `${keep.id} et retirer le doublon n° ${drop.id} de la liste d'attente (statut 180, motif 112 « Erreur ») ` +
            'ou le laisser sans suite s’il n’a aucune unité.',
        });
      }
    }
  }

  // 2. Expired notifications of persons still waiting or in care: ask the MDPH for a renewal.
  for (const r of rows) {
    if (!r.validity_end || r.validity_end >= options.today || renewed.has(r.id_decision)) continue;
    const own = linesOf.get(r.id) ?? [];
    const inCare = ['47', '51'].includes(r.esms_status) || own.some((l) => UNIT_ENTERED.includes(l.status));
    const waiting = own.filter((l) => UNIT_WAITING.includes(l.status));
    if (!inCare && waiting.length === 0) continue;
    findings.push({
      kind: 'notification-expiree',
      notificationIds: [r.id],
      personLabel: label(r),
      finessEg: r.finess_eg,
      egName: r.eg_name,
      detail: `Droits échus le ${r.validity_end} (${daysBetween(r.validity_end, options.today)} jours) alors que la personne est ${
        inCare ? 'accompagnée' : `en liste d'attente (${waiting.map((l) => l.unit_name).join(', ')})`
      }`,
      proposedAction: inCare
        ? 'Demander le renouvellement de l’orientation à la MDPH (la personne est accompagnée).'
        : "Demander le renouvellement à la MDPH, ou retirer de la liste d'attente (statut 180, motif 98 « Fin de validité de la notification »).",
    });
  }

  // 3. Waiting lists out of date: no status for `staleDays` days on a waiting unit line.
  for (const r of rows) {
    for (const l of linesOf.get(r.id) ?? []) {
      if (!UNIT_WAITING.includes(l.status)) continue;
      const last = [l.status_date, r.esms_status_date ?? ''].reduce((a, b) => (b > a ? b : a));
      const age = daysBetween(last, options.today);
      if (age < staleDays) continue;
      findings.push({
        kind: 'liste-attente-perimee',
        notificationIds: [r.id],
        personLabel: label(r),
        finessEg: r.finess_eg,
        egName: r.eg_name,
        detail: `Unité « ${l.unit_name} » : « ${displayOf(STATUT_UNITE, l.status) ?? l.status} » sans nouvelle depuis ${age} jours (depuis le ${last.slice(0, 10).split('-').reverse().join('/')})`,
        proposedAction:
          "Contacter la personne : confirmer sa demande (statut à jour) ou la retirer de la liste d'attente (« Retiré de la liste d'attente », motif « Volonté de l'usager »).",
      });
    }
  }

  const counts: Record<CleanupFindingKind, number> = {
    doublon: 0,
    'notification-expiree': 0,
    'liste-attente-perimee': 0,
  };
  for (const f of findings) counts[f.kind]++;
  return { computedAt: options.now.toISOString(), staleDays, findings, counts };
}
