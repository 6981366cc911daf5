import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { LINKED_NOTIFICATIONS_SQL, notificationStore } from './notification-store';

const SERVICES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WRITE = /\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:notification|unit_line)\b/i;
/** A write whose table is named at run time (`INSERT INTO ${table}`): the SQL alone does not tell which table… */
const DYNAMIC_WRITE = /\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+\$\{/i;
/** …so, beside one, handing these tables' names to a writing function counts as writing them. */
const HANDS_TABLE =
  /(?:\b\w*(?:insert|upsert|update|delete|write|copy|replace)\w*\s*\(\s*|\btable\s*:\s*)['"](?:notification|unit_line)['"]/i;
/** The work list's stamp, moved by triggers on every writer's behalf (migration 0010): not the notification's state. */
const STAMP_ONLY = /\bUPDATE\s+notification\s+SET\s+list_stamp\s*=\s*list_stamp\s*\+\s*1(?=\s+WHERE\b|\s*;)/gi;
const writes = (text: string) => {
  const source = text.replace(STAMP_ONLY, '');
  return WRITE.test(source) || (DYNAMIC_WRITE.test(source) && HANDS_TABLE.test(source));
};

interface PlanNode {
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows': number;
  readonly 'Actual Loops': number;
  readonly Plans?: readonly PlanNode[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

it('is the only module of the services that writes the notification and unit_line tables', () => {
  const writers = sourceFiles(SERVICES)
    .filter((file) => writes(fs.readFileSync(file, 'utf8')))
    .map((file) => path.relative(SERVICES, file));
  expect(writers).toEqual([path.join('db', 'notification-store.ts')]);
});

it('counts a write through a table named at run time as a write of the table it is handed', () => {
  expect(
    writes("await tx.run(`INSERT INTO ${table} (a) VALUES (?)`);\nawait this.insertMany('unit_line', rows);"),
  ).toBe(true);
  expect(writes("await tx.run(`INSERT INTO ${table} (a) VALUES (?)`);\nawait this.insertMany('outbox', rows);")).toBe(
    false,
  );
  expect(writes("this.count('notification', false);\nawait tx.run(`DELETE FROM ${table}`);")).toBe(false);
  expect(
    writes("await tx.all(`INSERT INTO ${sql.table} (a) VALUES (?)`);\ninsertMany(tx, { table: 'notification' });"),
  ).toBe(true);
  expect(writes('db.run("UPDATE notification SET a_traiter = 0")')).toBe(true);
  expect(writes('BEGIN UPDATE notification SET list_stamp = list_stamp + 1 WHERE id = NEW.id; END;')).toBe(false);
  expect(writes('UPDATE notification SET list_stamp = list_stamp + 1, a_traiter = 0')).toBe(true);
});

describe.each(TEST_BACKENDS)('notification store (%s)', (backend) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(backend);
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps one request date per waiting: set by a 182 or given on arrival, kept after, restarted by a new 182', async () => {
    const { db } = store;
    await seedWorklist(db, { count: 10, today: '2026-07-01' });
    const notifications = notificationStore(db);
    const id = (await db.value<number>("SELECT id FROM notification WHERE esms_status = '39' ORDER BY id LIMIT 1"))!;
    const [u, v] = (await db.all<{ id: number }>('SELECT id FROM ror_unit ORDER BY id LIMIT 2')).map((r) => r.id) as [
      number,
      number,
    ];
    const write = (unitId: number, status: string, statusDate: string, requestDate?: string) =>
      notifications.upsertUnitLine({
        notificationId: id,
        unitId,
        status,
        statusDate,
        motif: null,
        nowIso: `${statusDate}T10:00:00Z`,
        ...(requestDate ? { requestDate } : {}),
      });
    const requestDate = async (unitId: number) =>
      (await notifications.unitLines(id)).find((l) => l.unitId === unitId)?.requestDate;

    await write(u, '182', '2026-01-10');
    await write(u, '183', '2026-02-01');
    await write(u, '184', '2026-03-01', '2025-12-01');
    expect(await requestDate(u)).toBe('2026-01-10');
    await write(u, '180', '2026-04-01');
    await write(u, '182', '2026-05-01');
    expect(await requestDate(u)).toBe('2026-05-01');

    // A line that arrives past 182 (a renewal's carried line) keeps the date it is given, else its status date.
    await write(v, '184', '2026-06-01', '2025-11-15');
    expect(await requestDate(v)).toBe('2025-11-15');
    await write(v, '185', '2026-06-10');
    expect(await requestDate(v)).toBe('2025-11-15');
    await write(v, '181', '2026-06-20');
    await write(v, '184', '2026-06-25');
    expect(await requestDate(v)).toBe('2026-06-25');
  });

  it('creates a notification once per decision and EG, and changes its state only as asked, inside a transaction', async () => {
    const { db } = store;
    await seedWorklist(db, { count: 3, today: '2026-07-01' });
    const existing = (await db.get<{ decisionId: number; finessEg: string }>(
      'SELECT decision_id AS "decisionId", finess_eg AS "finessEg" FROM notification ORDER BY id LIMIT 1',
    ))!;
    const otherEg = (await db.value<string>(
      'SELECT finess_eg FROM geographic_entity WHERE finess_eg <> ? ORDER BY finess_eg',
      [existing.finessEg],
    ))!;
    const nowIso = '2026-07-01T09:00:00.000Z';
    const notifications = notificationStore(db);
    expect(await notifications.insertIfAbsent({ ...existing, terminated: false, nowIso })).toBeUndefined();

    const id = await db.transaction(async (tx) => {
      const inTx = notificationStore(tx);
      const created = await inTx.insertIfAbsent({
        decisionId: existing.decisionId,
        finessEg: otherEg,
        terminated: false,
        nowIso,
      });
      expect(created).toEqual(expect.any(Number));
      await inTx.raiseATraiter(created!, 'Usager entré dans un autre ESMS', nowIso);
      return created!;
    });
    expect(await notifications.read(id)).toMatchObject({
      id,
      decisionId: existing.decisionId,
      finessEg: otherEg,
      esmsStatus: '39',
      esmsStatusDate: null,
      aTraiter: true,
      aTraiterReason: 'Usager entré dans un autre ESMS',
      terminated: false,
    });

    // A reason prefix that does not match leaves "à traiter"; the matching one clears it, whatever its case.
    expect(await notifications.clearATraiter(id, nowIso, 'Autre motif')).toBe(0);
    expect(await notifications.clearATraiter(id, nowIso, 'usager entré')).toBe(1);
    expect((await notifications.read(id))?.aTraiter).toBe(false);

    await notifications.setEsmsStatus({
      id,
      esmsStatus: '42',
      esmsStatusDate: '2026-07-01',
      terminated: false,
      nowIso,
    });
    await notifications.setEsmsStatus({ id, esmsStatus: '47', terminated: false, nowIso });
    expect(await notifications.read(id)).toMatchObject({ esmsStatus: '47', esmsStatusDate: '2026-07-01' });
    await notifications.markTerminated(id, nowIso);
    expect((await notifications.read(id))?.terminated).toBe(true);

    // A transaction that fails leaves nothing of its changes.
    await expect(
      db.transaction(async (tx) => {
        await notificationStore(tx).raiseATraiter(id, 'Annulé', nowIso);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await notifications.read(id))?.aTraiter).toBe(false);
    expect(await notifications.read(id + 1000)).toBeUndefined();
  });

  it('copies notifications and their unit lines as another store held them, extra columns left out', async () => {
    const { db } = store;
    await seedWorklist(db, { count: 3, today: '2026-07-01' });
    const decisions = (await db.all<{ id: number }>('SELECT id FROM decision ORDER BY id')).map((r) => r.id);
    const egs = (await db.all<{ finessEg: string }>('SELECT finess_eg AS "finessEg" FROM geographic_entity')).map(
      (r) => r.finessEg,
    );
    const unit = (await db.value<number>('SELECT id FROM ror_unit ORDER BY id LIMIT 1'))!;
    // Each decision copied to the EGs that were not notified of it yet, then a line for each copy.
    const existing = new Set(
      (await db.all<{ key: string }>("SELECT decision_id || '|' || finess_eg AS key FROM notification")).map(
        (r) => r.key,
      ),
    );
    const copies = decisions
      .flatMap((decisionId) => egs.map((finessEg) => ({ decisionId, finessEg })))
      .filter((c) => !existing.has(`${c.decisionId}|${c.finessEg}`))
      .map((c, i) => ({
        decision_id: c.decisionId,
        finess_eg: c.finessEg,
        esms_status: '41',
        esms_status_date: '2026-06-01',
        a_traiter: i % 2,
        a_traiter_reason: i % 2 ? 'Conflit' : null,
        terminated: 0,
        created_at: '2026-05-01T08:00:00.000Z',
        updated_at: '2026-06-01T08:00:00.000Z',
        ignored_column: 'pas copié',
      }));
    expect(copies.length).toBeGreaterThan(0);
    const copied = await db.transaction((tx) => notificationStore(tx).copyNotifications(copies));
    expect(copied.map((c) => `${c.decisionId}|${c.finessEg}`).sort()).toEqual(
      copies.map((c) => `${c.decision_id}|${c.finess_eg}`).sort(),
    );
    await notificationStore(db).copyUnitLines(
      copied.map((c) => ({
        notification_id: c.id,
        ror_unit_id: unit,
        status: '183',
        status_date: '2026-06-02',
        motif: null,
        request_date: '2026-01-15',
        updated_at: '2026-06-02T08:00:00.000Z',
      })),
    );
    const first = copied[0]!;
    expect(await notificationStore(db).read(first.id)).toMatchObject({ esmsStatus: '41', terminated: false });
    expect(await notificationStore(db).unitLines(first.id)).toEqual([
      { unitId: unit, status: '183', statusDate: '2026-06-02', motif: null, requestDate: '2026-01-15' },
    ]);
  });

  it('finds the notifications of the same EG for the decisions a decision renews, unknown links aside', async () => {
    const { db } = store;
    await seedWorklist(db, { count: 12, today: '2026-07-01' });
    const rows = await db.all<{ id: number; decisionId: number; finessEg: string; idDecision: string }>(
      `SELECT n.id, n.decision_id AS "decisionId", n.finess_eg AS "finessEg", d.id_decision AS "idDecision"
         FROM notification n JOIN decision d ON d.id = n.decision_id ORDER BY n.id`,
    );
    const renewing = rows[0]!;
    const [renewed, unknown] = rows.filter((r) => r.finessEg === renewing.finessEg && r.id !== renewing.id) as [
      (typeof rows)[number],
      (typeof rows)[number],
    ];
    const link = (linked: string, kind: string) =>
      db.run('INSERT INTO decision_link (decision_id, linked_id_decision, kind) VALUES (?, ?, ?)', [
        renewing.decisionId,
        linked,
        kind,
      ]);
    await link(renewed.idDecision, 'renouvellement');
    await link(unknown.idDecision, 'inconnu');
    expect(await notificationStore(db).linkedNotifications(renewing.decisionId, renewing.finessEg)).toEqual([
      { id: renewed.id, decisionId: renewed.decisionId },
    ]);
    // Another EG's notification of the renewed decision is not this EG's.
    expect(await notificationStore(db).linkedNotifications(renewing.decisionId, '999999999')).toEqual([]);
  });

  it('looks a renewed decision up by its link, never through every notification of the EG', async () => {
    const { db } = store;
    // A first sync's tables: hundreds of rows written since their statistics were last taken.
    await seedWorklist(db, { count: 400, today: '2026-07-01' });
    const [renewing, renewed] = await db.all<{ decisionId: number; finessEg: string; idDecision: string }>(
      `SELECT n.decision_id AS "decisionId", n.finess_eg AS "finessEg", d.id_decision AS "idDecision"
         FROM notification n JOIN decision d ON d.id = n.decision_id
        WHERE n.finess_eg = (SELECT finess_eg FROM notification ORDER BY id LIMIT 1) ORDER BY n.id LIMIT 2`,
    );
    await db.run("INSERT INTO decision_link (decision_id, linked_id_decision, kind) VALUES (?, ?, 'renouvellement')", [
      renewing!.decisionId,
      renewed!.idDecision,
    ]);
    const sql = LINKED_NOTIFICATIONS_SQL[db.dialect];
    if (db.dialect === 'sqlite') {
      const steps = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, {
        finessEg: renewing!.finessEg,
        decisionId: renewing!.decisionId,
      });
      expect(steps[0]?.detail).toMatch(/^SEARCH l USING /);
      expect(steps.map((s) => s.detail).filter((d) => /^SCAN/.test(d))).toEqual([]);
      return;
    }
    // Rows each scan of the plan read, as run: the notifications read must be those of the linked decision only.
    const literal = sql
      .replace('@finessEg', `'${renewing!.finessEg}'`)
      .replace('@decisionId', String(renewing!.decisionId));
    const [
      {
        'QUERY PLAN': [root],
      },
    ] = (await db.all(`EXPLAIN (ANALYZE, FORMAT JSON) ${literal}`)) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    const read = (node: PlanNode, relation: string): number =>
      (node['Relation Name'] === relation ? node['Actual Rows'] * node['Actual Loops'] : 0) +
      (node.Plans ?? []).reduce((sum, child) => sum + read(child, relation), 0);
    expect(read(root.Plan, 'notification')).toBe(1);
    expect(await notificationStore(db).linkedNotifications(renewing!.decisionId, renewing!.finessEg)).toHaveLength(1);
  });
});
