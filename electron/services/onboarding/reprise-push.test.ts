/**
 * Forced statuses (reprise) leave at once, like a confirmed status: through the contract on the app with its embedded
 * sandbox, the outbox is pushed without any sync run, and what ViaTrajectoire accepted is marked sent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReprisePushResult } from '@shared/domain/onboarding';
import type { EventPayloads } from '@shared/ipc/contract';
import type { RunningApplication } from '../app/bootstrap';
import { invokeChannel, startTestApplication } from '../app/testing/test-application';
import { makeTempDir } from '../testing/temp-dir';

const ESAT = '010000019';
const tmp = makeTempDir('referent-vt-reprise-push-');
let app: RunningApplication;
const invoke = <T>(channel: string, input: unknown): Promise<T> => invokeChannel<T>(app, channel, input);

beforeAll(async () => {
  app = await startTestApplication(tmp.dir);
}, 60_000);
afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

/** The next outbox push the app announces, and the data change it announces right after. */
function nextPush(): Promise<{ pushed: EventPayloads['outbox:pushed']; changed: EventPayloads['data:changed'] }> {
  return new Promise((resolve) => {
    let pushed: EventPayloads['outbox:pushed'] | undefined;
    const stop = app.hub.subscribe((event, payload) => {
      if (event === 'outbox:pushed') pushed = payload as EventPayloads['outbox:pushed'];
      else if (event === 'data:changed' && pushed) {
        stop();
        resolve({ pushed, changed: payload as EventPayloads['data:changed'] });
      }
    });
  });
}

it('pushes the forced statuses at once, without waiting for a sync', async () => {
  const sandbox = app.sandbox;
  if (!sandbox) throw new Error('bac à sable absent');
  expect((await invoke<{ outcome: string }>('sync:run-now', {})).outcome).toBe('succès');
  const known = await app.ctx.db.get<{ id_decision: string; id_ror: string }>(
    `SELECT d.id_decision, u.id_ror FROM notification n JOIN decision d ON d.id = n.decision_id
       JOIN ror_unit u ON u.finess_eg = n.finess_eg
     WHERE n.finess_eg = ? AND n.esms_status = '39' AND n.terminated = 0 ORDER BY n.id, u.id LIMIT 1`,
    [ESAT],
  );
  if (!known) throw new Error('notification absente');
  const csv = [
    'identifiant;situation;unite;date;motif;accord',
    `${known.id_decision};attente;${known.id_ror};2024-11-04;;`,
  ].join('\n');
  const tasksBefore = (await sandbox.admin.receivedTasks()).length;

  const pushed = nextPush();
  const result = await invoke<ReprisePushResult>('reprise:push', { csv, dryRun: false });
  expect(result.lines.map((l) => l.outcome)).toEqual(['ok']);
  const outboxIds = result.lines[0]?.outboxIds ?? [];
  expect(outboxIds).toHaveLength(1);

  const { pushed: push, changed } = await pushed;
  expect(push.sent).toEqual(outboxIds);
  // The Raccordement checklist counts accepted Tasks, the outbox screen lists states: both must refresh.
  expect(changed.scopes).toEqual(expect.arrayContaining(['onboarding', 'outbox', 'notifications', 'sync']));
  expect(await app.ctx.db.value('SELECT state FROM outbox WHERE id = ?', [outboxIds[0]])).toBe('sent');
  expect((await sandbox.admin.receivedTasks()).length).toBe(tasksBefore + 1);
});
