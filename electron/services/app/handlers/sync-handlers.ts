import type { SyncService } from '../../sync/runner/sync-service';
import { readSyncLimits, writeSyncLimits } from '../../sync/items/item-store';
import { dismissGap, importAnyway, listQuarantine, rereadNow } from '../../sync/items/quarantine-queries';
import { abandonOutboxItem, listOutbox, retryOutboxItem } from '../../sync/outbox/outbox-queries';
import type { Handlers } from '../dispatch';
import type { AppContext } from '../app-context';
import { environmentSdo } from './environment-sdo';
import { journaled } from './user-action-journal';

type SyncChannel =
  | 'sync:status'
  | 'sync:run-now'
  | 'sync:cancel'
  | 'sync:outbox-list'
  | 'sync:outbox-retry'
  | 'sync:outbox-abandon'
  | 'sync:quarantine-list'
  | 'sync:quarantine-reread'
  | 'sync:quarantine-import'
  | 'sync:gap-dismiss'
  | 'sync:limits'
  | 'sync:set-limits';

async function limitsDto(ctx: AppContext) {
  const limits = await readSyncLimits(ctx.db);
  return { maxAttachmentKib: Math.round(limits.maxAttachmentBytes / 1024), rereadDays: limits.rereadDays };
}

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
      journaled(ctx, { action: 'Envoi relancé', recordType: 'envoi', recordId: String(req.id) }, async () => {
        const item = await retryOutboxItem(ctx.db, req.id);
        changed('sync', 'worklist');
        sync.requestPush([req.id]);
        return item;
      }),
    'sync:outbox-abandon': (req) =>
      journaled(ctx, { action: 'Envoi abandonné', recordType: 'envoi', recordId: String(req.id) }, async () => {
        const item = await abandonOutboxItem(ctx.db, req.id);
        changed('sync', 'worklist');
        return item;
      }),
    'sync:quarantine-list': (req) => listQuarantine(ctx.db, req.limit),
    'sync:quarantine-reread': (req) =>
      journaled(
        ctx,
        { action: 'Relecture demandée', recordType: 'quarantaine', recordId: String(req.id) },
        async () => {
          const item = await rereadNow(ctx.db, req.id);
          changed('sync');
          // The re-read is the next sync's: started now, its outcome is told like any other run's.
          void sync.runNow().catch(() => undefined);
          return item;
        },
      ),
    'sync:quarantine-import': (req) =>
      journaled(
        ctx,
        {
          action: 'Import malgré anomalie confirmé par le référent',
          recordType: 'quarantaine',
          recordId: String(req.id),
        },
        async () => {
          const { item } = await importAnyway(ctx.db, req.id, { sdo: environmentSdo(ctx), now: ctx.now() });
          changed('sync', 'worklist', 'dashboard');
          return item;
        },
        (item) =>
          `${item.flow} ${item.resourceId ?? ''} — défaut ${item.rule} jugé sans effet sur la décision ; confirmation du référent`,
      ),
    'sync:gap-dismiss': (req) =>
      journaled(
        ctx,
        { action: 'Période possiblement manquante traitée', recordType: 'période', recordId: String(req.id) },
        async () => {
          await dismissGap(ctx.db, req.id, ctx.now().toISOString());
          changed('sync', 'dashboard');
          return { dismissed: true as const };
        },
      ),
    'sync:limits': () => limitsDto(ctx),
    'sync:set-limits': (req) =>
      journaled(
        ctx,
        { action: 'Limites de synchronisation modifiées' },
        async () => {
          await writeSyncLimits(ctx.db, {
            ...(req.maxAttachmentKib !== undefined ? { maxAttachmentBytes: req.maxAttachmentKib * 1024 } : {}),
            ...(req.rereadDays !== undefined ? { rereadDays: req.rereadDays } : {}),
          });
          changed('sync');
          return limitsDto(ctx);
        },
        (l) => `pièce jointe ${l.maxAttachmentKib} kio, relecture ${l.rereadDays} jours`,
      ),
  };
}
