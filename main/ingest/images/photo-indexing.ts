// The indexing service's photo part, one PhotoRun per run: which model is in force, which bytes still
// need its vector, the `image` job in the worker pool (metadata, thumbnails and model input from one
// decode), the photo rows written in the document's transaction, and the vectors: computed in batches
// as photos arrive (each content hash once) and committed in their own transactions — a vector is keyed
// by (model, content hash), not by file, so it is valid whether or not its document's batch has
// committed yet. Then the pass that embeds photos indexed before a model was installed (or under
// another model), and the end-of-run clean-up of vectors and thumbnails no photo uses any more.
// A photo moved or renamed inside its collection is recognised by its content hash: it keeps its vector
// (no model run) and, when its thumbnails are cached, is not even decoded again.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { PhotoIndexReport, PhotoMetadata } from '../../api/contract.js';
import type { DocumentsRepository } from '../../../db/repositories/documents-repository.js';
import { ImageEmbeddingsRepository } from '../../../db/repositories/image-embeddings-repository.js';
import { PhotosRepository, type PhotoItem } from '../../../db/repositories/photos-repository.js';
import { JobFailed } from '../isolation/job-protocol.js';
import type { ImageJobPayload, ImageJobResult } from '../isolation/jobs/image-job.js';
import { defaultPoolSize } from '../isolation/limits.js';
import { WorkerPool } from '../isolation/worker-pool.js';
import { readRegularFile } from '../safe-read.js';
import { throwIfAborted } from '../cancellation.js';
import { DEFAULT_MAX_IMAGE_BYTES, type ScannedImageFile, type SkippedEntry } from '../scanner.js';
import type { TextPreparationContext } from '../text-items.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './guards.js';
import type { ImageEmbedder, ImageEmbedderSource } from './image-embedder.js';
import { ThumbnailCache, thumbnailFolderFor } from './thumbnail-cache.js';

export interface PhotoIndexingOptions {
  /** Where thumbnails are cached; `thumbnails/` beside the database file by default. */
  thumbnailFolder?: string;
  /** The embedder of the installed image–text model; without one, photos are indexed without vectors. */
  embedderSource?: ImageEmbedderSource;
}

/** A photo ready to be written (the image kind of the indexing service's prepared items). */
export interface PreparedPhotoItem {
  kind: 'image';
  file: ScannedImageFile;
  contentHash: string;
  previousId?: number;
  metadata: PhotoMetadata;
  animated: boolean;
  /** What it holds in memory until its batch commits (the batch budget counts it). */
  heldBytes: number;
}

let sharedImagePool: WorkerPool | undefined;

/**
 * The pool image jobs run in by default: its own, of at least two workers. A photo's decode is one
 * thread of libvips, so one worker leaves the other cores idle while it decodes; two photos at a time
 * keep them busy. Text extraction keeps the shared extraction pool and its sizing.
 */
export function imageJobPool(): WorkerPool {
  return (sharedImagePool ??= new WorkerPool({ size: Math.max(2, defaultPoolSize()) }));
}

/** Inputs per model call: enough to amortise a call, few enough to bound memory (600 kB each at 224²). */
const EMBEDDING_BATCH = 32;
/** Inputs waiting or in the model at most before preparing more photos waits for it. */
const EMBEDDING_BACKLOG = 3 * EMBEDDING_BATCH;

export class PhotoIndexing {
  readonly photos: PhotosRepository;
  readonly embeddings: ImageEmbeddingsRepository;
  readonly thumbnails: ThumbnailCache;

  constructor(
    db: Database,
    private readonly options: PhotoIndexingOptions = {},
  ) {
    this.photos = new PhotosRepository(db);
    this.embeddings = new ImageEmbeddingsRepository(db);
    this.thumbnails = new ThumbnailCache(options.thumbnailFolder ?? thumbnailFolderFor(db.name));
  }

  /** Thumbnails of bytes no photo has any more (after a run, or once a collection is removed). */
  async removeOrphanThumbnails(): Promise<void> {
    const keep = new Set(this.photos.list().map((item) => item.contentHash));
    await this.thumbnails.removeExcept(keep);
  }

