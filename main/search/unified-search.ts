// The API's search call: documents (text ranking) and photos (dense ranking) on one scale. Both report
// PMI in bits between the query and the item: for a document log2 p(q|d)/p(q|C), the query made more
// likely by the document than by the collection's language model; for a photo log2 p(x|q)/p(x), the
// photo made more likely by the query than by chance among the photos. By Bayes both are
// log2 p(q|item)/p(q), the evidence the item gives for the query, so `kind: 'all'` interleaves the two
// lists by bits (ties: documents first) and applies each list's own "no match" rule before merging.
import type { SearchRequest, SearchResponse, SearchResult } from '../api/contract.js';
import { invalidArgument, invalidType, requireInteger } from '../api/errors.js';
import type { CoreContext } from '../core/context.js';
import { PhotoSearchService, closePhotoSearchEmbedders } from './photo-search.js';
import { DEFAULT_LIMIT, MAX_LIMIT, SearchService } from './search-service.js';

export async function unifiedSearch(context: CoreContext, request: SearchRequest): Promise<SearchResponse> {
  const started = performance.now();
  if (typeof request.query !== 'string') throw invalidType('query', 'a string', request.query);
  const limit = request.limit === undefined ? DEFAULT_LIMIT : requireInteger('limit', request.limit, 1, MAX_LIMIT);
  const kind = request.kind ?? 'all';
  if (!['text', 'image', 'all'].includes(kind))
    throw invalidArgument(`Expected kind to be text, image or all but received ${JSON.stringify(kind)}.`);
  if (request.showWeaker !== undefined && typeof request.showWeaker !== 'boolean')
    throw invalidType('showWeaker', 'a boolean', request.showWeaker);
  if (request.diversify !== undefined && typeof request.diversify !== 'boolean')
    throw invalidType('diversify', 'a boolean', request.diversify);
  if (request.minBits !== undefined && !Number.isFinite(request.minBits)) throw invalidType('minBits', 'a finite number', request.minBits);
  const db = context.database();
  const textResults: SearchResult[] = [];
  // An example image alone asks for photos; words ask for documents too unless kind says otherwise.
  if (kind !== 'image' && !(request.image && request.query.trim() === '')) {
    const { results } = new SearchService(db).search({ ...request, kind: 'text', limit });
    textResults.push(...results);
  }
  let photoResults: SearchResult[] = [];
  if (kind !== 'text') {
    // The core's close() releases the model sessions photo search keeps open between searches.
    context.onClose(closePhotoSearchEmbedders);
    photoResults = (await new PhotoSearchService(db, context.modelsFolder, context.databasePath).search(request, limit)).results;
  }
  const results = [...textResults, ...photoResults]
    .map((result, order) => ({ result, order }))
    .sort((a, b) => b.result.bits - a.result.bits || a.order - b.order)
    .slice(0, limit)
    .map(({ result }) => result);
  return { query: request.query, results, noMatch: results.length === 0, elapsedMs: Math.round((performance.now() - started) * 100) / 100 };
}
