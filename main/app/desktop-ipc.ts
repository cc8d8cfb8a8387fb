// What only the desktop app does, for the window's `window.milensDesktop` (preload): open an indexed item
// with its default application or show it in its folder (by item id: the main process resolves the path
// through the index, so the page can never name an arbitrary file), and the native folder dialog. The
// item's file is looked up by the core worker (CoreHost.itemFile); the dialog and the shell stay here,
// on Electron's main thread, where they must run.
import { BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { CoreHost } from '../host/core-host.js';
import { isTrustedSender } from './ipc-bridge.js';

export const DESKTOP_CHANNELS = {
  open: 'milens-desktop:open',
  reveal: 'milens-desktop:reveal',
  pickFolder: 'milens-desktop:pick-folder',
} as const;

type Outcome = { ok: boolean; reason?: string };

export function installDesktopIpc(core: () => CoreHost | undefined, trusted: (contents: WebContents) => boolean): () => void {
  const guard = (event: IpcMainInvokeEvent, what: string) => {
    if (!isTrustedSender(event, trusted)) throw new Error(`milens: refused ${what} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
  };
  const resolve = async (itemId: unknown) => {
    const host = core();
    if (!host || typeof itemId !== 'number') return undefined;
    return host.itemFile(itemId).catch(() => undefined);
  };

  ipcMain.handle(DESKTOP_CHANNELS.open, async (event, itemId: unknown): Promise<Outcome> => {
    guard(event, 'open');
    const file = await resolve(itemId);
    if (!file) return { ok: false, reason: 'This item is no longer in the index, or its file has gone.' };
    // openPath answers '' on success, else the reason in words.
    const problem = await shell.openPath(file.path);
    return problem ? { ok: false, reason: problem } : { ok: true };
  });
  ipcMain.handle(DESKTOP_CHANNELS.reveal, async (event, itemId: unknown): Promise<Outcome> => {
    guard(event, 'reveal');
    const file = await resolve(itemId);
    if (!file) return { ok: false, reason: 'This item is no longer in the index, or its file has gone.' };
    shell.showItemInFolder(file.path);
    return { ok: true };
  });
  ipcMain.handle(DESKTOP_CHANNELS.pickFolder, async (event): Promise<string | null> => {
    guard(event, 'the folder dialog');
    const window = BrowserWindow.fromWebContents(event.sender);
    const options = { title: 'Add a folder to milens', properties: ['openDirectory' as const] };
    const chosen = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
  });
  return () => {
    for (const channel of Object.values(DESKTOP_CHANNELS)) ipcMain.removeHandler(channel);
  };
}
