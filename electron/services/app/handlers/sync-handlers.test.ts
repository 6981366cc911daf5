/**
 * The refused-items actions through the contract (zod at the boundary, journaled user actions), on the app with its
 * embedded sandbox: « Importer quand même » needs the referent's confirmation and is journaled with it; the limits
 * of Paramètres reach the sync.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { QuarantineItemDto } from '@shared/domain/sync';
import { buildDecisionDocumentReference } from '../../fhir';
import { makeTempDir } from '../../testing/temp-dir';
import type { RunningApplication } from '../bootstrap';
import { invokeChannel, startTestApplication } from '../testing/test-application';

const tmp = makeTempDir('referent-vt-sync-handlers-');
let app: RunningApplication;
const invoke = <T>(channel: string, input: unknown): Promise<T> => invokeChannel<T>(app, channel, input);

beforeAll(async () => {
  app = await startTestApplication(tmp.dir);
}, 60_000);
afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

it('« Importer quand même » takes in an att-1 decision only once confirmed, and journals the confirmation', async () => {
  const sandbox = app.sandbox;
  if (!sandbox?.operations) throw new Error('bac à sable absent');
  expect((await invoke<{ outcome: string }>('sync:run-now', {})).outcome).toBe('succès');
  const { idNatDecisions } = sandbox.operations.generateDecisions(1, ['010000019']);
  const record = sandbox.operations.decision(idNatDecisions[0] ?? '');
  if (!record) throw new Error('décision absente');
  // The DocumentReference as the sandbox builds it, without its attachment's contentType.
  const doc = buildDecisionDocumentReference({
    kind: 'decision',
    id: record.id,
    idDecision: record.idDecision,
    idNatDecision: record.idNatDecision,
    cdaXml: record.cdaXml,
    lastUpdated: new Date(record.lastUpdated).toISOString(),
  }) as unknown as { content: { attachment: Record<string, unknown> }[] };
  delete doc.content[0]?.attachment['contentType'];
  sandbox.operations.setRawAnswer({
    target: 'read',
    resourceType: 'DocumentReference',
    id: record.id,
    status: 200,
    contentType: 'application/fhir+json',
    body: JSON.stringify(doc),
  });
  expect((await invoke<{ outcome: string }>('sync:run-now', {})).outcome).toBe('anomalies');
  const items = await invoke<QuarantineItemDto[]>('sync:quarantine-list', {});
  const item = items.find((q) => q.resourceId === record.id);
  expect(item).toMatchObject({ rule: 'att-1', importable: true, kind: 'quarantaine' });

  await expect(invoke('sync:quarantine-import', { id: item?.id })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  const imported = await invoke<QuarantineItemDto>('sync:quarantine-import', { id: item?.id, confirmed: true });
  expect(imported.resourceId).toBe(record.id);
  expect(await invoke<QuarantineItemDto[]>('sync:quarantine-list', {})).not.toContainEqual(
    expect.objectContaining({ resourceId: record.id }),
  );
  const entry = (await app.ctx.journal.list({ limit: 20 })).find(
    (e) => e.action === 'Import malgré anomalie confirmé par le référent',
  );
  expect(entry).toMatchObject({ outcome: 'succès', recordId: String(item?.id) });
  expect(entry?.detail).toMatch(/att-1.*confirmation du référent/);
  // Imported once: a second try is refused and journaled as such.
  await expect(invoke('sync:quarantine-import', { id: item?.id, confirmed: true })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
}, 90_000);

it('the limits of Paramètres are kept within bounds and read back as stored', async () => {
  await expect(invoke('sync:set-limits', { maxAttachmentKib: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  expect(await invoke('sync:set-limits', { maxAttachmentKib: 512, rereadDays: 3 })).toEqual({
    maxAttachmentKib: 512,
    rereadDays: 3,
  });
  expect(await invoke('sync:limits', {})).toEqual({ maxAttachmentKib: 512, rereadDays: 3 });
});
