// The two-function surface through which the renderer reaches the milens API, whatever the shell:
// Electron's preload exposes it as `window.milens`; in a browser, http-bridge.ts implements it over
// HTTP and server-sent events. Keep in step with preload/preload.cts (same shape, same names).
import type { ApiMethod, ApiReply, ApiRequest, MilensEvents } from '../../../main/api/contract.js';

export type EventName = keyof MilensEvents;

export interface MilensBridge {
  /** Calls one API method; never rejects for an API error, which comes back as `{ ok: false }`. */
  invoke<M extends ApiMethod>(method: M, args: ApiRequest<M>): Promise<ApiReply<M>>;
  /** Subscribes to one event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void;
}

declare global {
  interface Window {
    /** Present only inside the Electron shell (set by the preload through contextBridge). */
    milens?: MilensBridge;
  }
}
