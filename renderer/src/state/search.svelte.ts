// State of the Search view: the query as typed, the search last run (its query and kind come from the
// URL, so reload and back work), its results with the filters the API and the results offer, more
// results on demand, and which result's "why" panel or large preview is open.
import type {
  Collection,
  SearchFilters as ApiSearchFilters,
  SearchKind,
  SearchResponse,
  SearchResult,
} from '../../../main/api/contract.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';
import type { MilensClient } from '../lib/api-client.js';

export const PAGE_SIZE = 20;

export interface SearchFilters {
  /** Client-side: results of one collection only ('' for all). */
  collection: string;
  camera: string;
  hasLocation: boolean;
  /** Photos taken on or after / before these days (YYYY-MM-DD, '' for open). */
  from: string;
  to: string;
}

export const NO_FILTERS: SearchFilters = { collection: '', camera: '', hasLocation: false, from: '', to: '' };

export function parseKind(value: string | null): SearchKind {
  return value === 'text' || value === 'image' ? value : 'all';
}

/** The filters as the API takes them (applied before ranking, so PMI is over the filtered collection). */
export function apiFilters(filters: SearchFilters): ApiSearchFilters | undefined {
  const api: ApiSearchFilters = {};
  if (filters.collection !== '') api.collectionIds = [Number(filters.collection)];
  if (filters.camera !== '') api.camera = filters.camera;
  if (filters.hasLocation) api.hasLocation = true;
  if (filters.from !== '') api.takenFrom = filters.from;
  if (filters.to !== '') api.takenTo = `${filters.to}T23:59:59`;
  return Object.keys(api).length > 0 ? api : undefined;
}

/** The filters written in the URL (c, camera, located, from, to) and read back. */
export function filtersToParams(filters: SearchFilters): Record<string, string | undefined> {
  return {
    c: filters.collection || undefined,
    camera: filters.camera || undefined,
    located: filters.hasLocation ? '1' : undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
  };
}

