// Collection calls: folders of documents, indexing and search.
import type { MilensApi } from '../api/contract.js';
import { invalidType, requireInteger } from '../api/errors.js';
import { IndexingService } from '../ingest/indexing-service.js';
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

export function collectionCalls(context: CoreContext): CollectionCalls {
  return {
    listCollections: async () => indexingServiceOf(context).listCollections(),
    addCollection: async (folder) => {
      if (typeof folder !== 'string') throw invalidType('path', 'a string', folder);
      return indexingServiceOf(context).addCollection(folder);
    },
    removeCollection: async (id) => indexingServiceOf(context).removeCollection(requireInteger('id', id, 1)),
    indexCollection: async (folder) => {
      if (typeof folder !== 'string') throw invalidType('path', 'a string', folder);
      return indexingServiceOf(context).indexFolder(folder);
    },
    search: async (request) => {
      if (typeof request !== 'object' || request === null) throw invalidType('request', 'an object', request);
      const { unknownTerms: _unknown, mu: _mu, ...response } = new SearchService(context.database()).search(request);
      return response;
    },
  };
}
