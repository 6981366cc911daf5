/**
 * Reading an HTTP body safely, for every server and client of the app (browser host, sandbox, transports): as
 * bytes, counted in bytes against a limit, an aborted stream turned into an error instead of a crash, and decoded
 * once as UTF-8 (a character split across two chunks stays whole; invalid UTF-8 is refused, not replaced).
 */
import type { Readable } from 'node:stream';

/** The largest HTTP body read from the wire: ViaTrajectoire's answers, the sandbox's requests. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export type BodyFailure = 'too-large' | 'aborted';

export class BodyReadError extends Error {
  constructor(
    readonly reason: BodyFailure,
    readonly bytes: number,
  ) {
    super(reason === 'too-large' ? `corps de plus de ${bytes} octets` : 'corps interrompu');
    this.name = 'BodyReadError';
  }
}

/**
 * The body's bytes, at most `maxBytes`. Past the limit reading stops (the stream is paused, the caller answers and
 * closes the connection) and the promise rejects with 'too-large'; a stream that ends early (the client closed its
 * socket) rejects with 'aborted'.
 */
export function readBodyBytes(stream: Readable, maxBytes: number = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += bytes.length;
      if (size > maxBytes) {
        stream.pause();
        settle(() => reject(new BodyReadError('too-large', maxBytes)));
        return;
      }
      chunks.push(bytes);
    };
    stream.on('data', onData);
    stream.once('end', () => settle(() => resolve(Buffer.concat(chunks, size))));
    stream.once('aborted', () => settle(() => reject(new BodyReadError('aborted', size))));
    stream.once('close', () => settle(() => reject(new BodyReadError('aborted', size))));
    stream.on('error', () => settle(() => reject(new BodyReadError('aborted', size))));
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The bytes as text, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
