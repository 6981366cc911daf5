/**
 * The plan of every work-list statement (WORKLIST_SQL), on each engine: what docs/worklist-queries.md lists. A full
 * scan is expected only where the statement reads the whole list (the snapshot); every lookup goes through a key or
 * an index. PostgreSQL is asked with sequential scans discouraged, so that on a small test database it shows the
 * index it would use on a large one, and a missing index shows as a sequential scan.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist } from './testing/worklist-seed';
import { WORKLIST_SQL, worklistStatement } from './worklist-queries';

type Statement = keyof typeof WORKLIST_SQL;

/** Parameters to explain each statement with (the lookups take one id). */
const PARAMETERS: Record<Statement, unknown[]> = {
  newestNotifications: [1_000_000, 250],
  epoch: [],
  snapshotStamps: [],
  notificationsByIds: ['[1, 2]'],
  decisionsByIds: ['[1, 2]'],
  personsByIds: ['[1, 2]'],
  linesByIds: ['[1, 2]'],
  row: [1],
  rowLines: [1],
  facetEntities: [],
  facetUnits: [],
};

/** Tables a statement may read whole, per engine: the rest must be reached by key or index. */
const FULL_SCANS: Record<Statement, { sqlite: string[]; postgres: string[] }> = {
  // A full read, newest first by key, a chunk at a time (then the chunk's rows, whole, and their EGs); the rows of
  // each chunk by key from the list of their ids (SQLite reads the decisions from their covering index,
  // decision_worklist, never from their big rows).
  newestNotifications: { sqlite: ['chunk', 'geographic_entity'], postgres: ['geographic_entity'] },
  // A refresh: the one-row epoch, every stamp from the index notification_list_stamp (per activated EG), then the
  // changed rows as a chunk's.
  epoch: { sqlite: ['worklist_epoch'], postgres: ['worklist_epoch'] },
  snapshotStamps: { sqlite: ['geographic_entity'], postgres: ['geographic_entity'] },
  notificationsByIds: { sqlite: ['json_each', 'geographic_entity'], postgres: [] },
  decisionsByIds: { sqlite: ['json_each'], postgres: [] },
  personsByIds: { sqlite: ['json_each'], postgres: [] },
  linesByIds: { sqlite: ['json_each'], postgres: [] },
  row: { sqlite: [], postgres: [] },
  rowLines: { sqlite: [], postgres: [] },
  // A handful of rows: the establishments and units of one organisation.
  facetEntities: { sqlite: ['geographic_entity'], postgres: ['geographic_entity'] },
  facetUnits: { sqlite: ['ror_unit', 'geographic_entity'], postgres: ['ror_unit', 'geographic_entity'] },
};

const ALIASES: Record<string, string> = {
  n: 'notification',
  g: 'geographic_entity',
  d: 'decision',
  p: 'person',
  u: 'unit_line',
  r: 'ror_unit',
};

/**
 * PostgreSQL: EXPLAIN does not take bound parameters for a generic plan, so a statement is explained on literal
 * values (the lookups on literal ids).
 */
function literalStatement(statement: Statement): string {
  return PARAMETERS[statement].reduce<string>(
    (text, parameter) => text.replace('?', typeof parameter === 'string' ? `'${parameter}'` : `${parameter as number}`),
    worklistStatement(statement, 'postgres'),
  );
}

/** The plan as text, one line per step. */
async function plan(db: SqlDatabase, statement: Statement): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const sql = worklistStatement(statement, 'sqlite');
    const steps = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, PARAMETERS[statement]);
    return steps.map((s) => s.detail);
  }
  return db.transaction(async (tx) => {
    await tx.run('SET LOCAL enable_seqscan = off');
    const steps = await tx.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${literalStatement(statement)}`);
    return steps.map((s) => s['QUERY PLAN']);
  });
}

interface PostgresPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Parent Relationship'?: string;
  Plans?: PostgresPlanNode[];
}

/** PostgreSQL: the tables read under the plan's first Limit, its row security subplans left out. */
async function limitedTables(db: SqlDatabase, statement: Statement): Promise<string[]> {
  const [explained] = await db.all<{ 'QUERY PLAN': [{ Plan: PostgresPlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${literalStatement(statement)}`,
  );
  const tables = (node: PostgresPlanNode): string[] =>
    node['Parent Relationship'] === 'SubPlan' || node['Parent Relationship'] === 'InitPlan'
      ? []
      : [...(node['Relation Name'] ? [node['Relation Name']] : []), ...(node.Plans ?? []).flatMap(tables)];
  const limitOf = (node: PostgresPlanNode): PostgresPlanNode | undefined =>
    node['Node Type'] === 'Limit' ? node : (node.Plans ?? []).map(limitOf).find((n) => n !== undefined);
  const limit = explained && limitOf(explained['QUERY PLAN'][0].Plan);
  return limit ? [...new Set(tables(limit))].sort() : [];
}

