// The MilensBridge of a browser page served by `milens serve`: API calls are `POST /api/<method>`
// with `{ args }` and the token as a Bearer header; events come from one shared `GET /api/events`
// stream, opened while anything listens and reopened after a dropped connection.
import type { ApiMethod, ApiReply, ApiRequest, MilensEvents } from '../../../main/api/contract.js';
import type { EventName, MilensBridge } from './bridge.js';
import { EventStreamParser } from './event-stream-parser.js';

const RECONNECT_DELAY_MS = 2_000;

type Listener = (payload: unknown) => void;

export function createHttpBridge(token: string | null): MilensBridge {
  const listeners = new Map<string, Set<Listener>>();
  let stream: AbortController | undefined;

  function headers(): Record<string, string> {
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async function invoke<M extends ApiMethod>(method: M, args: ApiRequest<M>): Promise<ApiReply<M>> {
    if (!token) {
      return failure('UNAUTHORIZED', 'No access token: open the address that `milens serve` printed (it ends with ?token=…).');
    }
    let response: Response;
    try {
      response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ args }),
        cache: 'no-store',
      });
    } catch (error) {
      return failure(
        'UNAVAILABLE',
        `Cannot reach the milens server (${error instanceof Error ? error.message : String(error)}). Is \`milens serve\` still running?`,
      );
    }
    try {
      return (await response.json()) as ApiReply<M>;
    } catch {
      return failure('INTERNAL', `The milens server answered ${response.status} ${response.statusText} without a JSON body`);
    }
  }

  function listenerCount(): number {
    let count = 0;
    for (const set of listeners.values()) count += set.size;
    return count;
  }

  async function readStream(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch('/api/events', { headers: headers(), signal: controller.signal, cache: 'no-store' });
        if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new EventStreamParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.push(value)) {
            const payload: unknown = JSON.parse(event.data);
            for (const listener of listeners.get(event.event) ?? []) listener(payload);
          }
        }
      } catch {
        // Dropped or refused: wait and try again, unless nobody listens any more.
      }
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
    }
  }

  function on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void {
    const set = listeners.get(event) ?? new Set<Listener>();
    listeners.set(event, set);
    const untyped = listener as Listener;
    set.add(untyped);
    if (!stream && token) {
      stream = new AbortController();
      void readStream(stream);
    }
    return () => {
      set.delete(untyped);
      if (listenerCount() === 0 && stream) {
        stream.abort();
        stream = undefined;
      }
    };
  }

  return { invoke, on };
}

function failure<M extends ApiMethod>(code: string, message: string): ApiReply<M> {
  // Codes of the serve shell itself (UNAUTHORIZED) travel in the same shape as the core's.
  return { ok: false, error: { name: 'Error', code: code as 'UNAVAILABLE', message } };
}
