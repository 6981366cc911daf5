/**
 * The single entry for every IPC call, shared by Electron's ipcMain and the browser host: parse the input with
 * the channel's zod schema, call the handler, wrap the outcome in a Result with a stable code and a French message.
 */
import { AppError, isAppError } from '@shared/errors/app-error';
import { CONTRACT, isChannelName, type ChannelName, type ParsedRequestOf, type ResponseOf } from '@shared/ipc/contract';
import { fail, ok, type Result } from '@shared/ipc/result';
import { createLogger } from '../logging/logger';

export type Handlers = {
  [C in ChannelName]: (request: ParsedRequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;
};

const log = createLogger('dispatch');

/** Largest accepted request, serialised (Bitwarden-style size limit at the boundary). */
export const MAX_REQUEST_BYTES = 1_000_000;

export async function dispatch(handlers: Handlers, channelName: string, rawInput: unknown): Promise<Result<unknown>> {
  if (!isChannelName(channelName)) {
    return fail({ code: 'UNKNOWN_CHANNEL', message: 'Opération inconnue.' });
  }
  const size = JSON.stringify(rawInput ?? {}).length;
  if (size > MAX_REQUEST_BYTES) {
    return fail({ code: 'INVALID_INPUT', message: 'La demande est trop volumineuse.' });
  }
  const parsed = CONTRACT[channelName].request.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(racine)').join(', ');
    return fail({ code: 'INVALID_INPUT', message: 'Les données envoyées sont invalides.', detail: where });
  }
  try {
    const handler = handlers[channelName] as (req: unknown) => unknown;
    return ok(await handler(parsed.data));
  } catch (e) {
    if (isAppError(e)) return fail(e.toData());
    log.error(`Erreur inattendue sur ${channelName}`, e);
    return fail(new AppError('INTERNAL', 'Une erreur inattendue est survenue. Elle a été consignée.').toData());
  }
}
