import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../db/database';
import type { Journal } from '../journal/journal';
import type { Transport } from '../transport/transport';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { readEvaluation, recordConsent } from './consent-and-evaluation';

let f: SandboxFixture;
let db: Db;
let journal: Journal;
let transport: Transport;

beforeAll(async () => {
  f = await startSandboxFixture({ initialDecisions: 6 });
  ({ db, journal } = f.openDb());
  transport = f.transport();
  await f.sync(db, journal, transport);
});
afterAll(() => f.close());

const deps = () => ({ db, journal, now: () => new Date(), today: () => new Date().toISOString().slice(0, 10) });

it('shows no evaluation before consent, records the consent with its date, then shows the evaluation after sync', async () => {
  const notificationId = db.prepare('SELECT id FROM notification ORDER BY id LIMIT 1').pluck().get() as number;
  expect(readEvaluation(db, notificationId)).toBeNull();

  expect(() => recordConsent(deps(), { notificationId, collectedOn: '2999-01-01' })).toThrow(/futur/);
  expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);

  const { outboxId } = recordConsent(deps(), { notificationId, collectedOn: '2026-11-02' });
  expect(db.prepare('SELECT kind, state FROM outbox WHERE id = ?').get(outboxId)).toEqual({
    kind: 'consent.create',
    state: 'pending',
  });
  expect(journal.list({ limit: 5 }).map((e) => e.action)).toContain('Accord de la personne enregistré');
  expect(readEvaluation(db, notificationId)).toBeNull();

  await f.sync(db, journal, transport);
  const evaluation = readEvaluation(db, notificationId);
  expect(evaluation?.observations.length).toBeGreaterThan(0);
  const idNat = db
    .prepare('SELECT d.id_nat_decision FROM notification n JOIN decision d ON d.id = n.decision_id WHERE n.id = ?')
    .pluck()
    .get(notificationId);
  expect(evaluation?.document.idNatDecision).toBe(idNat);
}, 60_000);
