/**
 * The renderer's only door to the main process: the shared contract, through the preload (Electron) or the
 * browser host (loopback HTTP with the per-launch token). Both return the same Result envelope.
 */
import type { ChannelName, EventName, EventPayloads, RequestOf, ResponseOf } from '@shared/ipc/contract';
import type { Result } from '@shared/ipc/result';

export interface ApiClient {
  /**
   * `signal` aborts a request nobody waits for any more (a screen left before its data came): the browser host's
   * requests share the browser's few connections per origin (six, one of them the event stream), and a request left
   * waiting holds one from the screen the referent opened. Electron's IPC has no such limit and ignores it.
   */
  invoke<C extends ChannelName>(
    channel: C,
    request: RequestOf<C>,
    signal?: AbortSignal,
  ): Promise<Result<ResponseOf<C>>>;
  subscribe<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

interface PreloadApi {
  invoke: Record<string, (input: unknown) => Promise<unknown>>;
  subscribe: Record<string, (listener: (payload: unknown) => void) => () => void>;
}

declare global {
  interface Window {
    referentVt?: PreloadApi;
  }
}

function electronClient(api: PreloadApi): ApiClient {
  return {
    invoke: async (channel, request) => {
      const fn = api.invoke[channel];
      if (!fn) return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Opération inconnue.' } };
      return (await fn(request)) as Result<never>;
    },
    subscribe: (event, listener) => api.subscribe[event]?.((p) => listener(p as never)) ?? (() => undefined),
  };
}

const TOKEN_KEY = 'referent-vt-token';

function readHostToken(): string {
  const fromHash = /token=([A-Za-z0-9_-]+)/.exec(window.location.hash)?.[1];
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    // Keep the token out of the visible URL and history.
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function browserHostClient(): ApiClient {
  const token = readHostToken();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let streaming = false;

  async function stream(): Promise<void> {
    streaming = true;
    for (;;) {
      try {
        const res = await fetch('/api/events', { headers: { Authorization: `Bearer ${token}` } });
        if (!res.body) throw new Error('flux absent');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (!data) continue;
            const { event, payload } = JSON.parse(data.slice(6)) as { event: EventName; payload: unknown };
            listeners.get(event)?.forEach((l) => l(payload));
          }
        }
      } catch {
        // The host restarted or the connection dropped: retry calmly.
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  return {
    invoke: async (channel, request, signal) => {
      try {
        const res = await fetch(`/api/invoke/${channel}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(request ?? {}),
          signal,
        });
        return (await res.json()) as Result<never>;
      } catch (e) {
        // Aborted by its caller: not a failure to show, the caller dropped it (React Query reverts the query).
        if (signal?.aborted) throw e;
        return { ok: false, error: { code: 'NET_UNREACHABLE', message: 'L’application ne répond plus.' } };
      }
    },
    subscribe: (event, listener) => {
      if (!streaming) void stream();
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}

export const api: ApiClient = window.referentVt ? electronClient(window.referentVt) : browserHostClient();
