import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import type { Transport } from '../transport/transport';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { TEST_BACKENDS } from '../testing/test-stores';
import { readEvaluation, recordConsent } from './consent-and-evaluation';

describe.each(TEST_BACKENDS)('consent and evaluation (%s)', (backend) => {
  let f: SandboxFixture;
  let db: SqlDatabase;
  let journal: Journal;
  let transport: Transport;

  beforeAll(async () => {
    f = await startSandboxFixture({ initialDecisions: 6, backend });
    ({ db, journal } = await f.openDb());
    transport = f.transport();
    await f.sync(db, journal, transport);
  }, 60_000);
  afterAll(() => f.close());

  const deps = () => ({ db, journal, now: () => new Date(), today: () => new Date().toISOString().slice(0, 10) });

  it('shows no evaluation before consent, records the consent with its date, then shows the evaluation after sync', async () => {
    const notificationId = await db.value<number>('SELECT id FROM notification ORDER BY id LIMIT 1');
    if (notificationId === undefined) throw new Error('aucune notification après la synchronisation');
    expect(await readEvaluation(db, notificationId)).toBeNull();

    await expect(recordConsent(deps(), { notificationId, collectedOn: '2999-01-01' })).rejects.toThrow(/futur/);
    expect(await db.value('SELECT count(*) FROM outbox')).toBe(0);

    const { outboxId } = await recordConsent(deps(), { notificationId, collectedOn: '2026-11-02' });
    expect(await db.get('SELECT kind, state FROM outbox WHERE id = ?', [outboxId])).toEqual({
      kind: 'consent.create',
      state: 'pending',
    });
    expect((await journal.list({ limit: 5 })).map((e) => e.action)).toContain('Accord de la personne enregistré');
    expect(await readEvaluation(db, notificationId)).toBeNull();

    await f.sync(db, journal, transport);
    const evaluation = await readEvaluation(db, notificationId);
    expect(evaluation?.observations.length).toBeGreaterThan(0);
    const idNat = await db.value(
      'SELECT d.id_nat_decision FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?',
      [notificationId],
    );
    expect(evaluation?.document.idNatDecision).toBe(idNat);
  }, 60_000);
});