  /**
   * Starts a run. `removedIds`: the documents the run will delete (their photos may reappear under
   * another name); `commit`: runs work in one of the run's transactions.
   */
  async beginRun(
    collectionId: number,
    removedIds: readonly number[],
    limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
    commit: (work: () => void) => void,
    signal?: AbortSignal,
  ): Promise<PhotoRun> {
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
    return new PhotoRun(this, collectionId, limits, commit, embedder, embedderError, movable, signal);
  }
}

export class PhotoRun {
  readonly report: PhotoIndexReport;
  /** Model inputs waiting for the next model call, by content hash. */
  private readonly queued = new Map<string, Float32Array>();
  /** Content hashes queued, in the model or embedded in this run: each is run through the model once. */
  private readonly seen = new Set<string>();
  private inModel = 0;
  /** The model calls, one after the other. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly owner: PhotoIndexing,
    private readonly collectionId: number,
    readonly limits: ImageLimits,
    private readonly commit: (work: () => void) => void,
    readonly embedder: ImageEmbedder | undefined,
    embedderError: string | undefined,
    /** Photos being removed in this run, by content hash: a file with the same bytes is that photo moved. */
    private readonly movable: ReadonlyMap<string, PhotoItem>,
    /** The run's cancel signal: checked before each model call and each photo of the embedding pass. */
    private readonly signal?: AbortSignal,
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
    return this.embedder !== undefined && !this.seen.has(contentHash) && !this.owner.embeddings.has(this.embedder.modelId, contentHash);
  }

  /** Prepares one photo (see the module comment); the bytes are moved to the worker. */
  async prepareItem(
    file: ScannedImageFile,
    bytes: Buffer,
    contentHash: string,
    previousId: number | undefined,
    pool: TextPreparationContext,
  ): Promise<PreparedPhotoItem | SkippedEntry> {
    const moved = this.movable.get(contentHash);
    if (moved && !this.vectorDue(contentHash) && (await this.owner.thumbnails.has(contentHash)))
      return { kind: 'image', file, contentHash, previousId, metadata: moved.photo, animated: moved.animated, heldBytes: 0 };
    const result = await this.runJob(file.path, bytes, pool, true, this.vectorDue(contentHash));
    if ('reason' in result) return result;
    // Before the commit: a crash between the two leaves unused thumbnails, never a photo without them.
    await this.owner.thumbnails.write(contentHash, result.thumbnails!);
    if (result.modelInput) await this.enqueue(contentHash, result.modelInput);
    return { kind: 'image', file, contentHash, previousId, metadata: result.metadata, animated: result.animated, heldBytes: 0 };
  }

  private async runJob(
    filePath: string,
    bytes: Buffer,
    pool: TextPreparationContext,
    thumbnails: boolean,
    withModelInput: boolean,
  ): Promise<ImageJobResult | SkippedEntry> {
    const payload: ImageJobPayload = {
      bytes,
      extension: path.extname(filePath),
      limits: this.limits,
      thumbnails,
      modelPreprocess: withModelInput ? this.embedder?.imagePreprocess : undefined,
    };
    // Transfer only a buffer the bytes own entirely (a slice of a pooled buffer would detach its neighbours).
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    try {
      return await pool.pool.run<ImageJobResult>('image', payload, {
        label: 'image decoding',
        timeoutMs: pool.timeoutMs,
        transfer: owns ? [bytes.buffer as ArrayBuffer] : [],
        signal: pool.signal,
      });
    } catch (error) {
      if (error instanceof JobFailed) return { path: filePath, reason: error.reason };
      throw error;
    }
  }

  /** Queues a model input; starts a model call per full batch and waits while the backlog is long. */
  private async enqueue(contentHash: string, input: Float32Array): Promise<void> {
    if (this.seen.has(contentHash)) return;
    this.seen.add(contentHash);
    this.queued.set(contentHash, input);
    if (this.queued.size >= EMBEDDING_BATCH) this.startModelCall();
    while (this.queued.size + this.inModel > EMBEDDING_BACKLOG) await this.chain;
  }

  private startModelCall(): void {
    const batch = [...this.queued];
    this.queued.clear();
    if (batch.length === 0) return;
    this.inModel += batch.length;
    this.chain = this.chain.then(() => this.embedAndCommit(batch)).finally(() => (this.inModel -= batch.length));
    // A cancelled run stops the chain; whoever waits on it sees the error, and a run that stopped for
    // another reason first (and never waits) must not leave an unhandled rejection behind.
    this.chain.catch(() => undefined);
  }

  private throwIfCancelled(): void {
    throwIfAborted(this.signal, `Embedding the photos of collection ${this.collectionId}`);
  }

  private async embedAndCommit(batch: ReadonlyArray<[string, Float32Array]>): Promise<void> {
    const embedder = this.embedder!;
    if (this.report.modelError) return; // the model failed once in this run; the next run tries again
    this.throwIfCancelled();
    let vectors: Float32Array[];
    try {
      this.report.modelCalls++;
      vectors = await embedder.embedImages(
        batch.map(([, input]) => input),
        this.signal ? { signal: this.signal } : undefined,
      );
    } catch (error) {
      // Cancelled during the call (between the model's own batches): the run stops, no vector is stored.
      this.throwIfCancelled();
      this.report.modelError = error instanceof Error ? error.message : String(error);
      return;
    }
    // Cancelled while the model ran: its vectors are not committed.
    this.throwIfCancelled();
    const embeddedAt = new Date().toISOString();
    let stored = 0;
    try {
      this.commit(() => {
        batch.forEach(([hash], index) => {
          const vector = vectors[index];
          if (!vector) return;
          this.owner.embeddings.put(embedder.modelId, hash, vector, embeddedAt);
          stored++;
        });
      });
      this.report.embedded += stored;
    } catch (error) {
      // The run was cancelled (collection removed) or the database closed: nothing of this batch is kept.
      this.report.modelError ??= error instanceof Error ? error.message : String(error);
    }
  }

  /** Sends what is still queued to the model and waits for every model call of the run. */
  async flushEmbeddings(): Promise<void> {
    this.startModelCall();
    await this.chain;
  }

  /** Inside the document's transaction: the document row and the photo row. */
  store(documents: DocumentsRepository, collectionId: number, item: PreparedPhotoItem, indexedAt: string): number {
    const documentId = documents.insert({
      collectionId,
      path: item.file.path,
      kind: 'image',
      format: item.metadata.format,
      size: item.file.size,
      mtimeMs: item.file.mtimeMs,
      contentHash: item.contentHash,
      title: path.basename(item.file.path),
      length: 0,
      indexedAt,
    });
    this.owner.photos.insert({ ...item.metadata, documentId, animated: item.animated });
    return documentId;
  }

  /**
   * Embeds the collection's photos that have no vector of the model in force: indexed before it was
   * installed, under another model, or whose model call failed. Decodes each file once more (model
   * input only) and leaves files whose bytes changed since to the next run.
   */
  async embedMissing(pool: TextPreparationContext): Promise<void> {
    if (!this.embedder || this.report.modelError) return;
    for (const { contentHash, path: filePath } of this.owner.embeddings.missing(this.embedder.modelId, this.collectionId)) {
      this.throwIfCancelled();
      if (this.seen.has(contentHash)) continue;
      let bytes: Buffer;
      try {
        bytes = await readRegularFile(filePath, { maxBytes: DEFAULT_MAX_IMAGE_BYTES });
      } catch {
        continue; // gone or unreadable: the next run deals with the file itself
      }
      if (createHash('sha256').update(bytes).digest('hex') !== contentHash) continue;
      const result = await this.runJob(filePath, bytes, pool, false, true);
      this.throwIfCancelled();
      if ('reason' in result || !result.modelInput) continue;
      await this.enqueue(contentHash, result.modelInput);
      if (this.report.modelError) break;
    }
    await this.flushEmbeddings();
  }

  /** In the run's last transaction: vectors of bytes no photo has any more. */
  removeOrphanVectors(): void {
    this.owner.embeddings.removeOrphans();
  }

  /** After the last commit: thumbnails of bytes no photo has any more (other collections' photos kept). */
  async removeOrphanThumbnails(): Promise<void> {
    await this.owner.removeOrphanThumbnails();
  }

  /** Closes the report: how many of the collection's photos still lack a vector of the model in force. */
  finish(): PhotoIndexReport {
    this.report.withoutVector = this.owner.embeddings.withoutVector(this.embedder?.modelId ?? null, this.collectionId);
    return this.report;
  }
}
