/**
 * The sync lease against the real PostgreSQL test cluster: contenders are separate connection pools on one
 * organisation database, as separate workstations would be. Timings are shortened (heartbeat 200 ms, TTL 3 s)
 * but keep the product's ratio; every wait is on a lease event, never a fixed sleep.
 */
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@shared/errors/app-error';
import { openStore } from '../../db/open-store';
import { GROUP_ROLES } from '../../db/postgres/migrations/0003-roles-and-row-security';
import type { SqlDatabase } from '../../db/sql/sql-database';
import { testCluster } from '../../testing/postgres-test-cluster';
import { openTestStore, type TestStore } from '../../testing/test-stores';
import {
  checkSyncLeaseTimings,
  deskSyncLease,
  fenceRun,
  interruptedRunsQuery,
  OrganisationSyncLease,
  syncLeaseTimingsFromEnv,
  type SyncLease,
  type SyncLeaseState,
} from './sync-lease';

const TIMINGS = { heartbeatMs: 200, ttlMs: 3_000 };
const WAIT_MS = 30_000;

/** Resolves with the first state (current or coming) that satisfies `accept`. */
function leaseState(
  lease: SyncLease,
  accept: (state: SyncLeaseState) => boolean,
  what: string,
): Promise<SyncLeaseState> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`Bail : « ${what} » non atteint (${JSON.stringify(lease.state())})`));
    }, WAIT_MS);
    const done = (state: SyncLeaseState): void => {
      clearTimeout(timer);
      stop();
      resolve(state);
    };
    const stop = lease.onChange((state) => {
      if (accept(state)) done(state);
    });
    const now = lease.state();
    if (accept(now)) done(now);
  });
}

const holding = (state: SyncLeaseState): boolean => state.holder?.thisWorkstation === true;

describe('sync lease timings', () => {
  it('come from the environment, and a TTL shorter than three heartbeats is refused', () => {
    expect(syncLeaseTimingsFromEnv({})).toEqual({ heartbeatMs: 10_000, ttlMs: 45_000 });
    expect(
      syncLeaseTimingsFromEnv({ REFERENT_VT_SYNC_LEASE_HEARTBEAT_MS: '500', REFERENT_VT_SYNC_LEASE_TTL_MS: '3000' }),
    ).toEqual({ heartbeatMs: 500, ttlMs: 3_000 });
    expect(syncLeaseTimingsFromEnv({ REFERENT_VT_SYNC_LEASE_HEARTBEAT_MS: '500' })).toEqual({
      heartbeatMs: 500,
      ttlMs: 2_000,
    });
    expect(() => checkSyncLeaseTimings({ heartbeatMs: 1_000, ttlMs: 2_000 })).toThrow(/trois fois/);
  });

  it('a desk always holds its own sync', async () => {
    const desk = deskSyncLease('Poste du bureau');
    expect(desk.holds()).toBe(true);
    expect(await desk.confirm()).toBe(true);
    expect(desk.state()).toMatchObject({ shared: false, holder: { label: 'Poste du bureau', thisWorkstation: true } });
    expect(desk.fence()).toBeUndefined();
  });
});

