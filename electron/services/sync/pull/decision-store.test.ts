/**
 * The DocumentReference stored without the base64 of its CDA (kept decoded in raw_cda) is rebuilt byte for byte;
 * anything the rebuild could not reproduce exactly is stored whole.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDecisionBatch } from '../../cda/fake';
import { parseDecisionCda } from '../../cda/decision-cda-parser';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { openTestStore, TEST_BACKENDS, type TestStore } from '../../testing/test-stores';
import {
  CDA_DATA_MARKER,
  compactDecisionResourceJson,
  decisionResourceJson,
  storeDecision,
  type StoreDecisionInput,
} from './decision-store';

const first = (doc: Doc): Record<string, unknown> => doc.content[0]!.attachment;

const EXAMPLE = fs.readFileSync(
  new URL('../../fhir/examples/DocumentReference-exemple-esms-document-reference.json', import.meta.url),
  'utf8',
);

interface Doc {
  content: { attachment: Record<string, unknown> }[];
  description?: string;
}

/** A decision DocumentReference as the server sends it (parsed JSON) with its decoded CDA. */
function received(cda: string, mutate: (doc: Doc) => void = () => undefined) {
  const doc = JSON.parse(EXAMPLE) as Doc;
  first(doc).data = Buffer.from(cda, 'utf8').toString('base64');
  mutate(doc);
  const decoded = Buffer.from(first(doc).data as string, 'base64').toString('utf8');
  return { doc, raw: JSON.stringify(doc), decoded };
}

const CDA =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument>Décision d’orientation — fictive</ClinicalDocument>';

describe('decision resource storage', () => {
  it('stores the resource without its base64 CDA and rebuilds the received JSON exactly', () => {
    const { doc, raw, decoded } = received(CDA);
    const stored = compactDecisionResourceJson(doc, decoded);
    expect(stored).toBeDefined();
    expect(stored).toContain(`"data":"${CDA_DATA_MARKER}"`);
    expect(stored!.length).toBeLessThan(raw.length - Buffer.from(CDA).toString('base64').length + 20);
    expect(decisionResourceJson({ raw_resource_json: stored!, raw_cda: decoded })).toBe(raw);
    // The resource object is left as received.
    expect(JSON.stringify(doc)).toBe(raw);
  });

  it('rebuilds exactly whatever the CDA, the key order and the other contents hold', () => {
    const samples = ['', 'a', 'ab', 'abc', '\u0000', '😀 émoji', `"data":"${CDA_DATA_MARKER}"`, CDA.repeat(50)];
    for (const cda of samples) {
      const variants: ((doc: Doc) => void)[] = [
        () => undefined,
        (doc) => {
          doc.content.push({ attachment: { contentType: 'text/plain', data: 'QUJD' } });
        },
        (doc) => {
          // data first, then the other keys of the attachment.
          const { data, ...rest } = first(doc);
          doc.content[0] = { attachment: { data, ...rest } };
        },
        (doc) => {
          doc.description = `"data":"${CDA_DATA_MARKER}"`;
        },
      ];
      for (const mutate of variants) {
        const { doc, raw, decoded } = received(cda, mutate);
        const stored = compactDecisionResourceJson(doc, decoded);
        expect(decisionResourceJson({ raw_resource_json: stored!, raw_cda: decoded })).toBe(raw);
      }
    }
  });

  it('keeps the whole resource when the decoded CDA does not give back the same base64', () => {
    const cases: ((doc: Doc) => void)[] = [
      // Not UTF-8: decoding replaces the byte, so re-encoding differs.
      (doc) => {
        first(doc).data = Buffer.from([0x3c, 0xff, 0x3e]).toString('base64');
      },
      // Unpadded base64 is decoded the same but not re-encoded the same.
      (doc) => {
        first(doc).data = Buffer.from('ab').toString('base64').replace(/=+$/, '');
      },
    ];
    for (const mutate of cases) {
      const { doc, raw, decoded } = received(CDA, mutate);
      const stored = compactDecisionResourceJson(doc, decoded);
      expect(stored).toBe(raw);
      expect(decisionResourceJson({ raw_resource_json: stored!, raw_cda: decoded })).toBe(raw);
    }
  });

  it('refuses a resource that holds the marker itself: stored, it could not be told from a compacted one', () => {
    const marked: ((doc: Doc) => void)[] = [
      (doc) => {
        doc.content.push({ attachment: { data: CDA_DATA_MARKER } });
      },
      (doc) => {
        first(doc).data = CDA_DATA_MARKER;
      },
    ];
    for (const mutate of marked) {
      const { doc, decoded } = received(CDA, mutate);
      expect(compactDecisionResourceJson(doc, decoded)).toBeUndefined();
    }
  });
});

const KNOWN_EGS = ['010000019', '010000027'];
const UNKNOWN_EG = '010000035';
const batch = generateDecisionBatch({
  seed: 41,
  count: 40,
  finessEgs: [...KNOWN_EGS, UNKNOWN_EG],
  today: '2026-11-02',
});

