import { isAppError } from '@shared/errors/app-error';
import { journalErrorDetail } from '@shared/domain/journal';
import type { AppContext } from '../app-context';

export interface UserAction {
  /** French, e.g. « Import d’un certificat ». */
  readonly action: string;
  readonly recordType?: string;
  readonly recordId?: string;
}

/**
 * Runs a user action and journals its outcome, success or failure. Only the action, the record id, the error code
 * and its French message are written: never the request itself (it may hold a password, a PIN or a secret).
 */
export async function journaled<T>(
  ctx: AppContext,
  what: UserAction,
  run: () => Promise<T> | T,
  describe?: (value: T) => string | { detail: string; failed: boolean } | undefined,
): Promise<T> {
  try {
    const value = await run();
    const described = describe?.(value);
    const detail = typeof described === 'string' ? described : described?.detail;
    const outcome = typeof described === 'object' && described.failed ? 'échec' : 'succès';
    await ctx.journal.append({ actor: 'utilisateur', outcome, ...what, ...(detail ? { detail } : {}) });
    ctx.events.emit('data:changed', { scopes: ['journal'] });
    return value;
  } catch (e) {
    const detail = isAppError(e) ? journalErrorDetail(e.message, e.code) : 'Erreur inattendue';
    await ctx.journal.append({ actor: 'utilisateur', outcome: 'échec', ...what, detail });
    ctx.events.emit('data:changed', { scopes: ['journal'] });
    throw e;
  }
}
