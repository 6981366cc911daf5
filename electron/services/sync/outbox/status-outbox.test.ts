import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusReport } from '@shared/domain/status-report';
import { AppError } from '@shared/errors/app-error';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../../testing/test-stores';
import { enqueueConsent, enqueueStatusReport } from './status-outbox';
import { DEFAULT_SDO_CONTEXT } from '../../fhir';

interface OutboxRow {
  state: string;
  kind: string;
  payload_json: string;
  client_identifier: string;
}

const now = new Date('2026-07-01T10:00:00.000Z');

async function seed(db: SqlDatabase): Promise<{ notificationId: number; decisionId: number }> {
  await db.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000000', 'EJ TEST')");
  await db.run(
    "INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES ('010000018', '010000000', 'EG TEST')",
  );
  const personId = await db.value<number>(
    `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at)
     VALUES ('1.2.250.1.213.7.1', 'IND1', 'FICTIF', 'TEST', 'fictif test', ?) RETURNING id`,
    [now.toISOString()],
  );
  const decisionId = await db.value<number>(
    `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
       raw_resource_json, raw_cda, received_at) VALUES ('NAT1', 'DEC1', ?, 'dr1', '1', '{}', '<x/>', ?) RETURNING id`,
    [personId, now.toISOString()],
  );
  const notificationId = await db.value<number>(
    `INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, '010000018', ?, ?)
     RETURNING id`,
    [decisionId, now.toISOString(), now.toISOString()],
  );
  if (decisionId === undefined || notificationId === undefined) throw new Error('jeu de test incomplet');
  return { notificationId, decisionId };
}

const report: StatusReport = {
  idNatStruct: '1010000018',
  nomESMS: 'EG TEST',
  idDecision: 'DEC1',
  idNatDecision: 'NAT1',
  statutESMS: '40',
  dateStatutESMS: '2026-07-01',
};

describe.each(TEST_BACKENDS)('status outbox (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
  });
  afterEach(async () => {
    await store.close();
  });

  it('writes the status event and a pending task.create with a validated Task carrying the client id', async () => {
    const { notificationId } = await seed(db);
    const out = await db.transaction((tx) =>
      enqueueStatusReport(tx, { notificationId, finessEg: '010000018', report, now, sdo: DEFAULT_SDO_CONTEXT }),
    );
    const row = await db.get<OutboxRow>('SELECT * FROM outbox WHERE id = ?', [out.outboxId]);
    expect(row?.state).toBe('pending');
    expect(row?.kind).toBe('task.create');
    const task = JSON.parse(row?.payload_json ?? '{}') as {
      identifier: { value: string }[];
      meta: { lastUpdated: string };
    };
    expect(task.identifier[0]?.value).toBe(row?.client_identifier);
    expect(task.meta.lastUpdated).toBe(now.toISOString());
    const event = await db.get<Record<string, string>>('SELECT * FROM status_event WHERE id = ?', [out.statusEventId]);
    expect(event?.origin).toBe('local');
    expect(event?.statut_esms).toBe('40');
    expect(event?.client_identifier).toBe(row?.client_identifier);
  });

  it('rejects an invalid Task and rolls back the caller transaction', async () => {
    const { notificationId } = await seed(db);
    const bad: StatusReport = { ...report, statutESMS: '9999' };
    const error = await db
      .transaction(async (tx) => {
        await tx.run("UPDATE notification SET esms_status = '40' WHERE id = ?", [notificationId]);
        await enqueueStatusReport(tx, {
          notificationId,
          finessEg: '010000018',
          report: bad,
          now,
          sdo: DEFAULT_SDO_CONTEXT,
        });
      })
      .catch((e: unknown) => e);
    expect((error as AppError).code).toBe('RESOURCE_INVALID');
    expect(await db.value('SELECT count(*) FROM outbox')).toBe(0);
    expect(await db.value('SELECT esms_status FROM notification')).toBe('39');
  });

  it('queues a consent once per decision and EG', async () => {
    const { decisionId } = await seed(db);
    const out = await db.transaction((tx) =>
      enqueueConsent(tx, { decisionId, finessEg: '010000018', collectedOn: '2026-06-30', now }),
    );
    const row = await db.get<OutboxRow>('SELECT * FROM outbox WHERE id = ?', [out.outboxId]);
    expect(row?.kind).toBe('consent.create');
    expect(JSON.parse(row?.payload_json ?? '{}').provision.data[0].reference.identifier.value).toBe('NAT1');
    expect(await db.value('SELECT outbox_id FROM consent WHERE id = ?', [out.consentId])).toBe(out.outboxId);
    await expect(
      db.transaction((tx) => enqueueConsent(tx, { decisionId, finessEg: '010000018', collectedOn: '2026-06-30', now })),
    ).rejects.toThrow(AppError);
    expect(await db.value('SELECT count(*) FROM outbox')).toBe(1);
  });
});
