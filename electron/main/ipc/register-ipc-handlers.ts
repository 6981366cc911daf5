import { ipcMain, BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNEL_NAMES, EVENT_NAMES } from '@shared/ipc/contract';
import { fail } from '@shared/ipc/result';
import { dispatch } from '../../services/app/dispatch';
import type { RunningApplication } from '../../services/app/bootstrap';
import { APP_ORIGIN } from '../app-protocol';

/** Only our own main frame, loaded from app://, may call (docs/architecture.md §2). */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  try {
    const frame = event.senderFrame;
    return frame !== null && frame === event.sender.mainFrame && frame.url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    // A frame already gone (navigation, crash) throws on access: not a caller we can trust.
    return false;
  }
}

export function registerIpcHandlers(running: RunningApplication): void {
  for (const channelName of CHANNEL_NAMES) {
    ipcMain.handle(channelName, (event, input: unknown) => {
      if (!trustedSender(event)) return fail({ code: 'FORBIDDEN_SENDER', message: 'Appelant non autorisé.' });
      // dispatch is the error boundary: it never throws nor rejects.
      return dispatch(running.handlers, channelName, input);
    });
  }
  running.hub.subscribe((eventName, payload) => {
    if (!EVENT_NAMES.includes(eventName)) return;
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(`event:${eventName}`, payload);
  });
}
