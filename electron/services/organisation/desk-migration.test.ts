/**
 * Desk → organisation migration: a desk of 2,000 decisions with statuses and outbox moves into the organisation's
 * store and both sides are then compared row by row (through their natural keys: ids differ by design); a second
 * run moves nothing; a second desk's overlapping data merges (idNat_Decision), its conflicts are listed and refused
 * until accepted. The organisation's store runs on every test backend; the desk is always its SQLite.
 */
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeskMigrationReport } from '@shared/ipc/channels/organisation-channels';
import type { SqlDatabase, SqlExecutor } from '../db/sql/sql-database';
import { notificationStore } from '../db/notification-store';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { CONFLICT_REASON_PREFIX, migrateDesk } from './desk-migration';
import { seedDesk } from './testing/desk-fixture';

/**
 * Each table as the referent knows it: ids replaced by what they point to (idNat_Decision, FINESS, ROR id, client
 * identifier), one hash per row, sorted. Equal canonical forms = the same data, whatever ids each side gave.
 */
const CANONICAL: Record<string, string> = {
  legal_entity: 'SELECT finess_ej, name, vt_activated, token_checked_at FROM legal_entity',
  geographic_entity:
    'SELECT finess_eg, finess_ej, name, vt_activated, local_activated, vt_seen_at FROM geographic_entity',
  ror_unit: `SELECT finess_eg, id_ror, name, categorie_organisation, temporalite_accueil, accueil_sequentiel,
      mode_prise_charge, origin, locally_edited, remote_json, updated_at FROM ror_unit`,
  person: `SELECT mdph_oid, mdph_individual_id, ins, ins_oid, family_name, used_family_name, given_names, gender,
      birth_date, birth_date_raw, search_text, updated_at FROM person`,
  decision: `SELECT d.id_nat_decision, d.id_decision, d.id_decision_root, p.mdph_oid, p.mdph_individual_id,
      d.document_reference_id, d.version_number, d.type_decision, d.nature_droit, d.decision_date,
      d.closure_effective_date, d.category_code, d.qualification, d.validity_start, d.validity_end, d.priority_level,
      d.reprise, d.raw_resource_json, d.raw_cda, d.server_last_updated, d.received_at
      FROM decision d JOIN person p ON p.id = d.person_id`,
  decision_link: `SELECT d.id_nat_decision, l.linked_id_decision, l.linked_root, l.kind
      FROM decision_link l JOIN decision d ON d.id = l.decision_id`,
  notification: `SELECT d.id_nat_decision, n.finess_eg, n.esms_status, n.esms_status_date, n.a_traiter,
      n.a_traiter_reason, n.terminated, n.created_at, n.updated_at
      FROM notification n JOIN decision d ON d.id = n.decision_id`,
  unit_line: `SELECT d.id_nat_decision, n.finess_eg, u.id_ror, l.status, l.status_date, l.motif, l.request_date,
      l.updated_at FROM unit_line l JOIN notification n ON n.id = l.notification_id
      JOIN decision d ON d.id = n.decision_id JOIN ror_unit u ON u.id = l.ror_unit_id`,
  status_event: `SELECT d.id_nat_decision, n.finess_eg, e.origin, e.task_id, e.client_identifier, e.emitter_id_nat,
      e.statut_esms, e.motif_esms, e.date_statut_esms, e.id_unite, e.statut_unite, e.motif_unite,
      e.date_statut_unite, e.description, e.server_last_updated, e.created_at
      FROM status_event e JOIN notification n ON n.id = e.notification_id JOIN decision d ON d.id = n.decision_id`,
  outbox: `SELECT o.kind, d.id_nat_decision, e.client_identifier AS event_client, o.finess_eg, o.client_identifier,
      o.payload_json, o.state, o.attempts, o.next_attempt_at, o.last_error_json, o.server_id, o.created_at, o.sent_at
      FROM outbox o LEFT JOIN notification n ON n.id = o.notification_id LEFT JOIN decision d ON d.id = n.decision_id
      LEFT JOIN status_event e ON e.id = o.status_event_id`,
  consent: `SELECT d.id_nat_decision, c.finess_eg, c.collected_on, o.client_identifier, c.created_at
      FROM consent c JOIN decision d ON d.id = c.decision_id LEFT JOIN outbox o ON o.id = c.outbox_id`,
  evaluation: `SELECT d.id_nat_decision, v.finess_eg, v.parsed_json, v.raw_cda, v.fetched_at
      FROM evaluation v JOIN decision d ON d.id = v.decision_id`,
  sync_cursor: 'SELECT finess_eg, flow, cursor, updated_at FROM sync_cursor',
  sync_gap: 'SELECT finess_eg, flow, missing_from, missing_to, detected_at, dismissed_at FROM sync_gap',
  quarantine: `SELECT finess_eg, flow, resource_id, reason, raw, created_at, resolved_at, kind, rule, diagnostics,
      attempts, last_seen_at, next_attempt_at, importable, resolution FROM quarantine`,
  // A notification's journal entries name it by id: compared through what the id points to.
  journal: `SELECT j.at, j.actor, j.action, j.record_type, j.outcome, j.detail,
      CASE WHEN j.record_type = 'notification' THEN d.id_nat_decision || '/' || n.finess_eg ELSE j.record_id END
        AS record
      FROM journal j LEFT JOIN notification n ON j.record_type = 'notification' AND CAST(n.id AS TEXT) = j.record_id
      LEFT JOIN decision d ON d.id = n.decision_id
      WHERE j.action <> 'Migration d’un poste vers l’organisation'`,
};

