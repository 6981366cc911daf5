/**
 * An HttpSender across threads. The sync runs in a worker; under Electron a smart card is reachable only through
 * Chromium's net stack, in the main process. The worker keeps the SDO protocol (token, struct_idnat, errors) and
 * hands each HTTPS exchange to the main process over a MessagePort; bodies travel as transferred buffers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MessagePort } from 'node:worker_threads';
import { AppError, isAppError, type AppErrorData } from '@shared/errors/app-error';
import type { TransportErrorCode } from '@shared/errors/transport-errors';
import type { HttpSender, RawResponse } from './sdo-transport';
import { TransportError } from './transport-error';

interface SendMessage {
  readonly id: number;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: ArrayBuffer;
  readonly timeoutMs: number;
}

type ReplyMessage =
  | { readonly id: number; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: ArrayBuffer }
  | { readonly id: number; readonly error: SentError };

interface SentError extends AppErrorData {
  readonly transport: boolean;
  readonly httpStatus?: number;
  readonly retryAfterSeconds?: number;
}

/** A copy of the bytes in a buffer of their own, so it can be transferred without detaching anyone else's. */
function ownBuffer(bytes: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/** The worker's side: sends each exchange to the port and waits for its reply. */
export function createPortHttpSender(port: MessagePort): HttpSender {
  const pending = new Map<number, { resolve: (r: RawResponse) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  // The port keeps the thread alive only while an exchange is waiting for its reply.
  port.unref();
  port.on('message', (reply: ReplyMessage) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) port.unref();
    if ('error' in reply) waiting.reject(errorFrom(reply.error));
    else waiting.resolve({ status: reply.status, headers: reply.headers, body: Buffer.from(reply.body) });
  });
  return {
    send(url, method, headers, body, timeoutMs) {
      if (closed) return Promise.reject(new AppError('INTERNAL', 'La connexion a été fermée.'));
      const id = nextId++;
      const transferred = body ? ownBuffer(body) : undefined;
      const message: SendMessage = {
        id,
        url: url.href,
        method,
        headers,
        timeoutMs,
        ...(transferred ? { body: transferred } : {}),
      };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        port.ref();
        port.postMessage(message, transferred ? [transferred] : []);
      });
    },
    close() {
      closed = true;
      for (const waiting of pending.values()) waiting.reject(new AppError('INTERNAL', 'La connexion a été fermée.'));
      pending.clear();
      port.close();
    },
  };
}

/** The main process's side: answers the worker's exchanges with a real sender (Chromium's net under Electron). */
export function servePortHttpSender(port: MessagePort, sender: HttpSender): void {
  port.on('message', (message: SendMessage) => {
    const body = message.body ? Buffer.from(message.body) : undefined;
    sender.send(new URL(message.url), message.method, message.headers, body, message.timeoutMs).then(
      (res) => {
        const bytes = ownBuffer(res.body);
        port.postMessage({ id: message.id, status: res.status, headers: res.headers, body: bytes }, [bytes]);
      },
      (error: unknown) => port.postMessage({ id: message.id, error: sentError(error) }),
    );
  });
}

function sentError(error: unknown): SentError {
  if (error instanceof TransportError) {
    return {
      ...error.toData(),
      transport: true,
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  }
  if (isAppError(error)) return { ...error.toData(), transport: false };
  return { code: 'INTERNAL', message: 'Erreur inattendue de la connexion.', transport: false };
}

function errorFrom(sent: SentError): AppError {
  if (!sent.transport) return new AppError(sent.code, sent.message, sent.detail);
  return new TransportError(sent.code as TransportErrorCode, sent.message, sent.detail, {
    ...(sent.httpStatus !== undefined ? { httpStatus: sent.httpStatus } : {}),
    ...(sent.retryAfterSeconds !== undefined ? { retryAfterSeconds: sent.retryAfterSeconds } : {}),
  });
}