export function filtersFromParams(params: URLSearchParams): SearchFilters {
  return {
    collection: params.get('c') ?? '',
    camera: params.get('camera') ?? '',
    hasLocation: params.get('located') === '1',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

export function sameFilters(a: SearchFilters, b: SearchFilters): boolean {
  return a.collection === b.collection && a.camera === b.camera && a.hasLocation === b.hasLocation && a.from === b.from && a.to === b.to;
}

export function cameraOf(result: SearchResult): string | null {
  const photo = result.photo;
  if (!photo || (!photo.cameraMake && !photo.cameraModel)) return null;
  const make = photo.cameraMake ?? '';
  const model = photo.cameraModel ?? '';
  return model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`.trim();
}

export class SearchState {
  /** What is in the query box now. */
  input = $state('');
  kind = $state<SearchKind>('all');
  filters = $state<SearchFilters>({ ...NO_FILTERS });
  collections = $state<Collection[]>([]);

  /** The query, kind, filters and weaker-results choice of the response shown (or being fetched). */
  ranQuery = $state('');
  ranKind = $state<SearchKind>('all');
  ranFilters = $state<SearchFilters>({ ...NO_FILTERS });
  showWeaker = $state(false);
  limit = $state(PAGE_SIZE);
  response = $state<SearchResponse | null>(null);
  searching = $state(false);
  error = $state<ApiCallError | null>(null);

  /** The result whose "why" panel is open, by its index in `visible`. */
  whyIndex = $state<number | null>(null);
  /** The result shown large, by its index in `visible`. */
  previewIndex = $state<number | null>(null);

  /** The API applies the filters before ranking; the results are shown as they come. */
  readonly visible = $derived(this.response?.results ?? []);
  readonly documents = $derived(this.visible.filter((result) => result.kind === 'text'));
  readonly photos = $derived(this.visible.filter((result) => result.kind === 'image'));
  readonly cameras = $derived(
    (this.response?.results ?? [])
      .map(cameraOf)
      .filter((name, index, all): name is string => name !== null && all.indexOf(name) === index)
      .sort(),
  );
  readonly hasPhotoFacts = $derived((this.response?.results ?? []).some((result) => result.photo !== undefined));
  /**
   * A date range or a place means something only where photos say when or where (EXIF): once results are shown,
   * those filters are offered when some result carries the fact (or the filter is set), not as noise otherwise.
   */
  readonly offerDates = $derived(
    this.response === null ||
      this.filters.from !== '' ||
      this.filters.to !== '' ||
      this.response.results.some((result) => (result.photo?.takenAt ?? null) !== null),
  );
  readonly offerPlaces = $derived(
    this.response === null ||
      this.filters.hasLocation ||
      this.response.results.some(
        (result) => result.photo !== undefined && result.photo.latitude !== null && result.photo.longitude !== null,
      ),
  );
  readonly nothingMatches = $derived(this.response !== null && (this.response.noMatch === true || this.response.results.length === 0));
  /** The server returned a full page: asking for more may find more. */
  readonly mayHaveMore = $derived(this.response !== null && this.response.results.length >= this.limit);
  readonly filtersActive = $derived(
    this.filters.collection !== '' ||
      this.filters.camera !== '' ||
      this.filters.hasLocation ||
      this.filters.from !== '' ||
      this.filters.to !== '',
  );
  readonly whyResult = $derived(this.whyIndex === null ? null : (this.visible[this.whyIndex] ?? null));
  readonly previewResult = $derived(this.previewIndex === null ? null : (this.visible[this.previewIndex] ?? null));

  private readonly client: MilensClient;
  /** Only the latest request may write its answer (an older, slower one is dropped). */
  private generation = 0;

  constructor(client: MilensClient) {
    this.client = client;
  }

  async loadCollections(): Promise<void> {
    try {
      this.collections = await this.client.api.listCollections();
    } catch {
      // The Collections view reports listing errors; here the filter simply offers none.
    }
  }

  /** Runs the search that the URL names (called when the address changes). */
  async run(
    query: string,
    kind: SearchKind,
    limit = PAGE_SIZE,
    filters: SearchFilters = this.ranFilters,
    showWeaker = this.showWeaker,
  ): Promise<void> {
    const generation = ++this.generation;
    this.ranQuery = query;
    this.ranKind = kind;
    this.ranFilters = { ...filters };
    this.showWeaker = showWeaker;
    this.limit = limit;
    if (limit === PAGE_SIZE) {
      this.whyIndex = null;
      this.previewIndex = null;
    }
    if (query.trim() === '') {
      this.response = null;
      this.error = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    try {
      const apiFilter = apiFilters(filters);
      const response = await this.client.api.search({
        query,
        kind,
        limit,
        ...(apiFilter ? { filters: apiFilter } : {}),
        ...(showWeaker ? { showWeaker: true } : {}),
      });
      if (generation !== this.generation) return;
      this.response = response;
      this.error = null;
    } catch (error) {
      if (generation !== this.generation) return;
      this.response = null;
      this.error = asApiCallError('search', error);
    } finally {
      if (generation === this.generation) this.searching = false;
    }
  }

  async loadMore(): Promise<void> {
    if (this.searching || !this.mayHaveMore) return;
    await this.run(this.ranQuery, this.ranKind, this.limit + PAGE_SIZE, this.ranFilters, this.showWeaker);
  }

  /** Moves the preview by `step` results, staying within the list. */
  step(step: number): void {
    if (this.previewIndex === null || this.visible.length === 0) return;
    this.previewIndex = Math.min(this.visible.length - 1, Math.max(0, this.previewIndex + step));
  }

  clearFilters(): void {
    this.filters = { ...NO_FILTERS };
  }

  /** The URL parameters of the search as it is set up now (query box, kind, filters, weaker results). */
  params(query = this.input.trim(), showWeaker = false): Record<string, string | undefined> {
    return {
      q: query || undefined,
      kind: this.kind === 'all' ? undefined : this.kind,
      ...filtersToParams(this.filters),
      weaker: showWeaker ? '1' : undefined,
    };
  }
}
