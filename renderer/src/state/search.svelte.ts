// State of the Search page: the collections (folders) in the library, their indexing with progress
// from `indexProgress` events, and one search with its results.
import type { Collection, IndexProgressEvent, IndexReport, MilensApi, SearchResponse } from '../../../main/api/contract.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';
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

  query = $state('');
  response = $state<SearchResponse | null>(null);
  searching = $state(false);
  searchError = $state<ApiCallError | null>(null);

  readonly nothingMatches = $derived(this.response !== null && (this.response.noMatch === true || this.response.results.length === 0));
  readonly canSearch = $derived(this.query.trim().length > 0 && !this.searching);

  private readonly api: MilensApi;
  private readonly client: MilensClient;

  constructor(client: MilensClient) {
    this.client = client;
    this.api = client.api;
  }

  /** Follows index progress events; returns the function that stops following. */
  listen(): () => void {
    return this.client.on('indexProgress', (event) => {
      if (event.collectionId in this.indexing) this.indexing[event.collectionId] = event;
    });
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
