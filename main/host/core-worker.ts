// The core worker: a worker thread that runs the whole typed API (createMilensCore) on its own database
// connection, so that indexing, embedding and MI estimation never hold up the thread that started it
// (Electron's main process, which also draws the window's menus and answers its IPC). It answers the
// messages of host-protocol.ts and forwards every core event. Started only by CoreHost (core-host.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { IndexLeasesRepository } from '../../db/repositories/index-leases-repository.js';
import { EVENT_NAMES } from '../api/contract.js';
import { createMilensCore } from '../core/api.js';
import { startCollectionWatcher, stopCollectionWatcher, thumbnailServerOf } from '../core/collection-calls.js';
import { itemFile } from '../core/item-files.js';
import { closeExtractionPool } from '../ingest/isolation/worker-pool.js';
import { dispatchApiCall } from '../server/api-dispatch.js';
import { toWireError, type CoreWorkerData, type HostMessage, type HostRequest } from './host-protocol.js';

if (!parentPort) throw new Error('core-worker.js runs only as the worker thread of a CoreHost');
const port = parentPort;
const { core: coreOptions, afterCrash } = workerData as CoreWorkerData;
const core = createMilensCore(coreOptions);
// Only this host's worker uses the database in this process, so every lease of this process was the dead worker's.
if (afterCrash) {
  try {
    new IndexLeasesRepository(core.context.database()).releaseAllOfThisProcess();
  } catch {
    // A database that cannot be opened: every call reports it in its own words.
  }
}

function send(message: HostMessage): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // A value that cannot be cloned (a bug of ours): the caller gets the reason instead of waiting forever.
    if (message.type === 'reply') port.postMessage({ type: 'reply', id: message.id, ok: false, error: toWireError(error) });
  }
}

for (const name of EVENT_NAMES) core.context.on(name, (payload) => send({ type: 'event', name, payload }));

let watching = false;

async function answer(request: HostRequest): Promise<unknown> {
  switch (request.type) {
    case 'call': {
      // The same adapter as the IPC and HTTP shells (unknown methods and extra arguments are refused); the
      // error the call threw is kept so that its details travel too, not only its serialised form.
      let thrown: unknown;
      const api = new Proxy(core.api, {
        get: (target, key, receiver) => {
          const member: unknown = Reflect.get(target, key, receiver);
          if (typeof member !== 'function') return member;
          return async (...args: unknown[]) => {
            try {
              return await (member as (...callArgs: unknown[]) => Promise<unknown>).apply(target, args);
            } catch (error) {
              thrown = error;
              throw error;
            }
          };
        },
      });
      const reply = await dispatchApiCall(api, request.method, request.args);
      if (reply.ok) return reply.value;
      throw thrown !== undefined ? thrown : Object.assign(new Error(reply.error.message), { wire: reply.error });
    }
    case 'itemFile':
      return itemFile(core.context.database(), request.itemId);
    case 'thumbnail':
      return thumbnailServerOf(core.context).forPath(request.pathname);
    case 'watch':
      if (request.watching && !watching) {
        watching = true;
        await startCollectionWatcher(core.context, {
          onError: (error, collectionId) =>
            send({ type: 'watchError', collectionId, message: error instanceof Error ? error.message : String(error) }),
        });
      } else if (!request.watching && watching) {
        watching = false;
        await stopCollectionWatcher(core.context, { graceMs: request.graceMs });
      }
      return undefined;
    case 'close':
      // The watcher first, letting runs in flight finish (briefly), then the pools and the database.
      if (watching) await stopCollectionWatcher(core.context, { graceMs: request.graceMs });
      watching = false;
      await closeExtractionPool();
      await core.close();
      return undefined;
  }
}

port.on('message', (request: HostRequest) => {
  answer(request).then(
    (value) => send({ type: 'reply', id: request.id, ok: true, value }),
    (error: unknown) => {
      const wire = (error as { wire?: ReturnType<typeof toWireError> }).wire ?? toWireError(error);
      send({ type: 'reply', id: request.id, ok: false, error: wire });
    },
  );
});