const norm = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'bigint' ? String(v) : v);

async function canonical(db: SqlExecutor, table: string): Promise<string[]> {
  const rows = await db.all<Record<string, unknown>>(CANONICAL[table] ?? '');
  return rows
    .map((r) =>
      crypto
        .createHash('sha256')
        .update(JSON.stringify(Object.values(r).map(norm)))
        .digest('hex'),
    )
    .sort();
}

async function canonicalAll(db: SqlExecutor): Promise<Record<string, string[]>> {
  const all: Record<string, string[]> = {};
  for (const table of Object.keys(CANONICAL)) all[table] = await canonical(db, table);
  return all;
}

const countOf = async (db: SqlExecutor, sql: string, params: unknown[] = []): Promise<number> =>
  Number(await db.value(sql, params));

const movedOf = (report: DeskMigrationReport, table: string) => report.tables.find((t) => t.table === table);

const NOW = () => new Date('2026-07-01T07:00:00.000Z');

describe.each(TEST_BACKENDS)('desk → organisation migration (organisation on %s)', (backend) => {
  let deskA: TestStore;
  let deskB: TestStore;
  let organisation: TestStore;

  beforeEach(async () => {
    deskA = await openTestStore('sqlite');
    deskB = await openTestStore('sqlite');
    organisation = await openTestStore(backend);
  });
  afterEach(async () => {
    await Promise.all([deskA.close(), deskB.close(), organisation.close()]);
  });

  it('moves a desk of 2,000 decisions with statuses and outbox, row for row, once', async () => {
    await seedDesk(deskA.db, { count: 2000, contactEvery: 3 });
    const desk = await canonicalAll(deskA.db);
    expect(desk.decision).toHaveLength(2000);
    expect(desk.status_event?.length).toBeGreaterThan(300);
    expect(desk.outbox?.length).toBeGreaterThan(100);

    const dryRun = await migrateDesk(deskA.db, organisation.db, { dryRun: true, now: NOW });
    expect(dryRun).toMatchObject({ dryRun: true, applied: false, mergedDecisions: 0, conflicts: [] });
    for (const table of Object.keys(CANONICAL)) {
      expect(movedOf(dryRun, table), table).toMatchObject({ desk: desk[table]?.length, moved: desk[table]?.length });
    }
    // The dry run changed nothing.
    expect(await countOf(organisation.db, 'SELECT count(*) FROM decision')).toBe(0);
    expect(await countOf(organisation.db, 'SELECT count(*) FROM journal')).toBe(0);

    const result = await migrateDesk(deskA.db, organisation.db, { dryRun: false, now: NOW });
    expect(result).toMatchObject({ applied: true, conflicts: [] });
    expect(result.tables).toEqual(dryRun.tables);

    const moved = await canonicalAll(organisation.db);
    for (const table of Object.keys(CANONICAL)) expect(moved[table], table).toEqual(desk[table]);
    // The outbox still points at the very status it reports, through the organisation's ids.
    expect(
      await countOf(
        organisation.db,
        `SELECT count(*) FROM outbox o JOIN status_event e ON e.id = o.status_event_id
          WHERE e.notification_id <> o.notification_id`,
      ),
    ).toBe(0);
    expect(
      await countOf(
        organisation.db,
        "SELECT count(*) FROM journal WHERE action = 'Migration d’un poste vers l’organisation'",
      ),
    ).toBe(1);

    // Twice: nothing new.
    const again = await migrateDesk(deskA.db, organisation.db, { dryRun: false, now: NOW });
    expect(again.tables.every((t) => t.moved === 0 && t.alreadyThere === t.desk)).toBe(true);
    expect(again.mergedDecisions).toBe(2000);
    expect(await canonicalAll(organisation.db)).toEqual(moved);
  });

  it('merges a second desk by idNat_Decision: statuses of both kept in date order, conflicts listed', async () => {
    await seedDesk(deskA.db, { count: 120, contactEvery: 2 });
    // Desk B pulled the same first 60 decisions (same fake seed), plus 20 of its own; its referent acted a day later.
    await seedDesk(deskB.db, { count: 60, contactEvery: 4, actionsAt: '2026-06-30T10:00:00.000Z' });
    await seedDesk(deskB.db, { count: 20, seed: 99, contactEvery: 100 });
    expect(await migrateDesk(deskA.db, organisation.db, { dryRun: false, now: NOW })).toMatchObject({ applied: true });

    // Three kinds of overlap on B: a status where A never acted (news, no conflict), another ESMS status where A
    // recorded one (conflict), another unit status on a shared waiting-list line (conflict).
    const shared = await deskB.db.all<{ id: number; id_nat_decision: string; esms_status: string }>(
      `SELECT n.id, d.id_nat_decision, n.esms_status FROM notification n JOIN decision d ON d.id = n.decision_id
        ORDER BY n.id LIMIT 60`,
    );
    const statusInOrganisation = async (idNat: string) =>
      organisation.db.value<string>(
        'SELECT n.esms_status FROM notification n JOIN decision d ON d.id = n.decision_id WHERE d.id_nat_decision = ?',
        [idNat],
      );
    let untouchedInOrganisation: (typeof shared)[number] | undefined;
    let contactedInOrganisation: (typeof shared)[number] | undefined;
    for (const n of shared) {
      const there = await statusInOrganisation(n.id_nat_decision);
      if (there === '39' && n.esms_status === '39' && !untouchedInOrganisation) untouchedInOrganisation = n;
      if (there === '41' && n.esms_status === '39' && !contactedInOrganisation) contactedInOrganisation = n;
    }
    const waiting = shared.find((n) => n.esms_status === '42');
    if (!untouchedInOrganisation || !contactedInOrganisation || !waiting) throw new Error('jeu de test incomplet');
    await deskB.db.transaction(async (tx) => {
      const store = notificationStore(tx);
      const at = '2026-06-30T10:00:00.000Z';
      for (const [n, status, date] of [
        [untouchedInOrganisation, '40', '2026-06-20'],
        [contactedInOrganisation, '45', '2026-06-22'],
      ] as const) {
        await tx.run(
          `INSERT INTO status_event (notification_id, origin, client_identifier, statut_esms, date_statut_esms,
             created_at) VALUES (?, 'local', ?, ?, ?, ?)`,
          [n?.id, `b-${n?.id}`, status, date, at],
        );
        await store.setEsmsStatus({
          id: Number(n?.id),
          esmsStatus: status,
          esmsStatusDate: date,
          terminated: false,
          nowIso: at,
        });
      }
      await tx.run("UPDATE unit_line SET status = '183', status_date = '2026-06-25' WHERE notification_id = ?", [
        waiting.id,
      ]);
    });
    const before = await canonicalAll(organisation.db);

    const dryRun = await migrateDesk(deskB.db, organisation.db, { dryRun: true, now: NOW });
    expect(dryRun.mergedDecisions).toBe(60);
    expect(movedOf(dryRun, 'decision')).toMatchObject({ desk: 80, moved: 20, alreadyThere: 60 });
    expect(dryRun.conflicts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'statut-esms',
          idNatDecision: contactedInOrganisation.id_nat_decision,
          organisation: { status: '41', date: '2026-06-15' },
          desk: { status: '45', date: '2026-06-22' },
        }),
        expect.objectContaining({
          kind: 'ligne-unite',
          idNatDecision: waiting.id_nat_decision,
          desk: expect.objectContaining({ status: '183' }),
        }),
      ]),
    );
    expect(dryRun.conflicts).toHaveLength(2);

    // Without the referent's agreement: refused, nothing changed.
    const refused = await migrateDesk(deskB.db, organisation.db, { dryRun: false, now: NOW });
    expect(refused).toMatchObject({ applied: false, refusal: expect.stringContaining('2 conflits') });
    expect(await canonicalAll(organisation.db)).toEqual(before);

    const merged = await migrateDesk(deskB.db, organisation.db, { dryRun: false, acceptConflicts: true, now: NOW });
    expect(merged).toMatchObject({ applied: true, mergedDecisions: 60 });
    expect(await countOf(organisation.db, 'SELECT count(*) FROM decision')).toBe(140);
    expect(await countOf(organisation.db, 'SELECT count(*) FROM notification')).toBe(140);

    // News from B where A had not acted: taken. A conflict: the organisation's value kept, flagged "à traiter".
    expect(await statusInOrganisation(untouchedInOrganisation.id_nat_decision)).toBe('40');
    expect(await statusInOrganisation(contactedInOrganisation.id_nat_decision)).toBe('41');
    const flagged = await organisation.db.all<{ id_nat_decision: string; a_traiter: number; a_traiter_reason: string }>(
      `SELECT d.id_nat_decision, n.a_traiter, n.a_traiter_reason FROM notification n
         JOIN decision d ON d.id = n.decision_id WHERE n.a_traiter_reason LIKE ? ORDER BY d.id_nat_decision`,
      [`${CONFLICT_REASON_PREFIX}%`],
    );
    expect(flagged.map((f) => f.id_nat_decision).sort()).toEqual(
      [contactedInOrganisation.id_nat_decision, waiting.id_nat_decision].sort(),
    );
    expect(flagged.every((f) => Number(f.a_traiter) === 1)).toBe(true);
    expect(
      await organisation.db.value(
        `SELECT l.status FROM unit_line l JOIN notification n ON n.id = l.notification_id
           JOIN decision d ON d.id = n.decision_id WHERE d.id_nat_decision = ?`,
        [waiting.id_nat_decision],
      ),
    ).not.toBe('183');

    // Both desks' statuses of the conflicting notification are there, the desk's added after, in date order.
    const history = await organisation.db.all<{ statut_esms: string; date_statut_esms: string }>(
      `SELECT e.statut_esms, e.date_statut_esms FROM status_event e JOIN notification n ON n.id = e.notification_id
         JOIN decision d ON d.id = n.decision_id WHERE d.id_nat_decision = ? AND e.statut_esms IS NOT NULL
        ORDER BY e.id`,
      [contactedInOrganisation.id_nat_decision],
    );
    expect(history).toEqual([
      { statut_esms: '41', date_statut_esms: '2026-06-15' },
      { statut_esms: '45', date_statut_esms: '2026-06-22' },
    ]);
    // Nothing of either desk lost: every status and outbox row of A and of B is in the organisation once.
    for (const table of ['status_event', 'outbox', 'person']) {
      const union = new Set([...(await canonical(deskA.db, table)), ...(await canonical(deskB.db, table))]);
      const there = await canonical(organisation.db, table);
      expect(new Set(there).size, table).toBe(there.length);
      expect(
        there.filter((h) => !union.has(h)),
        table,
      ).toEqual([]);
      expect(
        [...union].filter((h) => !there.includes(h)),
        table,
      ).toEqual([]);
    }

    const again = await migrateDesk(deskB.db, organisation.db, { dryRun: false, acceptConflicts: true, now: NOW });
    expect(again.tables.every((t) => t.moved === 0)).toBe(true);
  });
});

export type { SqlDatabase };
