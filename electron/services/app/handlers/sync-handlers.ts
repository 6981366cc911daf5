import type { SyncService } from '../../sync/runner/sync-service';
import { abandonOutboxItem, listOutbox, listQuarantine, retryOutboxItem } from '../../sync/outbox/outbox-queries';
import type { Handlers } from '../dispatch';
import type { AppContext } from '../app-context';
import { journaled } from './user-action-journal';

type SyncChannel =
  | 'sync:status'
  | 'sync:run-now'
  | 'sync:cancel'
  | 'sync:outbox-list'
  | 'sync:outbox-retry'
  | 'sync:outbox-abandon'
  | 'sync:quarantine-list';

export function createSyncHandlers(ctx: AppContext, sync: SyncService): Pick<Handlers, SyncChannel> {
  const changed = (...scopes: string[]) => ctx.events.emit('data:changed', { scopes });
  return {
    'sync:status': () => sync.status(),
    'sync:run-now': () =>
      journaled(ctx, { action: 'Synchronisation demandée' }, async () => {
        const result = await sync.runNow();
        return result
          ? { runId: result.runId, outcome: result.outcome, summary: result.summary }
          : { runId: null, outcome: null, summary: null };
      }),
    'sync:cancel': () => journaled(ctx, { action: 'Synchronisation annulée' }, () => ({ cancelled: sync.cancel() })),
    'sync:outbox-list': (req) => listOutbox(ctx.db, req),
    'sync:outbox-retry': (req) =>
      journaled(ctx, { action: 'Envoi relancé', recordType: 'envoi', recordId: String(req.id) }, () => {
        const item = retryOutboxItem(ctx.db, req.id);
        changed('sync', 'worklist');
        return item;
      }),
    'sync:outbox-abandon': (req) =>
      journaled(ctx, { action: 'Envoi abandonné', recordType: 'envoi', recordId: String(req.id) }, () => {
        const item = abandonOutboxItem(ctx.db, req.id);
        changed('sync', 'worklist');
        return item;
      }),
    'sync:quarantine-list': (req) => listQuarantine(ctx.db, req.limit),
  };
}
