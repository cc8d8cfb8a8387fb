// Photo search: the query (words, `+`/`-` concepts, an example image, or words and an image together)
// becomes one embedding of the image–text model in force; the photos' stored embeddings are ranked by
// PMI in bits with the hub correction and the "no match" rule (main/search/dense/); filters choose the
// photos the PMI is computed over; bursts of near-identical shots fold into one result; `diversify`
// re-ranks by MMR. Each result's `why` gives the model, the raw cosine, the correction, the normaliser
// and what was filtered or folded.
//
// What stays resident between searches (per database and model, rebuilt when the stored vectors
// change): the vector index over the photos' float16 embeddings, the bank's embeddings and the hub
// correction (extended in place when photos were only added).
import type { Database } from 'better-sqlite3';
import type { SearchFilters, SearchRequest, SearchResult } from '../api/contract.js';
import { invalidArgument, invalidType, requireInteger, unavailable } from '../api/errors.js';
import { getCompute } from '../compute/index.js';
import type { ComputeBackend, VectorIndex, VectorStore } from '../compute/kernels.js';
import { f16DecodeTable } from '../compute/reference/similarity-topk.js';
import { ImageEmbeddingsRepository } from '../../db/repositories/image-embeddings-repository.js';
import { PhotosRepository, type PhotoItem } from '../../db/repositories/photos-repository.js';
import { imageModelInForce } from '../ingest/images/model-in-force.js';
import { thumbnailUrls } from '../ingest/images/thumbnail-urls.js';
import { openEmbedder, type Embedder } from '../../models/embedder.js';
import { preprocessImage } from '../../models/preprocess.js';
import { queryBankEmbeddings, searchCacheFolderFor } from './dense/bank-cache.js';
import { foldBursts } from './dense/bursts.js';
import { rankDense, type RankedItem } from './dense/dense-ranker.js';
import { diversifyOrder } from './dense/diversify.js';
import {
  attachRunnerUpNull,
  buildHubCorrection,
  correctionNats,
  extendHubCorrection,
  type HubCorrectionState,
} from './dense/hub-correction.js';
import { DEFAULT_MATCH_RULE, type MatchRule } from './dense/no-match.js';
import { LN2 } from './dense/pmi.js';
import { combineParts, parseConcepts, type QueryPart } from './dense/query-vectors.js';

export interface PhotoSearchOutcome {
  results: SearchResult[];
  /** Whether some photo cleared the match rule (false also when no photo is embedded). */
  match: boolean;
  /** The model that scored the photos, or null when none is installed. */
  modelId: string | null;
}

/** One model's resident state for one database. */
interface ResidentPhotos {
  modelId: string;
  fingerprint: string;
  itemIds: Int32Array;
  store: Extract<VectorStore, { dtype: 'f16' }>;
  index: VectorIndex;
  correction: HubCorrectionState | null;
}

const residentByDatabase = new WeakMap<Database, ResidentPhotos>();
const embedders = new Map<string, Promise<Embedder>>();

function embedderFor(modelsFolder: string, modelId: string): Promise<Embedder> {
  const key = `${modelsFolder}\u0000${modelId}`;
  let embedder = embedders.get(key);
  if (!embedder) {
    embedder = openEmbedder(modelsFolder, modelId);
    embedders.set(key, embedder);
    embedder.catch(() => embedders.delete(key));
  }
  return embedder;
}

/** Closes the embedders photo search opened (the core calls it when it closes). */
export async function closePhotoSearchEmbedders(): Promise<void> {
  const open = [...embedders.values()];
  embedders.clear();
  await Promise.all(open.map(async (embedder) => (await embedder.catch(() => undefined))?.close()));
}

/** How many embedders photo search holds open (for the tests of the core's close()). */
export function openPhotoSearchEmbedderCount(): number {
  return embedders.size;
}

