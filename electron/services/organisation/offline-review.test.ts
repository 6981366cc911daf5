/**
 * The offline test of issue 15, in-process on a private PostgreSQL cluster: a referent's workstation in organisation
 * mode keeps its snapshot up to date (only its EG's rows, through its own account); the server is stopped; the next
 * start reads the snapshot (same work list, dated), keeps two actions for the organisation; the server comes back,
 * another workstation changes one of the two notifications meanwhile; « Se reconnecter » replays the other through
 * the normal recording path (status and outbox row in the organisation exactly once) and lists the conflict.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WaitingListUnit, WorklistResult } from '@shared/domain/worklist';
import type { DeskMigrationReport, OfflineReviewStatus } from '@shared/ipc/channels/organisation-channels';
import type { RunningApplication } from '../app/bootstrap';
import { invokeChannel, startTestApplication } from '../app/testing/test-application';
import { addMember, setAssignments } from '../db/postgres/organisation-admin';
import { migratePostgres } from '../db/postgres/migrations';
import { PostgresDatabase } from '../db/sql/postgres-database';
import { DEFAULT_SDO_CONTEXT } from '../fhir';
import { Journal } from '../journal/journal';
import { startPostgresCluster, type PostgresCluster } from '../testing/postgres-cluster';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import { performAction } from '../worklist/notification-actions';
import { FIXTURE_TODAY, seedDesk } from './testing/desk-fixture';
import { SNAPSHOT_FILE_NAME } from './offline-snapshot';

const SCHEMA = 'referent_vt';
const DATABASE = 'organisation';

describe.skipIf(!testCluster())('offline review in organisation mode', () => {
  const tmp = makeTempDir('referent-vt-offline-');
  const key = crypto.randomBytes(32);
  const coordinator = { user: 'coord_offline', password: `coo-${crypto.randomBytes(12).toString('hex')}` };
  const referent = { user: 'ref_offline', password: `ref-${crypto.randomBytes(12).toString('hex')}` };
  let cluster: PostgresCluster;
  let admin: PostgresDatabase;
  /** The referent's EG: the only one its snapshot may hold. */
  let finessEg: string;

  const start = (): Promise<RunningApplication> =>
    startTestApplication(tmp.dir, {
      embeddedSandbox: false,
      databaseKey: () => key,
      offlineReview: { probeIntervalMs: 0, refreshDelayMs: 20 },
    });
  const status = (app: RunningApplication) =>
    invokeChannel<OfflineReviewStatus>(app, 'organisation:offline-status', {});
  const adminValue = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number(await admin.value(sql, params));

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    await cluster.createDatabase(DATABASE);
    admin = PostgresDatabase.fromSettings({
      ...cluster.admin(DATABASE),
      ssl: false,
      schema: SCHEMA,
      maxConnections: 2,
    });
    await migratePostgres(admin);
    await addMember(admin, coordinator.user, coordinator.password, 'coordinateur');
    await addMember(admin, referent.user, referent.password, 'référent');

    // A desk moved into the organisation (through the app's own channels), then switched to the referent's account.
    const desk = await start();
    try {
      await seedDesk(desk.ctx.db, { count: 80 });
      const server = { host: cluster.socketDir, port: cluster.port, database: DATABASE, schema: SCHEMA };
      await invokeChannel(desk, 'organisation:update', { ...server, ...coordinator });
      const migrated = await invokeChannel<DeskMigrationReport>(desk, 'organisation:migration-run', {});
      expect(migrated.applied).toBe(true);
      await invokeChannel(desk, 'organisation:update', { user: referent.user, password: referent.password });
      await invokeChannel(desk, 'organisation:update', { mode: 'organisation' });
    } finally {
      await desk.close();
    }
    finessEg = String(
      await admin.value(
        `SELECT finess_eg FROM notification GROUP BY finess_eg HAVING count(*) > 5 ORDER BY count(*) DESC LIMIT 1`,
      ),
    );
    await setAssignments(admin, referent.user, [finessEg]);
  }, 240_000);

  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
    tmp.cleanup();
  });

  it('reads the snapshot when the server is stopped, keeps the actions and replays them when it is back', async () => {
    // Online: the snapshot follows the organisation, the referent's EG only.
    const online = await start();
    let onlineList: WorklistResult;
    let onlineWaiting: WaitingListUnit[];
    let takenOnline: string;
    let untouched: number[];
    try {
      expect(online.ctx.store.kind).toBe('postgres');
      await online.offline.idle();
      const first = await status(online);
      expect(first).toMatchObject({ mode: 'en-ligne', actions: [] });
      expect(first.snapshotTakenAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

      // An action online: the snapshot is refreshed after it.
      const ids = await online.ctx.db.all<{ id: number }>(
        "SELECT id FROM notification WHERE esms_status = '39' AND finess_eg = ? ORDER BY id",
        [finessEg],
      );
      expect(ids.length).toBeGreaterThanOrEqual(3);
      untouched = ids.map((r) => r.id);
      await invokeChannel(online, 'notifications:perform-action', {
        notificationId: untouched[0],
        action: 'contact-effectue',
        date: FIXTURE_TODAY,
        motif: '150',
      });
      await online.offline.idle();
      takenOnline = (await status(online)).snapshotTakenAt!;
      expect(takenOnline >= first.snapshotTakenAt!).toBe(true);
      onlineList = await invokeChannel<WorklistResult>(online, 'notifications:list', {});
      onlineWaiting = await invokeChannel<WaitingListUnit[]>(online, 'waiting-lists:list', {});
      expect(onlineList.rows.length).toBeGreaterThan(0);
      // Row security: the organisation holds other EGs, the referent's view (and so its snapshot) only its own.
      expect(await adminValue('SELECT count(DISTINCT finess_eg) FROM notification')).toBeGreaterThan(1);
      expect(new Set(onlineList.rows.map((r) => r.finessEg))).toEqual(new Set([finessEg]));
    } finally {
      await online.close();
    }

    let offline: RunningApplication | undefined;
    const [replayedId, conflictId] = [untouched[1]!, untouched[2]!];
    try {
      // The server stopped: the next start reads the snapshot, keeps the actions; the server then comes back.
      await cluster.restart(async () => {
        // Offline: the same work list and waiting lists, from the snapshot, with its date.
        offline = await start();
        expect(offline.ctx.organisationUnavailable?.code).toBe('DB_SERVER_UNREACHABLE');
        expect(offline.ctx.store.kind === 'sqlite' && path.basename(offline.ctx.store.file)).toBe(SNAPSHOT_FILE_NAME);
        expect(await status(offline)).toMatchObject({ mode: 'hors-ligne', snapshotTakenAt: takenOnline, actions: [] });
        const { elapsedMs: _elapsed, ...offlineList } = await invokeChannel<WorklistResult>(
          offline,
          'notifications:list',
          {},
        );
        expect(offlineList).toEqual({ ...onlineList, elapsedMs: undefined });
        expect(await invokeChannel<WaitingListUnit[]>(offline, 'waiting-lists:list', {})).toEqual(onlineWaiting);
        expect(
          (await invokeChannel<{ organisationUnavailable?: unknown }>(offline, 'app:info', {})).organisationUnavailable,
        ).toBeDefined();

        // Two actions kept for the organisation, with the version seen; nothing else may reach ViaTrajectoire.
        for (const notificationId of [replayedId, conflictId]) {
          const kept = await invokeChannel<{ outboxIds: number[]; label: string }>(
            offline,
            'notifications:perform-action',
            { notificationId, action: 'contact-effectue', date: FIXTURE_TODAY, motif: '150' },
          );
          expect(kept).toMatchObject({ outboxIds: [], label: 'Contact effectué' });
        }
        // A second action on the same notification: replayed after the first, on the version the first left.
        await invokeChannel(offline, 'notifications:record-consent', {
          notificationId: replayedId,
          collectedOn: FIXTURE_TODAY,
        });
        const waiting = await status(offline);
        expect(waiting.actions.map((a) => [a.notificationId, a.kind, a.state])).toEqual([
          [replayedId, 'statut', 'en-attente'],
          [conflictId, 'statut', 'en-attente'],
          [replayedId, 'accord', 'en-attente'],
        ]);
        await expect(invokeChannel(offline, 'sync:run-now', {})).rejects.toMatchObject({ code: 'ORG_UNAVAILABLE' });
        // Still unreachable: « Se reconnecter » says why and keeps everything.
        const stillDown = await invokeChannel<OfflineReviewStatus>(offline, 'organisation:reconnect', {});
        expect(stillDown.lastAttemptError).toMatch(/injoignable/);
        expect(stillDown.actions).toHaveLength(3);
      });
      if (!offline) throw new Error('La session hors ligne n’a pas démarré.');
      const session = offline;
      // Meanwhile another workstation (the coordinator's) records a status on the second notification.
      const other = PostgresDatabase.fromSettings({
        host: cluster.socketDir,
        port: cluster.port,
        database: DATABASE,
        ...coordinator,
        ssl: false,
        schema: SCHEMA,
        maxConnections: 1,
      });
      try {
        const now = () => new Date();
        await performAction(
          {
            db: other,
            journal: new Journal(other, now),
            now,
            today: () => FIXTURE_TODAY,
            sdo: () => DEFAULT_SDO_CONTEXT,
          },
          { notificationId: conflictId, action: 'contact-effectue', date: FIXTURE_TODAY, motif: '151' },
        );
      } finally {
        await other.close();
      }
      const outboxOf = (id: number) => adminValue('SELECT count(*) FROM outbox WHERE notification_id = ?', [id]);
      const consentsOf = (id: number) =>
        adminValue(
          `SELECT count(*) FROM consent c JOIN notification n ON n.decision_id = c.decision_id
              AND n.finess_eg = c.finess_eg WHERE n.id = ?`,
          [id],
        );
      expect(await outboxOf(replayedId)).toBe(0);
      const consentsBefore = await consentsOf(replayedId);

      const back = await invokeChannel<OfflineReviewStatus>(session, 'organisation:reconnect', {});
      expect(back.reachableAgainAt).toBeDefined();
      expect(back.lastAttemptError).toBeUndefined();
      expect(back.snapshotTakenAt! > takenOnline).toBe(true);
      expect(back.actions.map((a) => [a.notificationId, a.state])).toEqual([[conflictId, 'conflit']]);
      expect(back.actions[0]!.message).toMatch(/modifiée/);

      // The replayed action is in the organisation exactly once: its status and its outbox row.
      expect(await admin.value('SELECT esms_status FROM notification WHERE id = ?', [replayedId])).toBe('41');
      expect(await outboxOf(replayedId)).toBe(1);
      expect(
        await adminValue("SELECT count(*) FROM status_event WHERE notification_id = ? AND origin <> 'vt'", [
          replayedId,
        ]),
      ).toBe(1);
      // The conflicting one kept the other workstation's status only.
      expect(await outboxOf(conflictId)).toBe(1);
      expect(await consentsOf(replayedId)).toBe(consentsBefore + 1);
      const journal = await admin.all<{ action: string; outcome: string }>(
        "SELECT action, outcome FROM journal WHERE action LIKE 'Action hors ligne%' ORDER BY id",
      );
      expect(journal).toEqual([
        { action: `Action hors ligne rejouée : Contact effectué (notification ${replayedId})`, outcome: 'succès' },
        {
          action: `Action hors ligne non rejouée (conflit) : Contact effectué (notification ${conflictId})`,
          outcome: 'échec',
        },
        {
          action: `Action hors ligne rejouée : Accord de la personne recueilli le ${FIXTURE_TODAY} (notification ${replayedId})`,
          outcome: 'succès',
        },
      ]);
      // The snapshot the session reads now shows the organisation's state.
      const detail = await invokeChannel<WorklistResult>(session, 'notifications:list', {});
      expect(detail.rows.find((r) => r.id === replayedId)).toBeDefined();
      expect(await session.ctx.db.value('SELECT esms_status FROM notification WHERE id = ?', [replayedId])).toBe('41');

      // A second attempt replays nothing again.
      await invokeChannel(session, 'organisation:reconnect', {});
      expect(await outboxOf(replayedId)).toBe(1);
    } finally {
      await offline?.close();
    }

    // The next start reaches the organisation: nothing replayed twice, the conflict still listed until set aside.
    const again = await start();
    try {
      expect(again.ctx.store.kind).toBe('postgres');
      await again.offline.idle();
      const listed = await status(again);
      expect(listed.actions.map((a) => a.state)).toEqual(['conflit']);
      expect(await adminValue('SELECT count(*) FROM outbox WHERE notification_id = ?', [untouched[1]])).toBe(1);
      const dismissed = await invokeChannel<OfflineReviewStatus>(again, 'organisation:offline-dismiss', {
        id: listed.actions[0]!.id,
      });
      expect(dismissed.actions).toEqual([]);
    } finally {
      await again.close();
    }
  }, 240_000);
});
