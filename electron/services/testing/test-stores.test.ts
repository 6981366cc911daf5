import { afterEach, describe, expect, it } from 'vitest';
import { openTestStore, TEST_BACKENDS, type TestStore } from './test-stores';
import { testClusterData } from './postgres-test-cluster';

describe('test stores', () => {
  it('list PostgreSQL when the test cluster is up (required in CI)', () => {
    if (process.env.REFERENT_VT_TEST_POSTGRES === 'required') expect(testClusterData()).toBeDefined();
    expect(TEST_BACKENDS).toEqual(testClusterData() ? ['sqlite', 'postgres'] : ['sqlite']);
  });
});

describe.each(TEST_BACKENDS)('test store (%s)', (backend) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('opens a migrated, empty store whose change token moves on commit only', async () => {
    store = await openTestStore(backend);
    const { db } = store;
    expect(db.dialect).toBe(backend);
    expect(await db.value('SELECT count(*) FROM notification')).toBe(0);
    const before = await db.changeToken();
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000001', 'EJ fictive')");
        throw new Error('annulé');
      }),
    ).rejects.toThrow('annulé');
    // SQLite's token may also move on a rollback (one more recomputation); PostgreSQL's counts commits only.
    if (backend === 'postgres') expect(await db.changeToken()).toBe(before);
    await db.transaction(async (tx) => {
      await tx.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000001', 'EJ fictive')");
      await tx.run(
        "INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES ('010000002', '010000001', 'EG fictive')",
      );
    });
    const after = await db.changeToken();
    expect(after).not.toBe(before);
    expect(await db.changeToken()).toBe(after);
  });

  it('gives each store its own database', async () => {
    store = await openTestStore(backend);
    await store.db.run("INSERT INTO setting (key, value) VALUES ('k', 'v')");
    const other = await openTestStore(backend);
    try {
      expect(await other.db.value('SELECT count(*) FROM setting')).toBe(0);
    } finally {
      await other.close();
    }
  });
});
