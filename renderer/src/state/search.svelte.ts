// State of the Search page: the collections (folders) in the library, their indexing with progress
// from `indexProgress` events (runs asked for here, and background re-indexing by the app's folder
// watcher), the list refreshed on `indexFinished`, and one search with its results.
import type {
  Collection,
  IndexFinishedEvent,
  IndexProgressEvent,
  IndexReport,
  MilensApi,
  SearchResponse,
} from '../../../main/api/contract.js';
import { ApiCallError, asApiCallError } from '../lib/api-error.js';
import type { MilensClient } from '../lib/api-client.js';

const RESULT_LIMIT = 20;

export class SearchState {
  collections = $state<Collection[]>([]);
  collectionsError = $state<ApiCallError | null>(null);

  folderToAdd = $state('');
  adding = $state(false);
  addError = $state<ApiCallError | null>(null);

  /** Collections being indexed now, by id, with their latest progress event (if any yet). */
  indexing = $state<Record<number, IndexProgressEvent | null>>({});
  lastIndexReport = $state<IndexReport | null>(null);
  indexError = $state<ApiCallError | null>(null);
  /** Collections being re-indexed in the background (not asked for on this page), with their latest progress. */
  background = $state<Record<number, IndexProgressEvent>>({});
  /** The latest background run that changed something, or failed. */
  lastBackgroundRun = $state<IndexFinishedEvent | null>(null);

  query = $state('');
  response = $state<SearchResponse | null>(null);
  searching = $state(false);
  searchError = $state<ApiCallError | null>(null);

  /** A failed background run, in the form the error notice shows. */
  readonly backgroundError = $derived(
    this.lastBackgroundRun && !this.lastBackgroundRun.ok ? new ApiCallError('indexCollection', this.lastBackgroundRun.error) : null,
  );
  readonly nothingMatches = $derived(this.response !== null && (this.response.noMatch === true || this.response.results.length === 0));
  readonly canSearch = $derived(this.query.trim().length > 0 && !this.searching);

  private readonly api: MilensApi;
  private readonly client: MilensClient;

  constructor(client: MilensClient) {
    this.client = client;
    this.api = client.api;
  }

  /** Follows index progress and completion events; returns the function that stops following. */
  listen(): () => void {
    const stopProgress = this.client.on('indexProgress', (event) => {
      if (event.collectionId in this.indexing) this.indexing[event.collectionId] = event;
      // A background run with nothing to do reports 0 of 0 and ends at once: not worth a flicker.
      else if (event.total !== 0) this.background[event.collectionId] = event;
    });
    const stopFinished = this.client.on('indexFinished', (event) => {
      delete this.background[event.collectionId];
      // A run asked for on this page: index() reports and reloads by itself.
      if (event.trigger === 'call' && event.collectionId in this.indexing) return;
      if (event.trigger === 'watch' && (!event.ok || event.added + event.updated + event.removed > 0)) this.lastBackgroundRun = event;
      void this.loadCollections();
    });
    return () => {
      stopProgress();
      stopFinished();
    };
  }

  /** The name of a collection by id, for messages about it. */
  collectionName(id: number): string {
    return this.collections.find((collection) => collection.id === id)?.name ?? `collection ${id}`;
  }

  async loadCollections(): Promise<void> {
    try {
      this.collections = await this.api.listCollections();
      this.collectionsError = null;
    } catch (error) {
      this.collectionsError = asApiCallError('listCollections', error);
    }
  }

  async addFolder(): Promise<void> {
    const folder = this.folderToAdd.trim();
    if (!folder) return;
    this.adding = true;
    try {
      const collection = await this.api.addCollection(folder);
      this.addError = null;
      this.folderToAdd = '';
      this.adding = false;
      await this.loadCollections();
      await this.index(collection);
    } catch (error) {
      this.addError = asApiCallError('addCollection', error);
    } finally {
      this.adding = false;
    }
  }

  async index(collection: Collection): Promise<void> {
    this.indexing[collection.id] = null;
    try {
      this.lastIndexReport = await this.api.indexCollection(collection.path);
      this.indexError = null;
    } catch (error) {
      this.indexError = asApiCallError('indexCollection', error);
    } finally {
      delete this.indexing[collection.id];
      await this.loadCollections();
    }
  }

  async remove(collection: Collection): Promise<void> {
    try {
      await this.api.removeCollection(collection.id);
      this.collectionsError = null;
    } catch (error) {
      this.collectionsError = asApiCallError('removeCollection', error);
    }
    await this.loadCollections();
  }

  async search(): Promise<void> {
    const query = this.query.trim();
    if (!query) return;
    this.searching = true;
    try {
      this.response = await this.api.search({ query, limit: RESULT_LIMIT });
      this.searchError = null;
    } catch (error) {
      this.response = null;
      this.searchError = asApiCallError('search', error);
    } finally {
      this.searching = false;
    }
  }
}
