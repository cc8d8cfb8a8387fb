// The core off the caller's thread: CoreHost starts core-worker.js in a worker thread (which opens its
// own database connection) and gives the caller `api`, an object implementing the same MilensApi as the
// in-process core, whose every call is a message with an id answered by the worker. Events (jobProgress,
// indexProgress…) arrive through `on`, like CoreContext.on. A worker that crashes is reported (onCrash),
// its pending calls fail with an UNAVAILABLE error in words, and the next call starts a fresh worker.
// `close()` stops the folder watcher, lets indexing in flight finish briefly, closes the database and
// ends the thread. Used by the Electron main process (main/app/main.ts); plain Node, no Electron.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { API_METHODS, type ApiMethod, type EventName, type MilensApi, type MilensEvents } from '../api/contract.js';
import { MilensError } from '../api/errors.js';
import type { CoreOptions } from '../core/context.js';
import type { ItemFile } from '../core/item-files.js';
import type { MilensEventSource } from '../server/event-stream.js';
import { fromWireError, type CoreWorkerData, type HostMessage, type HostRequest } from './host-protocol.js';

export interface CoreHostOptions extends CoreOptions {
  /** Called when the worker stops without being asked to (the reason in words). */
  onCrash?(reason: string): void;
  /** Called when a background indexing run of the folder watcher fails. */
  onWatchError?(message: string, collectionId: number | undefined): void;
}

/** How long close() waits for the worker's orderly shutdown beyond the grace given to indexing runs. */
const CLOSE_MARGIN_MS = 10_000;

const ENTRY_FILE = 'core-worker.js';

/** The compiled worker beside this module (dist/main/host/), or, under the test runner, in dist/. */
export function coreWorkerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const tried = [path.join(here, ENTRY_FILE), path.join(here, '..', '..', 'dist', 'main', 'host', ENTRY_FILE)];
  const found = tried.find((candidate) => existsSync(candidate));
  if (!found)
    throw new MilensError(
      'UNAVAILABLE',
      `The core worker (${ENTRY_FILE}) is missing; run \`npm run build\`. Looked in: ${tried.join(', ')}`,
    );
  return found;
}

interface Pending {
  what: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

type RequestBody = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, 'id'> : never) : never;

export class CoreHost implements MilensEventSource {
  readonly api: MilensApi;
  private readonly emitter = new EventEmitter();
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once close() began: no new calls, and the worker's exit is expected. */
  private closing: Promise<void> | undefined;
  /** The last 'error' event of the current worker (an uncaught exception), read when it exits. */
  private lastError: Error | undefined;
  private watching = false;
  /** Workers started so far (a restart after a crash counts again). */
  workersStarted = 0;
  private crashed = false;

  constructor(private readonly options: CoreHostOptions = {}) {
    // A listener per event name and window: more than the default 10 is expected, not a leak.
    this.emitter.setMaxListeners(0);
    const api: Partial<Record<ApiMethod, (...args: unknown[]) => Promise<unknown>>> = {};
    for (const method of API_METHODS) api[method] = (...args: unknown[]) => this.request({ type: 'call', method, args }, method);
    this.api = api as MilensApi;
  }

  on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  /** The file of an indexed item, resolved by the worker (only inside its collection's folder). */
  itemFile(itemId: number): Promise<ItemFile | undefined> {
    return this.request({ type: 'itemFile', itemId }, 'itemFile') as Promise<ItemFile | undefined>;
  }

  /** A thumbnail's WebP bytes for an app:// thumbnail path, or undefined for a 404. */
  thumbnail(pathname: string): Promise<Uint8Array | undefined> {
    return this.request({ type: 'thumbnail', pathname }, 'thumbnail') as Promise<Uint8Array | undefined>;
  }

  /** Watches every collection folder and re-indexes in the background (in the worker); again after a restart. */
  async startWatching(): Promise<void> {
    this.watching = true;
    await this.request({ type: 'watch', watching: true }, 'watching the collection folders');
  }

