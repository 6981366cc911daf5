import { z } from 'zod';
import type { OutboxItemDto, QuarantineItemDto, SyncOutcome, SyncStatusDto, SyncSummary } from '../../domain/sync';
import { channel } from '../channel';

const outboxStates = z.enum(['pending', 'in_flight', 'sent', 'rejected', 'abandoned']);

export interface SyncRunAnswer {
  readonly runId: number | null;
  readonly outcome: SyncOutcome | null;
  readonly summary: SyncSummary | null;
}

export const syncChannels = {
  'sync:status': channel<SyncStatusDto>()(z.object({}).strict()),
  /** Runs one sync now and answers when it is over (progress arrives meanwhile as sync:progress events). */
  'sync:run-now': channel<SyncRunAnswer>()(z.object({}).strict()),
  'sync:cancel': channel<{ cancelled: boolean }>()(z.object({}).strict()),
  'sync:outbox-list': channel<OutboxItemDto[]>()(
    z
      .object({
        states: z.array(outboxStates).max(5).optional(),
        limit: z.number().int().min(1).max(2000).default(500),
      })
      .strict(),
  ),
  'sync:outbox-retry': channel<OutboxItemDto>()(z.object({ id: z.number().int().positive() }).strict()),
  'sync:outbox-abandon': channel<OutboxItemDto>()(z.object({ id: z.number().int().positive() }).strict()),
  'sync:quarantine-list': channel<QuarantineItemDto[]>()(
    z.object({ limit: z.number().int().min(1).max(2000).default(500) }).strict(),
  ),
  /** "Relire maintenant": the item becomes due and a sync starts (its outcome arrives as usual). */
  'sync:quarantine-reread': channel<QuarantineItemDto>()(z.object({ id: z.number().int().positive() }).strict()),
  /** "Importer quand même", only once the referent has confirmed (journaled with that confirmation). */
  'sync:quarantine-import': channel<QuarantineItemDto>()(
    z.object({ id: z.number().int().positive(), confirmed: z.literal(true) }).strict(),
  ),
  /** The referent has recovered a period possibly missing (or checked nothing is missing). */
  'sync:gap-dismiss': channel<{ dismissed: true }>()(z.object({ id: z.number().int().positive() }).strict()),
  'sync:limits': channel<SyncLimitsDto>()(z.object({}).strict()),
  'sync:set-limits': channel<SyncLimitsDto>()(
    z
      .object({
        maxAttachmentKib: z.number().int().min(16).max(65536).optional(),
        rereadDays: z.number().int().min(1).max(90).optional(),
      })
      .strict(),
  ),
} as const;

/** Paramètres of the sync: largest decision attachment (kio), days an item stays "à relire". */
export interface SyncLimitsDto {
  readonly maxAttachmentKib: number;
  readonly rereadDays: number;
}