function inputOf(item: (typeof batch)[number], lastUpdated = '2026-11-02T08:00:00.000+00:00'): StoreDecisionInput {
  return {
    // Received under the first EG it targets (a closure targets its closed decision's EGs).
    finessEg: item.targetedEgs[0] ?? KNOWN_EGS[0]!,
    documentReferenceId: `dr-${item.idNatDecision}`,
    idNatDecision: item.idNatDecision,
    serverLastUpdated: lastUpdated,
    parsed: parseDecisionCda(item.cdaXml),
    rawResourceJson: '{}',
    rawCda: item.cdaXml,
    nowIso: '2026-11-02T09:00:00.000Z',
  };
}

describe.each(TEST_BACKENDS)('storeDecision (%s)', (backend) => {
  let store: TestStore;
  let db: SqlDatabase;
  const counts = async () => ({
    decisions: await db.value<number>('SELECT count(*) FROM decision'),
    notifications: await db.value<number>('SELECT count(*) FROM notification'),
    links: await db.value<number>('SELECT count(*) FROM decision_link'),
    persons: await db.value<number>('SELECT count(*) FROM person'),
  });

  beforeEach(async () => {
    store = await openTestStore(backend);
    db = store.db;
    await db.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000001', 'EJ FICTIVE')");
    for (const eg of KNOWN_EGS) {
      await db.run("INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES (?, '010000001', ?)", [
        eg,
        `EG ${eg}`,
      ]);
    }
  });
  afterEach(async () => store.close());

  it('creates each decision once, with one notification per targeted EG known locally; a re-read changes nothing', async () => {
    const stored = await db.transaction(async (tx) => {
      const outcomes: string[] = [];
      for (const item of batch) outcomes.push(await storeDecision(tx, inputOf(item)));
      return outcomes;
    });
    expect(stored).toEqual(batch.map(() => 'created'));
    const before = await counts();
    expect(before.decisions).toBe(batch.length);
    for (const item of batch) {
      const egs = await db.all<{ finess_eg: string }>(
        `SELECT n.finess_eg FROM notification n JOIN decision d ON d.id = n.decision_id
          WHERE d.id_nat_decision = ? ORDER BY n.finess_eg`,
        [item.idNatDecision],
      );
      const expected = [...new Set(item.targetedEgs.filter((eg) => KNOWN_EGS.includes(eg)))].sort();
      expect(egs.map((r) => r.finess_eg)).toEqual(expected);
    }
    const again = await db.transaction(async (tx) => {
      const outcomes: string[] = [];
      for (const item of batch) outcomes.push(await storeDecision(tx, inputOf(item)));
      return outcomes;
    });
    expect(again).toEqual(batch.map(() => 'unchanged'));
    expect(await counts()).toEqual(before);
  });

  it('rewrites a decision the server changed, and only that one', async () => {
    const [first, second] = batch as [(typeof batch)[number], (typeof batch)[number]];
    await db.transaction(async (tx) => {
      await storeDecision(tx, inputOf(first));
      await storeDecision(tx, inputOf(second));
    });
    const later = '2026-11-03T08:00:00.000+00:00';
    expect(await db.transaction((tx) => storeDecision(tx, inputOf(first, later)))).toBe('updated');
    expect(await db.transaction((tx) => storeDecision(tx, inputOf(second)))).toBe('unchanged');
    const lastUpdated = await db.all<{ id_nat_decision: string; server_last_updated: string }>(
      'SELECT id_nat_decision, server_last_updated FROM decision ORDER BY id',
    );
    expect(lastUpdated).toEqual([
      { id_nat_decision: first.idNatDecision, server_last_updated: later },
      { id_nat_decision: second.idNatDecision, server_last_updated: '2026-11-02T08:00:00.000+00:00' },
    ]);
    // A decision stored without its server instant is changed by one that has it.
    const third = batch[2]!;
    await db.transaction((tx) => storeDecision(tx, { ...inputOf(third), serverLastUpdated: null }));
    expect(await db.transaction((tx) => storeDecision(tx, { ...inputOf(third), serverLastUpdated: null }))).toBe(
      'unchanged',
    );
    expect(await db.transaction((tx) => storeDecision(tx, inputOf(third)))).toBe('updated');
  });

  it('a clôture de droit finishes the notification of the decision it closes, in the same EG', async () => {
    const closures = batch.filter((item) => item.spec.scenario === 'cloture');
    expect(closures.length).toBeGreaterThan(0);
    await db.transaction(async (tx) => {
      for (const item of batch) await storeDecision(tx, inputOf(item));
    });
    for (const closure of closures) {
      const closed = await db.all<{ terminated: number }>(
        `SELECT n.terminated FROM decision_link l
           JOIN decision c ON c.id = l.decision_id
           JOIN decision d ON d.id_decision = l.linked_id_decision
           JOIN notification n ON n.decision_id = d.id
          WHERE c.id_nat_decision = ? AND n.finess_eg = ?`,
        [closure.idNatDecision, closure.targetedEgs[0]],
      );
      expect(closed.length).toBeGreaterThan(0);
      expect(closed.every((n) => n.terminated === 1)).toBe(true);
    }
  });
});
