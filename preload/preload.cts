// The preload of the milens window: exposes `window.milens` with exactly two functions, `invoke`
// (call one API method over IPC) and `on` (subscribe to one core event). Sandboxed preloads run as
// CommonJS and may only require 'electron', so this file stands alone and imports types only.
// Its shape is checked against MilensBridge from the typed API.
import electron = require('electron');
import type { ApiMethod, ApiReply, ApiRequest, EventName, MilensBridge, MilensDesktop, MilensEvents } from '../main/api/contract.js';

const { contextBridge, ipcRenderer, webUtils } = electron;
type IpcRendererEvent = electron.IpcRendererEvent;

const EVENT_CHANNEL = 'milens:event';
/** API method names are plain identifiers; anything else never reaches ipcRenderer. */
const METHOD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

function errorReply<M extends ApiMethod>(message: string): ApiReply<M> {
  return { ok: false, error: { name: 'Error', code: 'INTERNAL', message } };
}

const bridge: MilensBridge = {
  async invoke<M extends ApiMethod>(method: M, args: ApiRequest<M>): Promise<ApiReply<M>> {
    if (typeof method !== 'string' || !METHOD_NAME.test(method)) return errorReply(`Not an API method: ${String(method)}`);
    try {
      // The main process answers every call with an ApiReply; a rejection means the call never ran.
      return (await ipcRenderer.invoke(`milens:${method}`, Array.isArray(args) ? args : [])) as ApiReply<M>;
    } catch (error) {
      return errorReply(error instanceof Error ? error.message : String(error));
    }
  },

  on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('Expected listener to be a function');
    // The IPC event object (with its sender) stays here: the page receives the payload only.
    const handler = (_event: IpcRendererEvent, name: string, payload: MilensEvents[E]) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('milens', bridge);

/** Desktop-only functions (main/app/desktop-ipc.ts); the channel names are repeated here, a sandboxed preload imports nothing. */
const desktop: MilensDesktop = {
  openItem: (itemId) => ipcRenderer.invoke('milens-desktop:open', itemId) as Promise<{ ok: boolean; reason?: string }>,
  revealItem: (itemId) => ipcRenderer.invoke('milens-desktop:reveal', itemId) as Promise<{ ok: boolean; reason?: string }>,
  pickFolder: () => ipcRenderer.invoke('milens-desktop:pick-folder') as Promise<string | null>,
  // A dropped folder's real path: Electron knows it, a browser does not.
  pathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('milensDesktop', desktop);