/** A cheap signature of the stored vectors of a model: changes when photos or vectors are added or removed. */
function vectorsFingerprint(db: Database, modelId: string): string {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS count, COALESCE(SUM(d.id), 0) AS ids, COALESCE(MAX(e.embedded_at), '') AS latest
       FROM documents d JOIN image_embeddings e ON e.content_hash = d.content_hash AND e.model_id = ?
       WHERE d.kind = 'image'`,
    )
    .get(modelId) as { count: number; ids: number; latest: string };
  return `${row.count}:${row.ids}:${row.latest}`;
}

function rowsOf(store: VectorStore, rows: ArrayLike<number>): Extract<VectorStore, { dtype: 'f16' }> {
  const source = store.data as Uint16Array;
  const data = new Uint16Array(rows.length * store.dimension);
  for (let i = 0; i < rows.length; i++)
    data.set(source.subarray(rows[i]! * store.dimension, (rows[i]! + 1) * store.dimension), i * store.dimension);
  return { dtype: 'f16', data, count: rows.length, dimension: store.dimension };
}

function imageCosine(store: VectorStore, a: number, b: number): number {
  const table = f16DecodeTable();
  const data = store.data as Uint16Array;
  let sum = 0;
  for (let d = 0; d < store.dimension; d++) sum += table[data[a * store.dimension + d]!]! * table[data[b * store.dimension + d]!]!;
  return sum;
}

function takenAtMs(item: PhotoItem | undefined): number | null {
  const taken = item?.photo.takenAt;
  if (!taken) return null;
  const ms = Date.parse(taken.length === 10 ? `${taken}T00:00:00Z` : `${taken.replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** Rows of the store that pass the filters, and the words saying what they kept. */
function applyFilters(filters: SearchFilters, itemIds: Int32Array, photos: Map<number, PhotoItem>): { rows: number[]; note: string } {
  const parts: string[] = [];
  const to = filters.takenTo === undefined ? undefined : filters.takenTo.length === 10 ? `${filters.takenTo}T23:59:59` : filters.takenTo;
  if (filters.takenFrom !== undefined) parts.push(`taken from ${filters.takenFrom}`);
  if (filters.takenTo !== undefined) parts.push(`taken to ${filters.takenTo}`);
  if (filters.camera !== undefined) parts.push(`camera contains "${filters.camera}"`);
  if (filters.hasLocation !== undefined) parts.push(filters.hasLocation ? 'with location' : 'without location');
  if (filters.collectionIds !== undefined) parts.push(`collection ${filters.collectionIds.join(', ')}`);
  const camera = filters.camera?.toLowerCase();
  const rows: number[] = [];
  itemIds.forEach((itemId, row) => {
    const item = photos.get(itemId);
    if (!item) return;
    const taken = item.photo.takenAt?.replace(' ', 'T') ?? null;
    if (filters.takenFrom !== undefined && (taken === null || taken < filters.takenFrom)) return;
    if (to !== undefined && (taken === null || taken > to)) return;
    if (camera !== undefined && !`${item.photo.cameraMake ?? ''} ${item.photo.cameraModel ?? ''}`.toLowerCase().includes(camera)) return;
    const located = item.photo.latitude !== null && item.photo.longitude !== null;
    if (filters.hasLocation !== undefined && located !== filters.hasLocation) return;
    if (filters.collectionIds !== undefined && !filters.collectionIds.includes(item.collectionId)) return;
    rows.push(row);
  });
  const note = `filters: ${parts.join(', ')} (${rows.length.toLocaleString('en')} of ${itemIds.length.toLocaleString('en')} photos; PMI is computed over these)`;
  return { rows, note };
}

export function validateFilters(filters: unknown): SearchFilters | undefined {
  if (filters === undefined) return undefined;
  if (typeof filters !== 'object' || filters === null) throw invalidType('filters', 'an object', filters);
  const f = filters as Record<string, unknown>;
  for (const key of ['takenFrom', 'takenTo', 'camera'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'string') throw invalidType(`filters.${key}`, 'a string', f[key]);
  }
  if (f.hasLocation !== undefined && typeof f.hasLocation !== 'boolean')
    throw invalidType('filters.hasLocation', 'a boolean', f.hasLocation);
  if (f.collectionIds !== undefined) {
    if (!Array.isArray(f.collectionIds)) throw invalidType('filters.collectionIds', 'an array of collection ids', f.collectionIds);
    f.collectionIds.forEach((id, i) => requireInteger(`filters.collectionIds[${i}]`, id, 1));
  }
  return filters as SearchFilters;
}

export class PhotoSearchService {
  constructor(
    private readonly db: Database,
    private readonly modelsFolder: string,
    private readonly databasePath: string,
  ) {}

  async search(request: SearchRequest, limit: number): Promise<PhotoSearchOutcome> {
    const filters = validateFilters(request.filters);
    if (request.image !== undefined && typeof request.image !== 'string') throw invalidType('image', 'a file path', request.image);
    const model = imageModelInForce(this.modelsFolder);
    if (!model) {
      // Words with no model find no photos (as a library without photos would); an example image needs one.
      if (request.image)
        throw unavailable('No image–text model is installed: run `milens models download clip-vit-b32` (or import one) to search photos');
      return { results: [], match: false, modelId: null };
    }
    const parts: QueryPart[] = parseConcepts(request.query);
    if (request.image) parts.push({ source: request.image, kind: 'image', sign: 1 });
    if (parts.length === 0) return { results: [], match: false, modelId: model.id };

    if (vectorsFingerprint(this.db, model.id).startsWith('0:')) return { results: [], match: false, modelId: model.id };
    const compute = await getCompute();
    const embedder = await embedderFor(this.modelsFolder, model.id);
    const resident = await this.resident(compute, model.id, embedder);
    if (!resident || resident.store.count === 0) return { results: [], match: false, modelId: model.id };

    const query = await this.queryVector(parts, embedder);
    const notes: string[] = [];
    if (parts.length > 1)
      notes.push(`query: ${parts.map((part) => `${part.sign > 0 ? '+' : '−'} ${part.kind} "${part.source}"`).join(' ')}`);

    // Filters change the collection: a sub-index of the kept photos, and the correction renormalised over them.
    const photos = new PhotosRepository(this.db);
    let rows: number[] | null = null;
    let allPhotos: Map<number, PhotoItem> | undefined;
    if (filters && Object.keys(filters).length > 0) {
      allPhotos = photos.items(Array.from(resident.itemIds));
      const filtered = applyFilters(filters, resident.itemIds, allPhotos);
      rows = filtered.rows;
      notes.push(filtered.note);
      if (rows.length === 0) return { results: [], match: false, modelId: model.id };
    }
    const itemCount = rows ? rows.length : resident.store.count;
    const store = rows ? rowsOf(resident.store, rows) : resident.store;
    const index = rows ? await compute.createVectorIndex(store) : resident.index;
    // The hub correction speaks for text queries; an example image alone is ranked by plain PMI.
    const useCorrection = resident.correction !== null && parts.some((part) => part.kind === 'text');
    const offsets = useCorrection ? this.offsets(resident.correction!, rows, itemCount) : undefined;
    const correction = resident.correction;
    // The no-match rule's null is the whole collection's; over a filtered subset, runner-ups among fewer
    // photos would score lower, so the whole collection's null is the stricter of the two.
    const itemBankMoments =
      useCorrection && correction?.runnerUpNull
        ? rows
          ? {
              mean: Float32Array.from(rows, (row) => correction.itemBankMean[row]!),
              deviation: Float32Array.from(rows, (row) => correction.itemBankDeviation[row]!),
              runnerUpNull: correction.runnerUpNull,
            }
          : { mean: correction.itemBankMean, deviation: correction.itemBankDeviation, runnerUpNull: correction.runnerUpNull }
        : undefined;
    const rule: MatchRule = request.minBits === undefined ? DEFAULT_MATCH_RULE : { kind: 'min-bits', minBits: request.minBits };
    let ranked: RankedItem[];
    let normaliserBits: number;
    let match: boolean;
    try {
      const [ranking] = await rankDense(index, query, 1, {
        limit: Math.min(4096, Math.max(limit * 4, 64)),
        logitScale: model.inference.scoring.logitScale,
        ...(offsets ? { offsets } : {}),
        ...(itemBankMoments ? { itemBankMoments } : {}),
        rule,
        listing: request.showWeaker ? 'positive' : 'matches',
      });
      ranked = ranking!.results;
      normaliserBits = ranking!.normaliserBits;
      match = ranking!.match;
    } finally {
      if (rows) index.dispose();
    }
    if (!useCorrection && resident.correction && parts.every((part) => part.kind === 'image'))
      notes.push('example image: plain PMI, no hub correction');

    // Bursts fold into their best shot; then, on request, MMR over the groups' leaders.
    const storeRow = (position: number) => ranked[position]!.item;
    const itemIdOf = (position: number) => resident.itemIds[rows ? rows[storeRow(position)]! : storeRow(position)]!;
    const metadata = allPhotos ?? photos.items(ranked.map((_, position) => itemIdOf(position)));
    const cosine = (a: number, b: number) => imageCosine(store, storeRow(a), storeRow(b));
    let groups = foldBursts(
      ranked.map((entry, position) => ({ item: entry.item, takenAtMs: takenAtMs(metadata.get(itemIdOf(position))) })),
      cosine,
    );
    if (request.diversify) {
      const order = diversifyOrder(
        groups.map((group) => ranked[group[0]!]!.bits),
        (a, b) => cosine(groups[a]![0]!, groups[b]![0]!),
      );
      groups = order.map((position) => groups[position]!);
      notes.push('diversified: maximal marginal relevance (λ = 0.7) over image similarity');
    }
    const results: SearchResult[] = [];
    for (const group of groups.slice(0, limit)) {
      const leader = ranked[group[0]!]!;
      const item = metadata.get(itemIdOf(group[0]!));
      if (!item) continue;
      const folded = group.slice(1).flatMap((position) => {
        const other = metadata.get(itemIdOf(position));
        return other ? [{ path: other.path, itemId: other.itemId, bits: round(ranked[position]!.bits) }] : [];
      });
      const resultNotes = [...notes];
      if (folded.length > 0)
        resultNotes.push(`folded ${folded.length} near-duplicate${folded.length === 1 ? '' : 's'} (same burst or copies)`);
      results.push({
        path: item.path,
        score: round(leader.bits * LN2),
        bits: round(leader.bits),
        kind: 'image',
        title: item.title,
        snippet: '',
        itemId: item.itemId,
        collectionId: item.collectionId,
        photo: item.photo,
        thumbnail: thumbnailUrls(item.itemId),
        folded,
        why: {
          model: model.id,
          cosine: round(leader.cosine),
          hubCorrectionBits: round(leader.correctionBits),
          normaliserBits: round(normaliserBits),
          notes: resultNotes,
        },
      });
    }
    return { results, match: match && results.length > 0, modelId: model.id };
  }

  private offsets(correction: HubCorrectionState, rows: number[] | null, itemCount: number): Float32Array {
    if (!rows) {
      const offsets = new Float32Array(itemCount);
      for (let x = 0; x < itemCount; x++) offsets[x] = correctionNats(correction.itemLogMass[x]!, correction.bankSize, itemCount);
      return offsets;
    }
    // Over a subset the marginal p̂ is renormalised to the kept photos.
    let total = 0;
    for (const row of rows) total += Math.exp(correction.itemLogMass[row]!);
    const shift = Math.log(correction.bankSize / Math.max(total, 1e-300));
    return Float32Array.from(rows, (row) => correctionNats(correction.itemLogMass[row]! + shift, correction.bankSize, itemCount));
  }

  private async queryVector(parts: QueryPart[], embedder: Embedder): Promise<Float32Array> {
    const texts = parts.filter((part) => part.kind === 'text').map((part) => part.source);
    const textVectors = texts.length > 0 ? await embedder.embedTexts(texts) : [];
    const embeddings = new Float32Array(parts.length * embedder.dimension);
    let textAt = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      let vector: Float32Array;
      if (part.kind === 'text') vector = textVectors[textAt++]!;
      else {
        let tensor: Float32Array;
        try {
          tensor = await preprocessImage(part.source, embedder.imagePreprocess);
        } catch (error) {
          throw invalidArgument(`Cannot read the example image ${part.source}: ${(error as Error).message}`, { path: part.source });
        }
        vector = (await embedder.embedImages([tensor]))[0]!;
      }
      embeddings.set(vector, i * embedder.dimension);
    }
    return combineParts(parts, embeddings, embedder.dimension);
  }

  /** The resident index and correction of a model, rebuilt or extended when the stored vectors changed. */
  private async resident(compute: ComputeBackend, modelId: string, embedder: Embedder): Promise<ResidentPhotos | undefined> {
    const fingerprint = vectorsFingerprint(this.db, modelId);
    const cached = residentByDatabase.get(this.db);
    if (cached && cached.modelId === modelId && cached.fingerprint === fingerprint) return cached;
    const vectors = new ImageEmbeddingsRepository(this.db).residentVectors(modelId);
    if (vectors.itemIds.length === 0) return undefined;
    const store: Extract<VectorStore, { dtype: 'f16' }> = {
      dtype: 'f16',
      data: vectors.vectors,
      count: vectors.itemIds.length,
      dimension: vectors.dimension,
    };
    const index = await compute.createVectorIndex(store);
    const bank = await queryBankEmbeddings(searchCacheFolderFor(this.databasePath), modelId, vectors.dimension, (texts) =>
      embedder.embedTexts(texts),
    );
    const scale = embedder.logitScale;
    let correction: HubCorrectionState;
    const appended =
      cached &&
      cached.modelId === modelId &&
      cached.correction &&
      cached.itemIds.length < vectors.itemIds.length &&
      cached.itemIds.every((id, i) => vectors.itemIds[i] === id) &&
      cached.correction.staleNats < 0.5;
    if (appended) {
      // Photos were only added: extend the correction with the new rows (hub-correction.ts).
      const newRows = Array.from({ length: store.count - cached.store.count }, (_, i) => cached.store.count + i);
      const added = rowsOf(store, newRows);
      const addedIndex = await compute.createVectorIndex(added);
      try {
        correction = await extendHubCorrection(compute, cached.correction!, added, addedIndex, bank);
      } finally {
        addedIndex.dispose();
      }
      // The no-match null depends on every photo: one pass of the bank over the grown store.
      correction = await attachRunnerUpNull(correction, index, bank);
    } else {
      correction = await buildHubCorrection(compute, store, index, bank, scale);
    }
    cached?.index.dispose();
    const resident: ResidentPhotos = { modelId, fingerprint, itemIds: vectors.itemIds, store, index, correction };
    residentByDatabase.set(this.db, resident);
    return resident;
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
