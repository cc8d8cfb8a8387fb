// The bridge type lives in the typed API (main/api/contract.ts); this module only declares where
// Electron's preload puts it, and the desktop-only functions beside it.
import type { MilensBridge, MilensDesktop } from '../../../main/api/contract.js';

export type { EventName, MilensBridge, MilensDesktop } from '../../../main/api/contract.js';

declare global {
  interface Window {
    /** Present only inside the Electron shell (set by the preload through contextBridge). */
    milens?: MilensBridge;
    /** Present only inside the Electron shell: open / reveal files, the folder dialog, dropped paths. */
    milensDesktop?: MilensDesktop;
  }
}

export function desktop(): MilensDesktop | undefined {
  return window.milensDesktop;
}
