/**
 * Worker thread running one sync with its own connection to the store (docs/decisions.md §4): the UI-facing
 * connection in the main thread stays responsive. The store is given by its location, so the same worker syncs
 * into the desk's SQLite or the organisation's PostgreSQL. Messages: in {type:'cancel'}; out progress / done / error.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openStore, type StoreLocation } from '../../db/open-store';
import { SqliteDatabase } from '../../db/sql/sqlite-database';
import { Journal } from '../../journal/journal';
import { createNodeTransport } from '../../transport/node-transport';
import { createPortHttpSender } from '../../transport/port-http-sender';
import { createSdoTransport, type SdoEndpointConfig } from '../../transport/sdo-transport';
import type { NodeTransportConfig, Transport } from '../../transport/transport';
import type { SdoSettings } from '@shared/domain/sdo-versions';
import { sdoContextOf } from '../../fhir';
import { runSyncOnce } from '../sync-engine';
import { storeLocationFromWorker } from './store-transfer';
import type { RunFence } from '../lease/sync-lease';

/** How the worker reaches ViaTrajectoire. */
export type WorkerTransport =
  /** Node's https with the certificate material (.p12, or a card through the libp11 engine). */
  | { readonly via: 'node'; readonly config: NodeTransportConfig }
  /**
   * Under Electron with a smart card: the worker speaks the SDO protocol, the main process carries each exchange
   * with Chromium's net stack (the card's key lives there); SyncService adds the port.
   */
  | { readonly via: 'main'; readonly endpoints: SdoEndpointConfig; readonly port?: MessagePort };

export interface SyncWorkerData {
  /** The store to sync into; the worker opens its own connection to it. */
  readonly store: StoreLocation;
  readonly transport: WorkerTransport;
  readonly legalEntity?: { finessEj: string; name: string };
  readonly activateNewEgs?: boolean;
  /**
   * The environment's guide and terminology releases, and its folder (whose own terminology release files the
   * worker reads). Absent: the default release with the built-in code lists.
   */
  readonly sdo?: SdoSettings & { readonly environmentDir: string };
  /** Parallel reads of flux 1 (the engine's default otherwise). */
  readonly concurrency?: number;
  /**
   * SQLite: the parent thread checkpoints the WAL (SyncService does, on its own connection): this connection never
   * does, so copying pages from the WAL to the database (decrypted and encrypted again) leaves the sync's thread.
   */
  readonly checkpointInParent?: boolean;
  /** Organisation mode: the run is recorded only while this workstation holds the sync lease. */
  readonly fence?: RunFence;
}

/** What the app decides for each run; SyncService adds the store and how the WAL is checkpointed. */
export type SyncRunSettings = Omit<SyncWorkerData, 'store' | 'checkpointInParent' | 'fence'>;

async function main(): Promise<void> {
  const data = workerData as SyncWorkerData;
  const controller = new AbortController();
  parentPort?.on('message', (message: { type?: string }) => {
    if (message.type === 'cancel') controller.abort();
  });
  // Listening for "cancel" must not keep the thread alive once the run is over (the service waits for its exit).
  parentPort?.unref();
  const db = await openStore(storeLocationFromWorker(data.store));
  if (db instanceof SqliteDatabase) {
    if (data.checkpointInParent) db.connection.pragma('wal_autocheckpoint = 0');
    // Each flux 1 chunk is written in a savepoint (write-items.ts): its sub-journal (the pages it changes, as they
    // were) is kept in memory rather than written to a temporary file, one write per page.
    db.connection.pragma('temp_store = MEMORY');
  }
  let transport: Transport | undefined;
  try {
    transport = workerTransport(data.transport);
    const result = await runSyncOnce({
      db,
      journal: new Journal(db),
      transport,
      signal: controller.signal,
      onProgress: (progress) => parentPort?.postMessage({ type: 'progress', progress }),
      ...(data.legalEntity ? { legalEntity: data.legalEntity } : {}),
      activateNewEgs: data.activateNewEgs ?? false,
      sdo: sdoContextOf(data.sdo),
      ...(data.concurrency ? { concurrency: data.concurrency } : {}),
      ...(data.fence ? { fence: data.fence } : {}),
    });
    parentPort?.postMessage({ type: 'done', result });
  } catch (error) {
    postError(error);
  } finally {
    transport?.close();
    await db.close();
  }
}

function workerTransport(spec: WorkerTransport): Transport {
  if (spec.via === 'node') return createNodeTransport(spec.config);
  const port = spec.port;
  if (!port) throw new Error('port vers le processus principal absent');
  return createSdoTransport(spec.endpoints, () => createPortHttpSender(port));
}

function postError(error: unknown): void {
  parentPort?.postMessage({
    type: 'error',
    message: (error as Error).message,
    code: (error as { code?: string }).code,
  });
}

// The store could not be opened (wrong key, server unreachable): the run ends with its reason.
main().catch(postError);
