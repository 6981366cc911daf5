/**
 * Row-level security, on a real server: a referent assigned to one EG connects with its own password over TLS
 * (verify-full) and sends hand-written SQL; it cannot read nor change another EG's rows, whatever it tries. The
 * coordinator reads all. All data here is fake.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '@shared/errors/app-error';
import { testCluster } from '../../testing/postgres-test-cluster';
import type { PostgresDatabase } from '../sql/postgres-database';
import type { SqlExecutor } from '../sql/sql-database';
import { addMember, createOrganisationSchema, listMembers, revokeMember, setAssignments } from './organisation-admin';
import type { PostgresConnectionOptions } from './postgres-connection';
import { openPostgresDatabase } from './postgres-database';

const cluster = testCluster();

const EJ = '010000001';
const EG_MINE = '010000002';
const EG_OTHER = '010000003';
const NOW = '2026-01-15T10:00:00.000Z';

/** One fake decision notified to eg, with its unit line, status, outbox, consent, evaluation and journal rows. */
async function seedEg(db: SqlExecutor, eg: string, tag: string): Promise<void> {
  await db.run('INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES (?, ?, ?)', [eg, EJ, `EG ${tag}`]);
  const unit = await db.value<number>(
    `INSERT INTO ror_unit (finess_eg, id_ror, name, origin, updated_at) VALUES (?, ?, ?, 'vt', ?) RETURNING id`,
    [eg, `ROR-${tag}`, `Unité ${tag}`, NOW],
  );
  const person = await db.value<number>(
    `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at)
     VALUES ('1.2.250.1.999', ?, 'TESTFICTIF', ?, '', ?) RETURNING id`,
    [`IND-${tag}`, `Fictif ${tag}`, NOW],
  );
  const decision = await db.value<number>(
    `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
       raw_resource_json, raw_cda, received_at)
     VALUES (?, ?, ?, ?, '1', '{}', '<ClinicalDocument/>', ?) RETURNING id`,
    [`NAT-${tag}`, `DEC-${tag}`, person, `dr-${tag}`, NOW],
  );
  await db.run("INSERT INTO decision_link (decision_id, linked_id_decision, kind) VALUES (?, ?, 'inconnu')", [
    decision,
    `OLD-${tag}`,
  ]);
  const notification = await db.value<number>(
    `INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
    [decision, eg, NOW, NOW],
  );
  await db.run(
    `INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, updated_at) VALUES (?, ?, 'LA', ?, ?)`,
    [notification, unit, NOW, NOW],
  );
  const event = await db.value<number>(
    `INSERT INTO status_event (notification_id, origin, client_identifier, created_at) VALUES (?, 'local', ?, ?)
     RETURNING id`,
    [notification, `cid-${tag}`, NOW],
  );
  const outbox = await db.value<number>(
    `INSERT INTO outbox (kind, notification_id, status_event_id, finess_eg, client_identifier, payload_json, created_at)
     VALUES ('task.create', ?, ?, ?, ?, '{}', ?) RETURNING id`,
    [notification, event, eg, `out-${tag}`, NOW],
  );
  await db.run(
    'INSERT INTO consent (decision_id, finess_eg, collected_on, outbox_id, created_at) VALUES (?, ?, ?, ?, ?)',
    [decision, eg, '2026-01-10', outbox, NOW],
  );
  await db.run(
    "INSERT INTO evaluation (decision_id, finess_eg, parsed_json, raw_cda, fetched_at) VALUES (?, ?, '{}', '<x/>', ?)",
    [decision, eg, NOW],
  );
  await db.run("INSERT INTO sync_cursor (finess_eg, flow, cursor, updated_at) VALUES (?, 'flux1', ?, ?)", [
    eg,
    NOW,
    NOW,
  ]);
  await db.run(
    "INSERT INTO sync_gap (finess_eg, flow, missing_from, missing_to, detected_at) VALUES (?, 'flux1', ?, ?, ?)",
    [eg, NOW, NOW, NOW],
  );
  await db.run(
    "INSERT INTO quarantine (finess_eg, flow, resource_id, reason, created_at) VALUES (?, 'flux5', ?, 'test', ?)",
    [eg, `res-${tag}`, NOW],
  );
  await db.run(
    `INSERT INTO journal (at, actor, action, record_type, record_id, outcome)
     VALUES (?, 'utilisateur', 'Statut envoyé', 'notification', ?, 'succès')`,
    [NOW, String(notification)],
  );
}

/** Tables carrying an EG's data, each seeded with one row per EG. */
const EG_DATA_TABLES = [
  'geographic_entity',
  'ror_unit',
  'person',
  'decision',
  'decision_link',
  'notification',
  'unit_line',
  'status_event',
  'outbox',
  'consent',
  'evaluation',
  'sync_cursor',
  'sync_gap',
  'quarantine',
];

describe.skipIf(!cluster)('row-level security (real server)', () => {
  const c = cluster!;
  const database = `rls_${crypto.randomBytes(4).toString('hex')}`;
  const suffix = crypto.randomBytes(3).toString('hex');
  const referent = `referente_test_${suffix}`;
  const coordinator = `coordination_test_${suffix}`;
  const passwords = { [referent]: crypto.randomBytes(12).toString('base64url'), [coordinator]: '' };
  passwords[coordinator] = crypto.randomBytes(12).toString('base64url');
  let admin: PostgresDatabase;
  let mine: PostgresDatabase;
  let all: PostgresDatabase;

  const asMember = (user: string): PostgresConnectionOptions => ({
    host: '127.0.0.1',
    port: c.port,
    database,
    user,
    password: passwords[user]!,
    tls: { mode: 'verify-full', caPem: c.caPem },
  });

  beforeAll(async () => {
    await c.createDatabase(database);
    admin = await openPostgresDatabase(c.admin(database), { migrate: true });
    await createOrganisationSchema(admin);
    await admin.transaction(async (tx) => {
      await tx.run("INSERT INTO legal_entity (finess_ej, name) VALUES (?, 'EJ fictive')", [EJ]);
      await seedEg(tx, EG_MINE, 'mine');
      await seedEg(tx, EG_OTHER, 'other');
      await tx.run(
        "INSERT INTO quarantine (flow, resource_id, reason, created_at) VALUES ('flux1', 'sans-eg', 'test', ?)",
        [NOW],
      );
    });
    await addMember(admin, referent, passwords[referent]!, 'référent');
    await addMember(admin, coordinator, passwords[coordinator]!, 'coordinateur');
    await setAssignments(admin, referent, [EG_MINE]);
    mine = await openPostgresDatabase(asMember(referent));
    all = await openPostgresDatabase(asMember(coordinator));
  });

  afterAll(async () => {
    await mine?.close();
    await all?.close();
    await admin?.close();
    await c.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.adminQuery(`DROP ROLE IF EXISTS ${referent}`);
    await c.adminQuery(`DROP ROLE IF EXISTS ${coordinator}`);
  });

  it('shows the referent only the rows of its EG, and the coordinator every row', async () => {
    for (const table of EG_DATA_TABLES) {
      const expectedMine = table === 'quarantine' ? 2 : 1; // plus the quarantined item without an EG
      expect(await mine.value(`SELECT count(*) FROM ${table}`), table).toBe(expectedMine);
      expect(await all.value(`SELECT count(*) FROM ${table}`), table).toBe(expectedMine + 1);
    }
    expect(await mine.value('SELECT count(*) FROM notification WHERE finess_eg = ?', [EG_OTHER])).toBe(0);
    expect(await mine.value("SELECT count(*) FROM decision WHERE id_nat_decision = 'NAT-other'")).toBe(0);
    expect(await mine.value("SELECT count(*) FROM person WHERE given_names = 'Fictif other'")).toBe(0);
    // The journal: entries about its EG's records, not the other EG's.
    expect(await mine.value("SELECT count(*) FROM journal WHERE action = 'Statut envoyé'")).toBe(1);
    expect(await all.value("SELECT count(*) FROM journal WHERE action = 'Statut envoyé'")).toBe(2);
    expect(await mine.value('SELECT count(*) FROM eg_assignment')).toBe(1);
  });

  it('lets the referent change nothing of another EG: UPDATE, DELETE, INSERT and moving a row all fail', async () => {
    const other = await all.get<{ notification: number; decision: number; unit: number }>(
      `SELECT n.id AS "notification", n.decision_id AS "decision", u.id AS "unit"
         FROM notification n JOIN ror_unit u ON u.finess_eg = n.finess_eg WHERE n.finess_eg = ?`,
      [EG_OTHER],
    );
    const mineId = await mine.value<number>('SELECT id FROM notification');
    expect(await mine.run('UPDATE notification SET a_traiter = 1 WHERE finess_eg = ?', [EG_OTHER])).toEqual({
      changes: 0,
    });
    expect(await mine.run('UPDATE notification SET a_traiter = 1')).toEqual({ changes: 1 });
    expect(await mine.run('UPDATE decision SET reprise = 1')).toEqual({ changes: 1 });
    expect(await mine.run('UPDATE person SET gender = ?', ['X'])).toEqual({ changes: 1 });
    expect(await mine.run('DELETE FROM unit_line WHERE notification_id = ?', [other!.notification])).toEqual({
      changes: 0,
    });
    expect(await mine.run('DELETE FROM sync_cursor')).toEqual({ changes: 1 });

    const refused = async (sql: string, params: unknown[]): Promise<string | undefined> =>
      mine.run(sql, params).then(
        () => undefined,
        (e: unknown) => (e as { code?: string }).code,
      );
    const rlsViolation = 'DB_PERMISSION_DENIED';
    expect(
      await refused('INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, ?, ?, ?)', [
        other!.decision,
        EG_OTHER,
        NOW,
        NOW,
      ]),
    ).toBe(rlsViolation);
    expect(
      await refused(
        "INSERT INTO unit_line (notification_id, ror_unit_id, status, status_date, updated_at) VALUES (?, ?, 'LA', ?, ?)",
        [other!.notification, other!.unit, NOW, NOW],
      ),
    ).toBe(rlsViolation);
    expect(
      await refused("INSERT INTO status_event (notification_id, origin, created_at) VALUES (?, 'local', ?)", [
        other!.notification,
        NOW,
      ]),
    ).toBe(rlsViolation);
    expect(
      await refused(
        "INSERT INTO outbox (kind, finess_eg, client_identifier, payload_json, created_at) VALUES ('task.create', ?, 'x', '{}', ?)",
        [EG_OTHER, NOW],
      ),
    ).toBe(rlsViolation);
    expect(await refused('UPDATE notification SET finess_eg = ? WHERE id = ?', [EG_OTHER, mineId])).toBe(rlsViolation);
    // Assigning itself another EG, writing someone else's name in the journal, switching off the policies.
    expect(
      await refused('INSERT INTO eg_assignment (role_name, finess_eg, assigned_at) VALUES (current_user, ?, ?)', [
        EG_OTHER,
        NOW,
      ]),
    ).toBe(rlsViolation);
    expect(
      await refused(
        "INSERT INTO journal (at, actor, action, outcome, author) VALUES (?, 'utilisateur', 'x', 'info', 'quelqu_un')",
        [NOW],
      ),
    ).toBe(rlsViolation);
    expect(
      await refused(
        "INSERT INTO journal (at, actor, action, record_type, record_id, outcome) VALUES (?, 'utilisateur', 'x', 'notification', ?, 'info')",
        [NOW, String(other!.notification)],
      ),
    ).toBe(rlsViolation);
    expect(await refused('ALTER TABLE notification DISABLE ROW LEVEL SECURITY', [])).toBe(rlsViolation);
    expect(await refused(`SET ROLE referent_vt_coordinator`, [])).toBe(rlsViolation);

    // Nothing of the other EG moved.
    expect(
      await all.get('SELECT a_traiter AS "aTraiter", finess_eg AS "eg" FROM notification WHERE id = ?', [
        other!.notification,
      ]),
    ).toEqual({ aTraiter: 0, eg: EG_OTHER });
    expect(await all.value('SELECT count(*) FROM unit_line')).toBe(2);
    expect(await all.value('SELECT count(*) FROM sync_cursor WHERE finess_eg = ?', [EG_OTHER])).toBe(1);
    expect(await all.value('SELECT reprise FROM decision WHERE id = ?', [other!.decision])).toBe(0);
  });

  it('lets the referent take in a new decision for its EG (person, decision, then notification), not for another', async () => {
    const takeIn = (eg: string, tag: string) =>
      mine.transaction(async (tx) => {
        const person = await tx.value<number>(
          `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at)
           VALUES ('1.2.250.1.999', ?, 'TESTFICTIF', 'Nouveau', '', ?) RETURNING id`,
          [`IND-${tag}`, NOW],
        );
        const decision = await tx.value<number>(
          `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
             raw_resource_json, raw_cda, received_at)
           VALUES (?, ?, ?, 'dr', '1', '{}', '<ClinicalDocument/>', ?) RETURNING id`,
          [`NAT-${tag}`, `DEC-${tag}`, person, NOW],
        );
        await tx.run('INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, ?, ?, ?)', [
          decision,
          eg,
          NOW,
          NOW,
        ]);
      });
    await takeIn(EG_MINE, 'new-mine');
    expect(await mine.value("SELECT count(*) FROM decision WHERE id_nat_decision = 'NAT-new-mine'")).toBe(1);
    await expect(takeIn(EG_OTHER, 'new-other')).rejects.toMatchObject({ code: 'DB_PERMISSION_DENIED' });
    expect(await all.value("SELECT count(*) FROM decision WHERE id_nat_decision = 'NAT-new-other'")).toBe(0);
    expect(await all.value("SELECT count(*) FROM person WHERE mdph_individual_id = 'IND-new-other'")).toBe(0);
  });

  it('lets a synchronisation account see every EG', async () => {
    const syncRole = `synchro_test_${suffix}`;
    const syncPassword = crypto.randomBytes(12).toString('base64url');
    await addMember(admin, syncRole, syncPassword, 'sync');
    const sync = await openPostgresDatabase({ ...asMember(referent), user: syncRole, password: syncPassword });
    try {
      expect(await sync.value('SELECT count(DISTINCT finess_eg) FROM notification')).toBe(2);
    } finally {
      await sync.close();
      await c.adminQuery(`DROP ROLE ${syncRole}`);
    }
  });

  it('journals who acted: the connected role, whatever the application sends', async () => {
    const notification = await mine.value<number>('SELECT id FROM notification');
    await mine.run(
      `INSERT INTO journal (at, actor, action, record_type, record_id, outcome)
       VALUES (?, 'utilisateur', 'Action de test', 'notification', ?, 'succès')`,
      [NOW, String(notification)],
    );
    expect(await all.get('SELECT author, finess_eg AS "eg" FROM journal WHERE action = ?', ['Action de test'])).toEqual(
      { author: referent, eg: EG_MINE },
    );
  });

  it('lists members with their EGs, and a revoked referent can no longer log in', async () => {
    const members = await listMembers(admin);
    expect(members.filter((m) => m.name === referent || m.name === coordinator)).toEqual([
      { name: coordinator, role: 'coordinateur', finessEgs: [], active: true },
      { name: referent, role: 'référent', finessEgs: [EG_MINE], active: true },
    ]);
    await revokeMember(admin, referent);
    const error = await openPostgresDatabase(asMember(referent)).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('DB_AUTH_REFUSED');
    expect((await listMembers(admin)).find((m) => m.name === referent)).toEqual({
      name: referent,
      role: 'référent',
      finessEgs: [],
      active: false,
    });
  });
});
