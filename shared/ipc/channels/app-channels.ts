import { z } from 'zod';
import type { DashboardCounts } from '../../domain/dashboard';
import type { JournalEntry } from '../../domain/journal';
import { channel } from '../channel';
import type { OrganisationUnavailable } from './organisation-channels';

export interface AppInfo {
  readonly version: string;
  readonly environmentId: string;
  readonly environmentLabel: string;
  readonly schemaVersion: number;
  /** 'electron' or 'navigateur' (browser host) */
  readonly shell: 'electron' | 'navigateur';
  /** Set when organisation mode is chosen but its server could not be opened: the session runs on the desk. */
  readonly organisationUnavailable?: OrganisationUnavailable;
}

export const appChannels = {
  'app:info': channel<AppInfo>()(z.object({}).strict()),
  'dashboard:counts': channel<DashboardCounts>()(z.object({}).strict()),
  'journal:list': channel<JournalEntry[]>()(
    z
      .object({
        limit: z.number().int().min(1).max(1000).default(200),
        beforeId: z.number().int().positive().optional(),
        actor: z.enum(['utilisateur', 'synchronisation', 'système']).optional(),
        outcome: z.enum(['succès', 'échec', 'info']).optional(),
      })
      .strict(),
  ),
  /** The renderer reports a user action that has no other handler (e.g. an export it made itself). */
  'journal:record-user-action': channel<{ id: number }>()(
    z
      .object({
        action: z.string().min(1).max(200),
        recordType: z.string().max(60).optional(),
        recordId: z.string().max(120).optional(),
        outcome: z.enum(['succès', 'échec', 'info']),
        detail: z.string().max(500).optional(),
      })
      .strict(),
  ),
} as const;
