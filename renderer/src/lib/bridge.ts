// The bridge type lives in the typed API (main/api/contract.ts); this module only declares where
// Electron's preload puts it.
import type { MilensBridge } from '../../../main/api/contract.js';

export type { EventName, MilensBridge } from '../../../main/api/contract.js';

declare global {
  interface Window {
    /** Present only inside the Electron shell (set by the preload through contextBridge). */
    milens?: MilensBridge;
  }
}