/** The tables a plan reads whole. */
function fullScans(db: SqlDatabase, steps: readonly string[]): string[] {
  const tables: string[] = [];
  for (const step of steps) {
    const match =
      db.dialect === 'sqlite'
        ? /^SCAN (\w+)\b(?! USING (?:COVERING )?INDEX)/.exec(step)
        : /Seq Scan on (\w+)/.exec(step);
    const name = match?.[1];
    if (name) tables.push(ALIASES[name] ?? name);
  }
  return tables;
}

describe.each(TEST_BACKENDS)('work-list query plans (%s)', (backend) => {
  let store: TestStore;

  beforeEach(async () => {
    store = await openTestStore(backend);
    // No ANALYZE: the app runs none, so the plans checked are those of a real desk's database.
    await seedWorklist(store.db, { count: 50, today: '2026-07-01' });
  });
  afterEach(async () => {
    await store.close();
  });

  it.each(Object.keys(WORKLIST_SQL) as Statement[])('%s reads whole only the tables it lists', async (statement) => {
    const steps = await plan(store.db, statement);
    const scanned = fullScans(store.db, steps);
    expect(steps.length).toBeGreaterThan(0);
    expect(scanned.filter((t) => !FULL_SCANS[statement][backend].includes(t))).toEqual([]);
    if (process.env.WORKLIST_PRINT_PLANS) console.log(`${backend} ${statement}\n  ${steps.join('\n  ')}`);
  });

  it.each(['decisionsByIds', 'personsByIds'] as const)(
    '%s reads the decisions from their covering index, not their rows (SQLite)',
    async (statement) => {
      const steps = (await plan(store.db, statement)).join('\n');
      if (backend === 'sqlite') expect(steps).toMatch(/SEARCH d USING COVERING INDEX decision_worklist \(id=\?\)/);
      else expect(steps).toMatch(/decision/);
    },
  );

  it('reads a chunk of the newest notifications by key, newest first, limited before any join', async () => {
    if (backend === 'sqlite') {
      const steps = (await plan(store.db, 'newestNotifications')).join('\n');
      expect(steps).toMatch(/CO-ROUTINE chunk\nSEARCH notification USING INTEGER PRIMARY KEY \(rowid<\?\)\n/);
      return;
    }
    // The limit over the notifications alone: joined with the EGs below it, PostgreSQL under row security sorted
    // every notification below the id at each chunk (it misjudges the join's rows).
    const limited = await limitedTables(store.db, 'newestNotifications');
    expect(limited).toEqual(['notification']);
    expect((await plan(store.db, 'newestNotifications')).join('\n')).toMatch(/Index Cond: \(id < 1000000\)/);
  });

  it('reads the stamps of a refresh from their index, never the notification rows', async () => {
    const steps = (await plan(store.db, 'snapshotStamps')).join('\n');
    if (backend === 'sqlite') expect(steps).toMatch(/SEARCH n USING COVERING INDEX notification_list_stamp/);
    else expect(steps).toMatch(/Index Only Scan using notification_list_stamp/);
  });

  it('finds a notification and its unit lines by key', async () => {
    const row = (await plan(store.db, 'row')).join('\n');
    const lines = (await plan(store.db, 'rowLines')).join('\n');
    if (backend === 'sqlite') {
      expect(row).toMatch(/SEARCH n USING INTEGER PRIMARY KEY/);
      expect(lines).toMatch(/SEARCH u USING INDEX sqlite_autoindex_unit_line_1 \(notification_id=\?\)/);
    } else {
      expect(row).toMatch(/Index (?:Only )?Scan (?:using|on) notification_pkey/);
      expect(lines).toMatch(/Index Scan (?:using|on) unit_line_notification_id_ror_unit_id_key/);
    }
  });
});
