/**
 * The one IPC contract (docs/architecture.md §2): channel name → request schema + response type. The preload exposes one
 * function per channel, the main process validates every request with the channel's schema, the browser host
 * serves the same channels over loopback HTTP. Areas add their channels in ./channels/<area>-channels.ts.
 */
import type { z } from 'zod';
import type { Channel } from './channel';
import { appChannels } from './channels/app-channels';
import { certificateChannels } from './channels/certificate-channels';
import { environmentChannels } from './channels/environment-channels';
import { worklistChannels } from './channels/worklist-channels';
import { onboardingChannels } from './channels/onboarding-channels';
import { syncChannels } from './channels/sync-channels';
import { sandboxChannels } from './channels/sandbox-channels';
import { terminologyChannels } from './channels/terminology-channels';
import { dashboardChannels } from './channels/dashboard-channels';
import { organisationChannels } from './channels/organisation-channels';

export const CONTRACT = {
  ...appChannels,
  ...certificateChannels,
  ...environmentChannels,
  ...worklistChannels,
  ...onboardingChannels,
  ...syncChannels,
  ...sandboxChannels,
  ...terminologyChannels,
  ...dashboardChannels,
  ...organisationChannels,
} as const;

export type Contract = typeof CONTRACT;
export type ChannelName = keyof Contract;
export type RequestOf<C extends ChannelName> = z.input<Contract[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<Contract[C]['request']>;
export type ResponseOf<C extends ChannelName> = Contract[C] extends Channel<z.ZodType, infer R> ? R : never;

export const CHANNEL_NAMES = Object.keys(CONTRACT) as ChannelName[];

export function isChannelName(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(CONTRACT, name);
}

/** Events pushed from main to the renderer. */
export interface EventPayloads {
  /** Some data changed: the renderer invalidates the queries of these scopes. */
  'data:changed': {
    readonly scopes: readonly string[];
    /** Organisation mode, from the live link: the organisation's change counter the workstation is now up to. */
    readonly changeToken?: string;
  };
  'sync:progress': {
    readonly phase: string;
    readonly done: number;
    readonly total: number;
    readonly finessEg?: string;
    readonly running: boolean;
  };
  /** Queued statuses were pushed at once (outbox ids): accepted by ViaTrajectoire, refused, or still waiting. */
  'outbox:pushed': {
    readonly sent: readonly number[];
    readonly rejected: readonly number[];
    readonly waiting: number;
    readonly offline: boolean;
  };
}
export type EventName = keyof EventPayloads;
export const EVENT_NAMES: readonly EventName[] = ['data:changed', 'sync:progress', 'outbox:pushed'];