  async stopWatching(graceMs?: number): Promise<void> {
    this.watching = false;
    if (this.worker) await this.request({ type: 'watch', watching: false, graceMs }, 'stopping the folder watcher');
  }

  /** Whether a worker is running now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Stops the watcher, lets indexing runs in flight finish (within `graceMs`), closes the database and
   * ends the worker. Calls made afterwards fail with UNAVAILABLE. Safe to call more than once.
   */
  close(graceMs = 5000): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs + CLOSE_MARGIN_MS)));
      try {
        await Promise.race([this.send(worker, { type: 'close', graceMs }, 'closing the core').catch(() => undefined), deadline]);
      } finally {
        clearTimeout(timer);
        this.worker = undefined;
        await worker.terminate();
        this.failPending(new MilensError('UNAVAILABLE', 'The milens core was closed.'));
      }
    })();
    return this.closing;
  }

  private request(body: RequestBody, what: string): Promise<unknown> {
    if (this.closing) return Promise.reject(new MilensError('UNAVAILABLE', `The milens core is closed; ${what} was not run.`));
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.send(worker, body, what);
  }

  private send(worker: Worker, body: RequestBody, what: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { what, resolve, reject });
      // While calls are pending (or the watcher runs) the worker keeps the process alive; idle, it does not.
      worker.ref();
      try {
        worker.postMessage({ ...body, id } as HostRequest);
      } catch (error) {
        // An argument that cannot be cloned (a function, a socket): the caller's mistake, named.
        this.pending.delete(id);
        reject(new MilensError('INVALID_ARGUMENT', `The arguments of ${what} cannot be sent to the core: ${(error as Error).message}`));
      }
    });
  }

  private start(): Worker {
    const data: CoreWorkerData = {
      core: { databasePath: this.options.databasePath, modelsFolder: this.options.modelsFolder },
      afterCrash: this.crashed,
    };
    this.crashed = false;
    // Not the caller's flags (a test runner's loaders, --inspect); the worker shares the environment.
    const worker = new Worker(coreWorkerPath(), { workerData: data, execArgv: [], stdin: false });
    this.workersStarted++;
    this.lastError = undefined;
    worker.on('message', (message: HostMessage) => this.receive(message));
    worker.on('error', (error) => (this.lastError = error));
    worker.on('exit', (exitCode) => this.exited(worker, exitCode));
    this.worker = worker;
    // A new worker after a crash: the folder watcher that ran in the old one runs again.
    if (this.watching && this.workersStarted > 1)
      void this.send(worker, { type: 'watch', watching: true }, 'watching the collection folders').catch((error: unknown) =>
        this.options.onWatchError?.((error as Error).message, undefined),
      );
    return worker;
  }

  private receive(message: HostMessage): void {
    switch (message.type) {
      case 'event':
        try {
          this.emitter.emit(message.name, message.payload);
        } catch (error) {
          // A listener's bug must not become an uncaught exception of the caller's process (Electron's main).
          process.emitWarning(`milens: a ${message.name} listener failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        return;
      case 'watchError':
        this.options.onWatchError?.(message.message, message.collectionId);
        return;
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (this.pending.size === 0 && !this.watching) this.worker?.unref();
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromWireError(message.error));
      }
    }
  }

  private exited(worker: Worker, exitCode: number): void {
    if (this.worker !== worker) return; // closed on purpose, or an older worker
    this.worker = undefined;
    this.crashed = true;
    const reason = this.lastError ? this.lastError.message : `exit code ${exitCode}`;
    this.failPending(
      new MilensError('UNAVAILABLE', `The milens core stopped unexpectedly (${reason}); it starts again with the next call.`, {
        reason,
      }),
    );
    this.options.onCrash?.(reason);
  }

  private failPending(error: MilensError): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) {
      const named = new MilensError(error.code, `${error.message} (${call.what} did not finish)`, error.details);
      call.reject(named);
    }
  }
}
