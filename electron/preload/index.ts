/**
 * Builds window.referentVt from the shared contract: one function per channel and one subscription per event,
 * each returning an unsubscribe function. Nothing else crosses (docs/architecture.md §2).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNEL_NAMES, EVENT_NAMES, type ChannelName, type EventName } from '@shared/ipc/contract';

const invoke: Record<string, (input: unknown) => Promise<unknown>> = {};
for (const name of CHANNEL_NAMES) {
  const channelName: ChannelName = name;
  invoke[channelName] = (input: unknown) => ipcRenderer.invoke(channelName, input);
}

const subscribe: Record<string, (listener: (payload: unknown) => void) => () => void> = {};
for (const name of EVENT_NAMES) {
  const eventName: EventName = name;
  subscribe[eventName] = (listener) => {
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(`event:${eventName}`, wrapped);
    return () => ipcRenderer.removeListener(`event:${eventName}`, wrapped);
  };
}

contextBridge.exposeInMainWorld(
  'referentVt',
  Object.freeze({ invoke: Object.freeze(invoke), subscribe: Object.freeze(subscribe) }),
);
