import crypto from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusReport } from '@shared/domain/status-report';
import { AppError } from '@shared/errors/app-error';
import { inTransaction, openDatabase, type Db } from '../../db/database';
import { makeTempDir } from '../../testing/temp-dir';
import { enqueueConsent, enqueueStatusReport } from './status-outbox';
import { DEFAULT_SDO_CONTEXT } from '../../fhir';

interface OutboxRow {
  state: string;
  kind: string;
  payload_json: string;
  client_identifier: string;
}

let tmp: ReturnType<typeof makeTempDir>;
let db: Db;
const now = new Date('2026-07-01T10:00:00.000Z');

function seed(): { notificationId: number; decisionId: number } {
  db.prepare("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000000', 'EJ TEST')").run();
  db.prepare(
    "INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES ('010000018', '010000000', 'EG TEST')",
  ).run();
  const person = db
    .prepare(
      `INSERT INTO person (mdph_oid, mdph_individual_id, family_name, given_names, search_text, updated_at)
       VALUES ('1.2.250.1.213.7.1', 'IND1', 'FICTIF', 'TEST', 'fictif test', ?)`,
    )
    .run(now.toISOString());
  const decision = db
    .prepare(
      `INSERT INTO decision (id_nat_decision, id_decision, person_id, document_reference_id, type_decision,
         raw_resource_json, raw_cda, received_at) VALUES ('NAT1', 'DEC1', ?, 'dr1', '1', '{}', '<x/>', ?)`,
    )
    .run(person.lastInsertRowid, now.toISOString());
  const notification = db
    .prepare(`INSERT INTO notification (decision_id, finess_eg, created_at, updated_at) VALUES (?, '010000018', ?, ?)`)
    .run(decision.lastInsertRowid, now.toISOString(), now.toISOString());
  return { notificationId: Number(notification.lastInsertRowid), decisionId: Number(decision.lastInsertRowid) };
}

const report: StatusReport = {
  idNatStruct: '1010000018',
  nomESMS: 'EG TEST',
  idDecision: 'DEC1',
  idNatDecision: 'NAT1',
  statutESMS: '40',
  dateStatutESMS: '2026-07-01',
};

beforeEach(() => {
  tmp = makeTempDir();
  db = openDatabase({ file: path.join(tmp.dir, 'o.db'), key: crypto.randomBytes(32) });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('status outbox', () => {
  it('writes the status event and a pending task.create with a validated Task carrying the client id', () => {
    const { notificationId } = seed();
    const out = inTransaction(db, () =>
      enqueueStatusReport(db, { notificationId, finessEg: '010000018', report, now, sdo: DEFAULT_SDO_CONTEXT }),
    );
    const row = db.prepare('SELECT * FROM outbox WHERE id = ?').get(out.outboxId) as OutboxRow;
    expect(row.state).toBe('pending');
    expect(row.kind).toBe('task.create');
    const task = JSON.parse(row.payload_json) as { identifier: { value: string }[]; meta: { lastUpdated: string } };
    expect(task.identifier[0]?.value).toBe(row.client_identifier);
    expect(task.meta.lastUpdated).toBe(now.toISOString());
    const event = db.prepare('SELECT * FROM status_event WHERE id = ?').get(out.statusEventId) as Record<
      string,
      string
    >;
    expect(event.origin).toBe('local');
    expect(event.statut_esms).toBe('40');
    expect(event.client_identifier).toBe(row.client_identifier);
  });

  it('rejects an invalid Task and rolls back the caller transaction', () => {
    const { notificationId } = seed();
    const bad: StatusReport = { ...report, statutESMS: '9999' };
    let error: unknown;
    try {
      inTransaction(db, () => {
        db.prepare("UPDATE notification SET esms_status = '40' WHERE id = ?").run(notificationId);
        enqueueStatusReport(db, { notificationId, finessEg: '010000018', report: bad, now, sdo: DEFAULT_SDO_CONTEXT });
      });
    } catch (e) {
      error = e;
    }
    expect((error as AppError).code).toBe('RESOURCE_INVALID');
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
    expect(db.prepare('SELECT esms_status FROM notification').pluck().get()).toBe('39');
  });

  it('queues a consent once per decision and EG', () => {
    const { decisionId } = seed();
    const out = inTransaction(db, () =>
      enqueueConsent(db, { decisionId, finessEg: '010000018', collectedOn: '2026-06-30', now }),
    );
    const row = db.prepare('SELECT * FROM outbox WHERE id = ?').get(out.outboxId) as OutboxRow;
    expect(row.kind).toBe('consent.create');
    expect(JSON.parse(row.payload_json).provision.data[0].reference.identifier.value).toBe('NAT1');
    expect(() =>
      inTransaction(db, () =>
        enqueueConsent(db, { decisionId, finessEg: '010000018', collectedOn: '2026-06-30', now }),
      ),
    ).toThrow(AppError);
  });
});
