/**
 * The single entry for every IPC call, shared by Electron's ipcMain and the browser host, and its error boundary:
 * whatever the caller sends, the answer is a Result with a stable code and a French message, the fault is logged,
 * and nothing escapes (no throw, no rejection): bounded depth and size, the channel's zod schema, then the handler.
 */
import { AppError, isAppError } from '@shared/errors/app-error';
import { CONTRACT, isChannelName, type ChannelName, type ParsedRequestOf, type ResponseOf } from '@shared/ipc/contract';
import { fail, ok, type Result } from '@shared/ipc/result';
import { createLogger } from '../logging/logger';
import { valueTooDeep } from './json-depth';

export type Handlers = {
  [C in ChannelName]: (request: ParsedRequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;
};

const log = createLogger('dispatch');

/** Largest accepted IPC request, in bytes of its JSON (Bitwarden-style size limit at the boundary). */
export const MAX_REQUEST_BYTES = 1_000_000;

export const TOO_LARGE = { code: 'INVALID_INPUT', message: 'La demande est trop volumineuse.' } as const;
export const TOO_DEEP = { code: 'INVALID_INPUT', message: 'La demande est imbriquée trop profondément.' } as const;
export const UNEXPECTED = new AppError('INTERNAL', 'Une erreur inattendue est survenue. Elle a été consignée.');

export async function dispatch(handlers: Handlers, channelName: string, rawInput: unknown): Promise<Result<unknown>> {
  try {
    if (!isChannelName(channelName)) {
      return fail({ code: 'UNKNOWN_CHANNEL', message: 'Opération inconnue.' });
    }
    const input = rawInput ?? {};
    if (valueTooDeep(input)) return fail(TOO_DEEP);
    if (Buffer.byteLength(JSON.stringify(input) ?? '') > MAX_REQUEST_BYTES) return fail(TOO_LARGE);
    const parsed = CONTRACT[channelName].request.safeParse(input);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(racine)').join(', ');
      return fail({ code: 'INVALID_INPUT', message: 'Les données envoyées sont invalides.', detail: where });
    }
    const handler = handlers[channelName] as (req: unknown) => unknown;
    return ok(await handler(parsed.data));
  } catch (e) {
    if (isAppError(e)) {
      log.info(`Refus sur ${channelName}`, { code: e.code });
      return fail(e.toData());
    }
    log.error(`Erreur inattendue sur ${channelName.slice(0, 80)}`, e);
    return fail(UNEXPECTED.toData());
  }
}