describe.skipIf(!testCluster())('sync lease on the organisation’s PostgreSQL', () => {
  let store: TestStore;
  const pools: SqlDatabase[] = [];
  const leases: SyncLease[] = [];

  beforeEach(async () => {
    store = await openTestStore('postgres');
  });

  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.close();
    for (const pool of pools.splice(0)) await pool.close().catch(() => undefined);
    await store.close();
  });

  /** A workstation: its own pool on the organisation's database, its own lease. */
  async function contender(
    label: string,
    eligible = true,
    account?: { user: string; password: string },
  ): Promise<{ lease: OrganisationSyncLease; db: SqlDatabase }> {
    const location = store.location;
    const db = await openStore(
      account && location.kind === 'postgres'
        ? { ...location, connection: { ...location.connection, ...account } }
        : location,
    );
    pools.push(db);
    const lease = new OrganisationSyncLease({ db, label, timings: TIMINGS, eligible: () => Promise.resolve(eligible) });
    leases.push(lease);
    return { lease, db };
  }

  it('gives the sync to exactly one contender, named to the others; closing hands it over', async () => {
    const a = await contender('Poste A');
    const b = await contender('Poste B');
    const c = await contender('Poste C');
    // All three at once.
    const answers = await Promise.all([a.lease.confirm(), b.lease.confirm(), c.lease.confirm()]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    for (const x of [a, b, c]) x.lease.start();
    const holder = [a, b, c].find((x) => x.lease.holds())!;
    const others = [a, b, c].filter((x) => x !== holder);
    const holderLabel = holder.lease.state().holder!.label;
    for (const other of others) {
      expect(other.lease.holds()).toBe(false);
      const seen = await leaseState(other.lease, (s) => s.holder?.label === holderLabel, 'titulaire vu');
      expect(seen).toMatchObject({ shared: true, eligible: true, holder: { thisWorkstation: false } });
      expect(Date.parse(seen.holder!.since)).not.toBeNaN();
    }
    const row = await store.db.get<{ holder_label: string }>('SELECT holder_label FROM sync_lease');
    expect(row?.holder_label).toBe(holderLabel);

    await holder.lease.close();
    expect(await store.db.value('SELECT count(*) FROM sync_lease')).toBeLessThanOrEqual(1);
    // One of the two others takes over at its next attempt, and only one.
    await Promise.race(others.map((o) => leaseState(o.lease, holding, 'relais après fermeture')));
    expect(others.filter((o) => o.lease.holds())).toHaveLength(1);
    const next = others.find((o) => o.lease.holds())!;
    const remaining = others.find((o) => o !== next)!;
    await leaseState(remaining.lease, (s) => s.holder?.label === next.lease.state().holder?.label, 'nouveau titulaire');
  });

  it('takes over from a holder that stops renewing (crash, network cut) once its lease has expired', async () => {
    const a = await contender('Poste A');
    const b = await contender('Poste B');
    a.lease.start();
    await leaseState(a.lease, holding, 'A titulaire');
    b.lease.start();
    await leaseState(b.lease, (s) => s.holder?.label === 'Poste A', 'B voit A');
    const before = await store.db.get<{ generation: number }>('SELECT generation FROM sync_lease');

    // A's connection goes away without releasing anything: its renewals fail from now on.
    await a.db.close();
    const aLost = leaseState(a.lease, (s) => !s.holder?.thisWorkstation, 'A se sait dessaisi');
    const taken = await leaseState(b.lease, holding, 'B prend le relais');
    expect(taken.holder).toMatchObject({ label: 'Poste B', thisWorkstation: true });
    // A stopped on its own clock, before the server could give the lease away.
    await aLost;
    expect(a.lease.holds()).toBe(false);
    const after = await store.db.get<{ generation: number; holder_label: string }>(
      'SELECT generation, holder_label FROM sync_lease',
    );
    expect(after).toMatchObject({ holder_label: 'Poste B', generation: before!.generation + 1 });
  });

  it('fences a run: a holder that lost the lease cannot record one, and its open run is left to the live holder', async () => {
    const a = await contender('Poste A');
    const b = await contender('Poste B');
    expect(await a.lease.confirm()).toBe(true);
    const fenceA = a.lease.fence();
    const runA = await store.db.transaction(async (tx) => {
      const id = (await tx.value<number>("INSERT INTO sync_run (started_at) VALUES ('2026-01-01') RETURNING id"))!;
      await fenceRun(tx, fenceA, id);
      return id;
    });
    expect(await store.db.get('SELECT holder_label FROM sync_run WHERE id = ?', [runA])).toEqual({
      holder_label: 'Poste A',
    });
    // B may not close A's run while A's lease lives…
    const query = interruptedRunsQuery(b.lease.fence());
    expect(await store.db.all(query.sql, query.params)).toEqual([]);
    // … nor record a run of its own.
    const refused = await store.db
      .transaction(async (tx) => {
        const id = (await tx.value<number>("INSERT INTO sync_run (started_at) VALUES ('2026-01-01') RETURNING id"))!;
        await fenceRun(tx, b.lease.fence(), id);
      })
      .catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('SYNC_LEASE_LOST');
    expect(await store.db.value('SELECT count(*) FROM sync_run')).toBe(1);

    // A crashes (stops renewing); once B holds, A's open run is B's to close, and A's fence no longer passes.
    await a.db.close();
    b.lease.start();
    await leaseState(b.lease, holding, 'B prend le relais');
    expect((await store.db.all<{ id: number }>(query.sql, query.params)).map((r) => r.id)).toEqual([runA]);
    const late = await store.db
      .transaction(async (tx) => {
        const id = (await tx.value<number>("INSERT INTO sync_run (started_at) VALUES ('2026-01-01') RETURNING id"))!;
        await fenceRun(tx, fenceA, id);
      })
      .catch((e: unknown) => e);
    expect(isAppError(late) && late.code).toBe('SYNC_LEASE_LOST');
  });

  it('never gives the sync to a workstation without a usable certificate', async () => {
    const unable = await contender('Poste sans certificat', false);
    expect(await unable.lease.confirm()).toBe(false);
    expect(unable.lease.state()).toMatchObject({ eligible: false, holder: null });
    expect(await store.db.value('SELECT count(*) FROM sync_lease')).toBe(0);
    const able = await contender('Poste avec certificat');
    expect(await able.lease.confirm()).toBe(true);
    unable.lease.start();
    await leaseState(unable.lease, (s) => s.holder?.label === 'Poste avec certificat', 'titulaire vu');
  });

  it('never gives the sync to a referent’s account: it sees only its EGs, it may only read who syncs', async () => {
    const cluster = testCluster()!;
    const user = `referent_${crypto.randomBytes(4).toString('hex')}`;
    const password = crypto.randomBytes(18).toString('base64url');
    await cluster.adminQuery(`CREATE ROLE ${user} LOGIN PASSWORD '${password}' IN ROLE ${GROUP_ROLES.referent}`);
    try {
      const referent = await contender('Poste du référent', true, { user, password });
      expect(await referent.lease.confirm()).toBe(false);
      expect(referent.lease.state()).toMatchObject({ eligible: false, holder: null });
      const coordinator = await contender('Poste de la coordination');
      expect(await coordinator.lease.confirm()).toBe(true);
      expect(await referent.lease.confirm()).toBe(false);
      expect(referent.lease.state().holder).toMatchObject({
        label: 'Poste de la coordination',
        thisWorkstation: false,
      });
      await referent.lease.close();
      await referent.db.close();
      pools.splice(pools.indexOf(referent.db), 1);
    } finally {
      await cluster.adminQuery(`DROP ROLE IF EXISTS ${user}`).catch(() => undefined);
    }
  });
});
