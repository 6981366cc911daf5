import { z } from 'zod';
import type { OutboxItemDto, QuarantineItemDto, SyncStatusDto, SyncSummary } from '../../domain/sync';
import { channel } from '../channel';

const outboxStates = z.enum(['pending', 'in_flight', 'sent', 'rejected', 'abandoned']);

export interface SyncRunAnswer {
  readonly runId: number | null;
  readonly outcome: 'succès' | 'partiel' | 'échec' | 'annulé' | null;
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
} as const;
