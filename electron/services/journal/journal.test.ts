import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../testing/test-stores';
import { seedWorklist } from '../worklist/testing/worklist-seed';
import { Journal } from './journal';
import { describeJournalSubjects } from './journal-subjects';

describe.each(TEST_BACKENDS)('journal (%s)', (backend) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(backend);
  });
  afterEach(async () => {
    await store.close();
  });

  it('records an action with when, what, which record and outcome, newest first, and filters', async () => {
    let t = Date.parse('2026-11-25T10:00:00Z');
    const journal = new Journal(store.db, () => new Date((t += 1000)));
    const first = await journal.append({
      actor: 'utilisateur',
      action: 'Certificat importé',
      outcome: 'succès',
      recordType: 'certificat',
      recordId: 'AB:CD',
    });
    const second = await journal.append({
      actor: 'synchronisation',
      action: 'Flux 1',
      outcome: 'échec',
      detail: 'Serveur indisponible',
    });
    expect(second).toBeGreaterThan(first);
    const all = await journal.list({ limit: 10 });
    expect(all.map((e) => e.action)).toEqual(['Flux 1', 'Certificat importé']);
    expect(all[1]).toMatchObject({
      id: first,
      actor: 'utilisateur',
      recordType: 'certificat',
      recordId: 'AB:CD',
      outcome: 'succès',
      at: '2026-11-25T10:00:01.000Z',
    });
    expect((await journal.list({ limit: 10, outcome: 'échec' })).map((e) => e.action)).toEqual(['Flux 1']);
    expect((await journal.list({ limit: 10, actor: 'utilisateur' })).map((e) => e.action)).toEqual([
      'Certificat importé',
    ]);
    expect((await journal.list({ limit: 10, beforeId: all[0]!.id })).map((e) => e.action)).toEqual([
      'Certificat importé',
    ]);
    expect(await journal.list({ limit: 1 })).toHaveLength(1);
  });

  it('joins the transaction it is given: its entry is committed or rolled back with the change it reports', async () => {
    const journal = new Journal(store.db);
    await store.db.transaction(async (tx) => {
      await tx.run("INSERT INTO setting (key, value) VALUES ('k', 'v')");
      await journal.append({ actor: 'système', action: 'Gardé', outcome: 'info' }, tx);
    });
    await expect(
      store.db.transaction(async (tx) => {
        await journal.append({ actor: 'système', action: 'Annulé', outcome: 'info' }, tx);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await journal.list({ limit: 10 })).map((e) => e.action)).toEqual(['Gardé']);
  });

  it('tells what an entry is about in the referent’s words, resolved when read', async () => {
    const { db } = store;
    await seedWorklist(db, { count: 3, today: '2026-07-01' });
    const notificationId = (await db.value<number>('SELECT id FROM notification ORDER BY id LIMIT 1'))!;
    const givenNames = (await db.value<string>(
      `SELECT p.given_names FROM notification n JOIN decision d ON d.id = n.decision_id
         JOIN person p ON p.id = d.person_id WHERE n.id = ?`,
      [notificationId],
    ))!;
    const eg = (await db.get<{ finessEg: string; name: string }>(
      'SELECT finess_eg AS "finessEg", name FROM geographic_entity ORDER BY finess_eg LIMIT 1',
    ))!;
    const journal = new Journal(db);
    const record = (recordType: string, recordId: string | number) =>
      journal.append({ actor: 'utilisateur', action: 'Action', outcome: 'succès', recordType, recordId });
    await record('notification', notificationId);
    await record('notification', 999_999);
    await record('établissement', eg.finessEg);
    await record('environnement', 'sandbox-local');
    await journal.append({ actor: 'système', action: 'Démarrage', outcome: 'info' });
    const described = await describeJournalSubjects(db, (await journal.list({ limit: 10 })).reverse(), (id) =>
      id === 'sandbox-local' ? 'Bac à sable local' : undefined,
    );
    expect(described.map((e) => e.subject)).toEqual([
      { label: expect.stringMatching(new RegExp(`FICTIF.* ${givenNames}$`)), route: `notifications/${notificationId}` },
      { label: 'Notification (notification supprimée)', route: null },
      { label: eg.name, route: 'entites-geographiques' },
      { label: 'Bac à sable local', route: 'parametres' },
      null,
    ]);
  });
});
