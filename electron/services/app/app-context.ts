/**
 * What every handler needs, built once by bootstrap: the store, the journal, the clock, the event emitter.
 * Areas extend this through their own services, injected here rather than imported by handlers.
 */
import type { EventName, EventPayloads } from '@shared/ipc/contract';
import type { OrganisationUnavailable } from '@shared/ipc/channels/organisation-channels';
import type { StoreLocation } from '../db/open-store';
import type { SqlDatabase } from '../db/sql/sql-database';
import type { Journal } from '../journal/journal';
import type { HttpSenderFactory } from '../transport/sdo-transport';
import type { ConnectionServices } from './handlers/connection-services';

export interface EventEmitterPort {
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
}

export interface AppContext {
  /** The environment's store: the desk's SQLite or the organisation's PostgreSQL. */
  readonly db: SqlDatabase;
  /** Where that store is, for what opens its own connection to it (the sync worker). */
  readonly store: StoreLocation;
  readonly journal: Journal;
  readonly now: () => Date;
  readonly events: EventEmitterPort;
  readonly environmentId: string;
  readonly environmentLabel: string;
  readonly shell: 'electron' | 'navigateur';
  readonly version: string;
  /** Folder of this environment's data (database, certificates, sandbox). */
  readonly dataDir: string;
  /** The environment's stores (settings, certificates, trust anchors, secrets), opened once by bootstrap. */
  readonly connection: ConnectionServices;
  /** Degraded start: organisation mode chosen but its store not opened; `db` is the desk's, in consultation. */
  readonly organisationUnavailable?: OrganisationUnavailable;
  /** Electron only: HTTPS through Chromium's net stack, the way to a smart card's key (see bootstrap.ts). */
  readonly chromiumHttpSender?: HttpSenderFactory;
  /** Electron only: main's own file dialog; main then checks and uses the file itself (the renderer names none). */
  readonly chooseFile?: NativeFileChooser;
}

export type NativeFileChooser = (request: {
  readonly title: string;
  readonly extensions: readonly string[];
}) => Promise<string | undefined>;

/** Business dates are local dates: the one rule lives in shared/ (the renderer uses it too). */
export { localToday } from '@shared/domain/local-day';

/** A minimal fan-out emitter used by both shells. */
export class EventHub implements EventEmitterPort {
  private readonly listeners = new Set<(event: EventName, payload: unknown) => void>();
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const l of this.listeners) l(event, payload);
  }
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
