// Collection calls: folders of documents, indexing and search.
import type { MilensApi } from '../api/contract.js';
import { invalidType, requireInteger } from '../api/errors.js';
import { IndexingService } from '../ingest/indexing-service.js';
import { WatcherService, type WatcherOptions } from '../ingest/watcher-service.js';
import { SearchService } from '../search/search-service.js';
import type { CoreContext } from './context.js';

type CollectionCalls = Pick<MilensApi, 'listCollections' | 'addCollection' | 'removeCollection' | 'indexCollection' | 'search'>;

/** The indexing service of a context, created once so concurrent runs of one collection are serialised. */
const indexingServices = new WeakMap<CoreContext, IndexingService>();

export function indexingServiceOf(context: CoreContext): IndexingService {
  let service = indexingServices.get(context);
  if (!service) {
    service = new IndexingService(context.database(), (event) => context.emit('indexProgress', event));
    indexingServices.set(context, service);
  }
  return service;
}

const watchers = new WeakMap<CoreContext, WatcherService>();

/**
 * For the app shell: watches every collection folder and re-indexes in the background; collections
 * added or removed through the API afterwards are picked up automatically. Stop it before closing the core.
 */
export async function startCollectionWatcher(context: CoreContext, options: WatcherOptions = {}): Promise<WatcherService> {
  const existing = watchers.get(context);
  if (existing) return existing;
  const watcher = new WatcherService(indexingServiceOf(context), options);
  watchers.set(context, watcher);
  await watcher.start();
  return watcher;
}

export async function stopCollectionWatcher(context: CoreContext): Promise<void> {
  const watcher = watchers.get(context);
  watchers.delete(context);
  await watcher?.stop();
}

async function refreshWatcher(context: CoreContext): Promise<void> {
  await watchers.get(context)?.refresh();
}

export function collectionCalls(context: CoreContext): CollectionCalls {
  return {
    listCollections: async () => indexingServiceOf(context).listCollections(),
    addCollection: async (folder) => {
      if (typeof folder !== 'string') throw invalidType('path', 'a string', folder);
      const collection = await indexingServiceOf(context).addCollection(folder);
      await refreshWatcher(context);
      return collection;
    },
    removeCollection: async (id) => {
      indexingServiceOf(context).removeCollection(requireInteger('id', id, 1));
      await refreshWatcher(context);
    },
    indexCollection: async (folder) => {
      if (typeof folder !== 'string') throw invalidType('path', 'a string', folder);
      const report = await indexingServiceOf(context).indexFolder(folder);
      await refreshWatcher(context);
      return report;
    },
    search: async (request) => {
      if (typeof request !== 'object' || request === null) throw invalidType('request', 'an object', request);
      const { unknownTerms: _unknown, mu: _mu, ...response } = new SearchService(context.database()).search(request);
      return response;
    },
  };
}
