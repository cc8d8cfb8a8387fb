// The renderer's only way to the milens core: a MilensApi whose every method is derived from
// API_METHODS and forwarded through a bridge (Electron's preload when present, HTTP otherwise).
// Failed calls reject with ApiCallError, carrying the core's error code.
import { API_METHODS, type ApiMethod, type ApiReply, type MilensApi } from '../../../main/api/contract.js';
import { takeAccessToken } from './access-token.js';
import { ApiCallError } from './api-error.js';
import type { EventName, MilensBridge } from './bridge.js';
import { createHttpBridge } from './http-bridge.js';
import type { MilensEvents } from '../../../main/api/contract.js';

export type Transport = 'electron' | 'http';

export interface MilensClient {
  api: MilensApi;
  on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void;
  transport: Transport;
  /** False in a browser tab opened without the token (the page then explains how to open it). */
  authorised: boolean;
}

export function createApiClient(): MilensClient {
  if (window.milens) return clientOver(window.milens, 'electron', true);
  const token = takeAccessToken();
  return clientOver(createHttpBridge(token), 'http', token !== null);
}

export function clientOver(bridge: MilensBridge, transport: Transport, authorised: boolean): MilensClient {
  const call = async (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    const reply = (await bridge.invoke(method, args as never)) as ApiReply<ApiMethod>;
    if (!reply.ok) throw new ApiCallError(method, reply.error);
    return reply.value;
  };
  const api = Object.fromEntries(API_METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])) as unknown as MilensApi;
  return { api, on: (event, listener) => bridge.on(event, listener), transport, authorised };
}
