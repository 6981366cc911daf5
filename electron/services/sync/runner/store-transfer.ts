/**
 * A StoreLocation handed to another thread or process, which opens its own connection to the same store: a worker
 * thread receives it structured-cloned (the SQLite key's Buffer arrives as a plain Uint8Array), a child process as
 * JSON (the key in hex).
 */
import type { StoreLocation } from '../../db/open-store';
import type { PostgresConnectionOptions } from '../../db/postgres/postgres-connection';

export type StoreLocationJson =
  | { readonly kind: 'sqlite'; readonly file: string; readonly keyHex: string }
  | { readonly kind: 'postgres'; readonly connection: PostgresConnectionOptions };

/** The location as a worker thread received it, with its SQLite key a Buffer again. */
export function storeLocationFromWorker(received: StoreLocation): StoreLocation {
  if (received.kind !== 'sqlite') return received;
  return { kind: 'sqlite', file: received.file, key: Buffer.from(received.key) };
}

export function storeLocationToJson(location: StoreLocation): StoreLocationJson {
  if (location.kind !== 'sqlite') return location;
  return { kind: 'sqlite', file: location.file, keyHex: location.key.toString('hex') };
}

export function storeLocationFromJson(json: StoreLocationJson): StoreLocation {
  if (json.kind !== 'sqlite') return json;
  return { kind: 'sqlite', file: json.file, key: Buffer.from(json.keyHex, 'hex') };
}
