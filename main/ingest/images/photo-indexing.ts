// The indexing service's photo part, one object per run: which model is in force, which bytes still
// need its vector, the model calls (batched, each input once per content hash), the photo and vector
// rows written in the document's transaction, the pass that embeds photos indexed before a model was
// installed (or under another model), and the end-of-run clean-up of vectors and thumbnails no photo
// uses any more. A photo moved or renamed inside its collection is recognised by its content hash: it
// keeps its vector (no model run) and, when its thumbnails are cached, is not even decoded again.
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { PhotoIndexReport } from '../../api/contract.js';
import { ImageEmbeddingsRepository } from '../../../db/repositories/image-embeddings-repository.js';
import { PhotosRepository, type PhotoItem } from '../../../db/repositories/photos-repository.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './guards.js';
import type { ImageEmbedder, ImageEmbedderSource } from './image-embedder.js';
import { prepareImage, type PreparedPhoto } from './image-ingest.js';
import type { ModelInputPixels } from './process-image.js';
import { sniffImageFormat } from './sniff.js';
import { THUMBNAIL_SIDE_PIXELS, ThumbnailCache, thumbnailFolderFor } from './thumbnail-cache.js';

export interface PhotoIndexingOptions {
  /** Where thumbnails are cached; `thumbnails/` beside the database file by default. */
  thumbnailFolder?: string;
  /** The embedder of the installed image–text model; without one, photos are indexed without vectors. */
  embedderSource?: ImageEmbedderSource;
}

/** Inputs per model call: large enough to amortise a call, small enough to bound memory (~150 kB each at 224²). */
const EMBEDDING_BATCH = 32;

export class PhotoIndexing {
  readonly photos: PhotosRepository;
  readonly embeddings: ImageEmbeddingsRepository;
  readonly thumbnails: ThumbnailCache;

  constructor(
    private readonly db: Database,
    private readonly options: PhotoIndexingOptions = {},
  ) {
    this.photos = new PhotosRepository(db);
    this.embeddings = new ImageEmbeddingsRepository(db);
    this.thumbnails = new ThumbnailCache(options.thumbnailFolder ?? thumbnailFolderFor(db.name));
  }

  /** Starts a run; `removedIds` are the documents the run will delete (their photos may reappear elsewhere). */
  async beginRun(collectionId: number, removedIds: readonly number[], limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<PhotoRun> {
    let embedder: ImageEmbedder | undefined;
    let embedderError: string | undefined;
    try {
      embedder = await this.options.embedderSource?.();
    } catch (error) {
      // A broken model must not stop indexing: photos are indexed now and embedded once it loads.
      embedderError = error instanceof Error ? error.message : String(error);
    }
    const movable = new Map<string, PhotoItem>();
    for (const item of this.photos.items(removedIds).values()) movable.set(item.contentHash, item);
    return new PhotoRun(this, collectionId, limits, embedder, embedderError, movable);
  }
}

export class PhotoRun {
  readonly report: PhotoIndexReport;
  /** Vectors computed in this run, by content hash, until their batch is committed. */
  private readonly vectors = new Map<string, Float32Array>();

  constructor(
    private readonly owner: PhotoIndexing,
    private readonly collectionId: number,
    readonly limits: ImageLimits,
    readonly embedder: ImageEmbedder | undefined,
    embedderError: string | undefined,
    /** Photos being removed in this run, by content hash: a file with the same bytes is that photo moved. */
    private readonly movable: ReadonlyMap<string, PhotoItem>,
  ) {
    this.report = {
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: 0,
      skipped: 0,
      embedded: 0,
      modelCalls: 0,
      modelId: embedder?.modelId ?? null,
      withoutVector: 0,
      ...(embedderError ? { modelError: embedderError } : {}),
    };
  }

  private vectorDue(contentHash: string): boolean {
    return this.embedder !== undefined && !this.owner.embeddings.has(this.embedder.modelId, contentHash);
  }

  /** Everything the photo row needs, decoding only when the bytes are new to the index (see the module comment). */
  async prepare(filePath: string, bytes: Buffer, contentHash: string): Promise<PreparedPhoto> {
    const moved = this.movable.get(contentHash);
    if (moved && !this.vectorDue(contentHash) && (await this.owner.thumbnails.has(contentHash)))
      return { metadata: moved.photo, animated: moved.animated };
    return prepareImage(filePath, bytes, contentHash, {
      thumbnails: this.owner.thumbnails,
      limits: this.limits,
      modelInputSideFor: (hash) => (this.vectorDue(hash) ? this.embedder!.inputSide : undefined),
    });
  }

