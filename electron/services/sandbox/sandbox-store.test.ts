import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SandboxStore } from './sandbox-store';

let dir: string;
let store: SandboxStore;
const FROZEN = Date.parse('2026-03-01T10:00:00.000Z');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-store-'));
  // A clock that never moves: the worst case for "updated strictly after the cursor".
  store = new SandboxStore(join(dir, 'sandbox.sqlite'), () => FROZEN);
  store.upsertLegalEntity('010000001', 'EJ FICTIVE');
  store.upsertEstablishment('010000019', '010000001', 'EG FICTIF');
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function decision(n: number) {
  return store.insertDecision({
    idNatDecision: `N${n}`,
    idDecision: `D${n}`,
    cdaXml: '<ClinicalDocument/>',
    targetedEgs: ['010000019'],
  });
}

describe('SandboxStore time stamps', () => {
  it('stamps a write made after a search later than the search instant, even when the clock stands still', () => {
    decision(1);
    const cursor = store.searchInstant();
    const later = decision(2);
    expect(later.lastUpdated).toBeGreaterThan(cursor);
    const page = store.decisionIdPage('010000019', cursor, store.searchInstant(), undefined, 10);
    expect(page.map((row) => row.id)).toEqual([later.id]);
  });

  it('pages an EG’s decisions in a stable order without gaps or repeats', () => {
    const ids = Array.from({ length: 7 }, (_, i) => decision(i).id);
    const until = store.searchInstant();
    const seen: string[] = [];
    let cursor: { lastUpdated: number; seq: number } | undefined;
    for (;;) {
      const page = store.decisionIdPage('010000019', 0, until, cursor, 3);
      if (page.length === 0) break;
      seen.push(...page.map((row) => row.id));
      cursor = page[page.length - 1]?.cursor;
    }
    expect(seen).toEqual(ids);
    expect(store.decisionMatchCount('010000019', 0, until)).toBe(7);
  });

  it('keeps the stamps monotonic across a reopen of the file', () => {
    const last = decision(1).lastUpdated + 5;
    for (let i = 2; i < 7; i++) decision(i);
    store.close();
    store = new SandboxStore(join(dir, 'sandbox.sqlite'), () => FROZEN);
    expect(store.stamp()).toBeGreaterThan(last);
  });
});
