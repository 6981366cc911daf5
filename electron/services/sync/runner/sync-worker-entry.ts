/**
 * Worker thread running one sync with its own database connection (docs/decisions.md §4): the UI-facing connection in
 * the main thread stays responsive. Messages: in {type:'cancel'}; out progress / done / error.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openDatabase } from '../../db/database';
import { Journal } from '../../journal/journal';
import { createNodeTransport } from '../../transport/node-transport';
import { createPortHttpSender } from '../../transport/port-http-sender';
import { createSdoTransport, type SdoEndpointConfig } from '../../transport/sdo-transport';
import type { NodeTransportConfig, Transport } from '../../transport/transport';
import type { SdoSettings } from '@shared/domain/sdo-versions';
import { sdoContextOf } from '../../fhir';
import { runSyncOnce } from '../sync-engine';

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
  readonly databaseFile: string;
  readonly databaseKey: Uint8Array;
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
   * The parent thread checkpoints the WAL (SyncService does, on its own connection): this connection never does,
   * so copying pages from the WAL to the database (decrypted and encrypted again) leaves the sync's thread.
   */
  readonly checkpointInParent?: boolean;
}

async function main(): Promise<void> {
  const data = workerData as SyncWorkerData;
  const controller = new AbortController();
  parentPort?.on('message', (message: { type?: string }) => {
    if (message.type === 'cancel') controller.abort();
  });
  // Listening for "cancel" must not keep the thread alive once the run is over (the service waits for its exit).
  parentPort?.unref();
  const db = openDatabase({ file: data.databaseFile, key: Buffer.from(data.databaseKey) });
  if (data.checkpointInParent) db.pragma('wal_autocheckpoint = 0');
  const transport = workerTransport(data.transport);
  try {
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
    });
    parentPort?.postMessage({ type: 'done', result });
  } catch (error) {
    parentPort?.postMessage({
      type: 'error',
      message: (error as Error).message,
      code: (error as { code?: string }).code,
    });
  } finally {
    transport.close();
    db.close();
  }
}

function workerTransport(spec: WorkerTransport): Transport {
  if (spec.via === 'node') return createNodeTransport(spec.config);
  const port = spec.port;
  if (!port) throw new Error('port vers le processus principal absent');
  return createSdoTransport(spec.endpoints, () => createPortHttpSender(port));
}

void main();