  /** Runs the model over the batch's new bytes (before its transaction; each content hash once). */
  async embedBatch(photos: ReadonlyArray<{ contentHash: string; photo: PreparedPhoto }>): Promise<void> {
    if (!this.embedder) return;
    const pending = new Map<string, ModelInputPixels>();
    for (const { contentHash, photo } of photos)
      if (photo.modelInput && !this.vectors.has(contentHash)) pending.set(contentHash, photo.modelInput);
    await this.embed(pending);
  }

  private async embed(pending: ReadonlyMap<string, ModelInputPixels>): Promise<void> {
    const entries = [...pending];
    for (let start = 0; start < entries.length; start += EMBEDDING_BATCH) {
      const chunk = entries.slice(start, start + EMBEDDING_BATCH);
      let vectors: Float32Array[];
      try {
        this.report.modelCalls++;
        vectors = await this.embedder!.embedImages(chunk.map(([, input]) => input));
      } catch (error) {
        // The photos are still indexed; the next run embeds them.
        this.report.modelError ??= error instanceof Error ? error.message : String(error);
        return;
      }
      chunk.forEach(([hash], index) => {
        if (vectors[index]) this.vectors.set(hash, vectors[index]);
      });
    }
  }

  /** Inside the document's transaction: the photo row and, when computed, its vector. */
  store(documentId: number, contentHash: string, photo: PreparedPhoto, indexedAt: string): void {
    this.owner.photos.insert({ ...photo.metadata, documentId, animated: photo.animated });
    const vector = this.vectors.get(contentHash);
    if (vector && this.embedder) {
      this.owner.embeddings.put(this.embedder.modelId, contentHash, vector, indexedAt);
      this.vectors.delete(contentHash);
      this.report.embedded++;
    }
  }

  /**
   * Embeds the collection's photos that have no vector of the model in force: indexed before it was
   * installed, under another model, or whose model call failed. Decodes each file once more (only the
   * model input is derived) and skips files whose bytes changed since (the next run re-indexes them).
   */
  async embedMissing(commit: (work: () => void) => void, onProgress: (done: number, total: number) => void = () => {}): Promise<void> {
    if (!this.embedder) return;
    const embedder = this.embedder;
    const missing = this.owner.embeddings.missing(embedder.modelId, this.collectionId);
    for (let start = 0; start < missing.length; start += EMBEDDING_BATCH) {
      const chunk = missing.slice(start, start + EMBEDDING_BATCH);
      const inputs = new Map<string, ModelInputPixels>();
      for (const { contentHash, path } of chunk) {
        const input = await this.modelInputOfFile(path, contentHash, embedder.inputSide);
        if (input) inputs.set(contentHash, input);
      }
      await this.embed(inputs);
      const embeddedAt = new Date().toISOString();
      commit(() => {
        for (const hash of inputs.keys()) {
          const vector = this.vectors.get(hash);
          if (!vector) continue;
          this.owner.embeddings.put(embedder.modelId, hash, vector, embeddedAt);
          this.vectors.delete(hash);
          this.report.embedded++;
        }
      });
      onProgress(Math.min(start + EMBEDDING_BATCH, missing.length), missing.length);
      if (this.report.modelError) break;
    }
  }

  private async modelInputOfFile(filePath: string, contentHash: string, side: number): Promise<ModelInputPixels | undefined> {
    try {
      const bytes = await fs.readFile(filePath);
      if (createHash('sha256').update(bytes).digest('hex') !== contentHash) return undefined;
      const format = sniffImageFormat(bytes);
      if (!format) return undefined;
      const [{ decodeWorkingImage, readImageHeader }, { deriveModelInput }] = await Promise.all([
        import('./decode.js'),
        import('./process-image.js'),
      ]);
      await readImageHeader(bytes, format, this.limits);
      const working = await decodeWorkingImage(bytes, format, this.limits, THUMBNAIL_SIDE_PIXELS.large);
      return await deriveModelInput(working, side);
    } catch {
      return undefined; // gone, changed or now unreadable: the next indexing run deals with the file itself
    }
  }

  /** In the run's last transaction: vectors of bytes no photo has any more. */
  removeOrphanVectors(): void {
    this.owner.embeddings.removeOrphans();
  }

  /** After the last commit: thumbnails of bytes no photo has any more (other collections' photos kept). */
  async removeOrphanThumbnails(): Promise<void> {
    const keep = new Set(this.owner.photos.list().map((item) => item.contentHash));
    await this.owner.thumbnails.removeExcept(keep);
  }

  /** Closes the report: how many of the collection's photos still lack a vector of the model in force. */
  finish(): PhotoIndexReport {
    this.report.withoutVector = this.owner.embeddings.withoutVector(this.embedder?.modelId ?? null, this.collectionId);
    return this.report;
  }
}
