// Server-sent events: forwards every MilensEvents event of the core to each connected page as
// `event: <name>` / `data: <json>`. A comment line every few seconds keeps idle connections (and the
// proxies of some browsers) from timing out, and lets a closed tab be noticed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_NAMES, type EventName, type MilensEvents } from '../api/contract.js';

export { EVENT_NAMES, type EventName };

/** Anything that can subscribe to the core's events: CoreContext.on has this shape. */
export interface MilensEventSource {
  on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void;
}

const KEEP_ALIVE_MS = 15_000;

export class EventStreamHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribers: Array<() => void>;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(source: MilensEventSource) {
    this.unsubscribers = EVENT_NAMES.map((name) => source.on(name, (payload) => this.broadcast(name, payload)));
    this.keepAlive = setInterval(() => this.writeAll(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes over a response for the rest of the connection's life. */
  attach(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write(`: connected\nretry: 2000\n\n`);
    this.clients.add(response);
    const detach = () => this.clients.delete(response);
    request.on('close', detach);
    response.on('close', detach);
  }

  private broadcast(name: EventName, payload: unknown): void {
    this.writeAll(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  private writeAll(chunk: string): void {
    for (const client of this.clients) client.write(chunk);
  }

  /** Ends every stream and stops listening to the core. */
  close(): void {
    clearInterval(this.keepAlive);
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
