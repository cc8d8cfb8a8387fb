// The main-process end of the preload bridge: one `ipcMain.handle` channel per API method
// (`milens:<method>`, derived from API_METHODS), each answering an ApiReply, and core events pushed to
// the window on `milens:event`. Only the app's own top-level frame, loaded from app://milens, may call.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { API_METHODS, type MilensApi } from '../api/contract.js';
import { dispatchApiCall } from '../server/api-dispatch.js';
import { EVENT_NAMES, type MilensEventSource } from '../server/event-stream.js';
import { isAppUrl } from './app-protocol.js';

export const EVENT_CHANNEL = 'milens:event';

export function apiChannel(method: string): string {
  return `milens:${method}`;
}

/** True when the call comes from the main frame of one of our windows showing app://milens. */
export function isTrustedSender(event: IpcMainInvokeEvent, trusted: (contents: WebContents) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!trusted(event.sender)) return false;
  return isAppUrl(frame.url);
}

/**
 * Registers every API channel and forwards core events to `recipients()`. Returns the function that
 * removes them all (on quit).
 */
export function installIpcBridge(
  api: MilensApi,
  events: MilensEventSource,
  trusted: (contents: WebContents) => boolean,
  recipients: () => WebContents[],
): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(apiChannel(method), (event, args: unknown) => {
      if (!isTrustedSender(event, trusted))
        throw new Error(`milens: refused ${method} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return dispatchApiCall(api, method, args);
    });
  }
  const unsubscribers = EVENT_NAMES.map((name) =>
    events.on(name, (payload) => {
      for (const contents of recipients()) if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, payload);
    }),
  );
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(apiChannel(method));
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
