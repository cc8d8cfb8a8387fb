// Brings a collection's part of the index up to date with its folder. Files are read and extracted
// outside any transaction, then committed in batches: each batch is one transaction holding whole
// documents (row, passages, postings, df/cf changes), so a crash at any moment leaves every document
// either fully indexed or absent, and the next run picks up exactly what is missing.
// Photos are items of their collection too: the `image` job decodes them in the same worker pool, and
// their document row and photo row commit together; their vectors (keyed by content hash, not by file)
// are computed and committed by the run's PhotoRun (./images/photo-indexing.ts).
// A run stops when its AbortSignal fires (IndexOptions.signal: a job's signal): checked between folders
// of the scan, between files and batches, before each model call; the pool's jobs in flight are
// stopped with their workers. What was committed stays (each batch is whole), and the next run picks up
// the rest; the run rejects with the signal's CANCELLED error.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Collection, IndexProgressEvent, IndexReport } from '../api/contract.js';
import { MilensError, invalidArgument, notFound } from '../api/errors.js';
import { CollectionsRepository } from '../../db/repositories/collections-repository.js';
import { DocumentsRepository, type DocumentFingerprint } from '../../db/repositories/documents-repository.js';
import { SkippedFilesRepository } from '../../db/repositories/skipped-files-repository.js';
import { TextIndexWriter } from '../../db/repositories/text-index-repository.js';
import { planChanges } from './change-detection.js';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractionLimits } from './extractors/index.js';
import { extractionPool, type WorkerPool } from './isolation/worker-pool.js';
import { acquireRunLease, type LeaseOptions } from './run-lease.js';
import { ReadRefused, readRegularFile } from './safe-read.js';
import { throwIfAborted } from './cancellation.js';
import { namedStorageError } from './storage-errors.js';
import { prepareTextDocument, storeTextDocument, type PreparedTextDocument, type TextPreparationContext } from './text-items.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './images/guards.js';
import { PhotoIndexing, imageJobPool, type PhotoIndexingOptions, type PhotoRun, type PreparedPhotoItem } from './images/photo-indexing.js';
import { hasImageExtension } from './images/sniff.js';
import {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_IMAGE_BYTES,
  describeFsError,
  scanFolder,
  type LinkPolicy,
  type ScannedFile,
  type SkippedEntry,
} from './scanner.js';

export interface IndexOptions {
  maxFileBytes?: number;
  /** Documents per transaction at most (default 250). */
  batchSize?: number;
  /**
   * Prepared text per transaction at most, UTF-8 bytes (default 32 MiB): with the count alone, 250 large
   * documents were held in memory at once. A single larger document is its own batch.
   */
  batchTextBytes?: number;
  /** Per-file limits of the extractors (PDF pages, zip containers); the defaults otherwise. */
  limits?: Partial<ExtractionLimits>;
  /** Per-file time budget of an extraction, milliseconds (default: the pool's, 30 s). */
  extractionTimeoutMs?: number;
  /** The worker pool that extracts (default: the process's shared pool). */
  pool?: WorkerPool;
  /** Limits of the image guards (pixel count, side, aspect ratio); DEFAULT_IMAGE_LIMITS if absent. */
  imageLimits?: ImageLimits;
  /** Symbolic links followed: only those resolving inside the collection (default) or all (scanner.ts). */
  followLinks?: LinkPolicy;
  /** Waiting for another process's run of the same collection (run-lease.ts). */
  lease?: LeaseOptions;
  /** Cancels the run (see the module comment); the batches committed before it fired are kept. */
  signal?: AbortSignal;
}

/** One file to (re)index, and the row it replaces when it changed. */
interface WorkItem {
  file: ScannedFile;
  previous?: DocumentFingerprint;
}

/** A file ready to be written: one variant per kind of item. */
type PreparedItem = PreparedTextDocument | PreparedPhotoItem;

type ReadOutcome =
  | { kind: 'prepared'; item: PreparedItem }
  | { kind: 'same-content'; previous: DocumentFingerprint; file: ScannedFile }
  | { kind: 'skipped'; entry: SkippedEntry };

const DEFAULT_BATCH_SIZE = 250;
const DEFAULT_BATCH_TEXT_BYTES = 32 * 1024 * 1024;
/** Files read and queued for extraction at most (their bytes are bounded separately). */
const READ_AHEAD_FILES = 8;

export function hashContent(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The budget of an item in a batch: what it keeps in memory until the batch is committed. */
function weightOf(outcome: ReadOutcome): number {
  if (outcome.kind !== 'prepared') return 0;
  switch (outcome.item.kind) {
    case 'text':
      return outcome.item.textBytes;
    case 'image':
      return outcome.item.heldBytes;
  }
}

interface PreparationContext {
  maxFileBytes: number;
  signal?: AbortSignal;
  /** What a cancelled run names ("Indexing of /path"). */
  what: string;
  /** The collection's folder: a file whose open handle points outside it is refused (unset: links may lead anywhere). */
  root?: string;
  text: TextPreparationContext;
  photos: PhotoRun;
  imagePool: WorkerPool;
}

/** Reads a file, compares its hash with the indexed one and prepares it by its kind. */
async function prepareItem(item: WorkItem, context: PreparationContext): Promise<ReadOutcome> {
  throwIfAborted(context.signal, context.what);
  const outcome = await prepareUncancelled(item, context);
  // A job the pool stopped because the run was cancelled is no skipped file: the run stops instead.
  throwIfAborted(context.signal, context.what);
  return outcome;
}

async function prepareUncancelled({ file, previous }: WorkItem, context: PreparationContext): Promise<ReadOutcome> {
  let bytes: Buffer;
  try {
    const maxBytes = file.kind === 'image' ? DEFAULT_MAX_IMAGE_BYTES : context.maxFileBytes;
    bytes = await readRegularFile(file.path, { maxBytes, root: context.root });
  } catch (error) {
    const reason = error instanceof ReadRefused ? error.reason : describeFsError(error);
    return { kind: 'skipped', entry: { path: file.path, reason } };
  }
  const contentHash = hashContent(bytes);
  if (previous && previous.contentHash === contentHash) return { kind: 'same-content', previous, file };
  let prepared: PreparedItem | SkippedEntry;
  switch (file.kind) {
    case 'text':
      prepared = await prepareTextDocument(file, bytes, contentHash, previous?.id, context.text);
      break;
    case 'image':
      prepared = await context.photos.prepareItem(file, bytes, contentHash, previous?.id, { ...context.text, pool: context.imagePool });
      break;
  }
  return 'kind' in prepared ? { kind: 'prepared', item: prepared } : { kind: 'skipped', entry: prepared };
}

export class IndexingService {
  private readonly collections: CollectionsRepository;
  private readonly documents: DocumentsRepository;
  private readonly skippedFiles: SkippedFilesRepository;
  private readonly photoIndexing: PhotoIndexing;
  /** One run per collection at a time within this process (the watcher and a caller may overlap). */
  private readonly running = new Map<number, Promise<IndexReport>>();
  /** Collections being removed: their runs stop at the next batch instead of committing it. */
  private readonly removing = new Set<number>();

  constructor(
    private readonly db: Database,
    private readonly onProgress: (event: IndexProgressEvent) => void = () => {},
    photoOptions: PhotoIndexingOptions = {},
  ) {
    this.collections = new CollectionsRepository(db);
    this.documents = new DocumentsRepository(db);
    this.skippedFiles = new SkippedFilesRepository(db);
    this.photoIndexing = new PhotoIndexing(db, photoOptions);
  }

  listCollections(): Collection[] {
    return this.collections.list();
  }

  async addCollection(folder: string): Promise<Collection> {
    const resolved = await resolveFolder(folder);
    const existing = this.collections.findByPath(resolved);
    if (existing) return existing;
    for (const other of this.collections.list()) {
      if (isInside(resolved, other.path) || isInside(other.path, resolved)) {
        throw new MilensError('CONFLICT', `${resolved} overlaps the collection ${other.path} (id ${other.id}); collections may not nest.`, {
          path: resolved,
        });
      }
    }
    try {
      return this.db
        .transaction(() => this.collections.insert(resolved, path.basename(resolved) || resolved, new Date().toISOString()))
        .immediate();
    } catch (error) {
      throw namedStorageError(this.db, error, `adding the collection ${resolved}`);
    }
  }

  /**
   * Removes the collection and everything indexed from it; the folder itself is never touched. A run
   * in progress for the collection is cancelled at its next batch and awaited first, so it can never
   * write into the collection after (or while) it is removed.
   */
  async removeCollection(id: number): Promise<void> {
    if (!this.collections.findById(id)) throw notFound(`No collection with id ${id}.`, { id });
    this.removing.add(id);
    try {
      await this.running.get(id)?.catch(() => undefined);
      if (!this.collections.findById(id)) throw notFound(`No collection with id ${id}.`, { id });
      try {
        this.deleteCollection(id);
      } catch (error) {
        throw namedStorageError(this.db, error, `removing collection ${id}`);
      }
      await this.photoIndexing.removeOrphanThumbnails();
    } finally {
      this.removing.delete(id);
    }
  }

  private deleteCollection(id: number): void {
    this.db
      .transaction(() => {
        const writer = new TextIndexWriter(this.db);
        for (const documentId of this.documents.idsOfCollection(id)) writer.removeDocumentText(documentId);
        writer.flush();
        this.collections.delete(id);
        this.photoIndexing.embeddings.removeOrphans();
      })
      .immediate();
  }

  /** Adds the folder as a collection if new, then indexes it. */
  async indexFolder(folder: string, options: IndexOptions = {}): Promise<IndexReport> {
    const collection = await this.addCollection(folder);
    return this.indexCollection(collection.id, options);
  }

  indexCollection(id: number, options: IndexOptions = {}): Promise<IndexReport> {
    const inFlight = this.running.get(id);
    const run = (inFlight ?? Promise.resolve()).catch(() => undefined).then(() => this.runIndex(id, options));
    this.running.set(id, run);
    const cleanup = () => {
      if (this.running.get(id) === run) this.running.delete(id);
    };
    run.then(cleanup, cleanup);
    return run;
  }

  /**
   * One run: holds the collection's cross-process lease (another process's run is waited for), and
   * reports every storage error with the database file and the collection named.
   */
  private async runIndex(id: number, options: IndexOptions): Promise<IndexReport> {
    const started = performance.now();
    const collection = this.collections.findById(id);
    if (!collection) throw notFound(`No collection with id ${id}.`, { id });
    throwIfAborted(options.signal, `Indexing of ${collection.path}`);
    try {
      const lease = await acquireRunLease(this.db, id, collection.path, { ...options.lease, signal: options.signal });
      try {
        return await this.runIndexHoldingLease(collection, options, started);
      } finally {
        lease.release();
      }
    } catch (error) {
      throw namedStorageError(this.db, error, `indexing ${collection.path}`);
    }
  }

  private async runIndexHoldingLease(collection: Collection, options: IndexOptions, started: number): Promise<IndexReport> {
    const id = collection.id;
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const batchTextBytes = options.batchTextBytes ?? DEFAULT_BATCH_TEXT_BYTES;
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const followLinks = options.followLinks ?? 'inside';
    const { signal } = options;
    const what = `Indexing of ${collection.path}`;
    const scan = await scanFolder(collection.path, { maxFileBytes, followLinks, signal });
    const plan = planChanges(scan.files, this.documents.fingerprints(id));
    const skipped: SkippedEntry[] = [...scan.skipped];
    const report: RunCounts = { added: 0, updated: 0, removed: 0, unchanged: plan.unchanged };
    const photoRun = await this.photoIndexing.beginRun(
      id,
      plan.removed.map((previous) => previous.id),
      options.imageLimits ?? DEFAULT_IMAGE_LIMITS,
      (work) => this.commitRun(id, work),
      signal,
    );
    const photos = photoRun.report;
    photos.unchanged = countImages(scan.files) - countImages([...plan.added, ...plan.maybeChanged.map((change) => change.file)]);
    photos.removed = plan.removed.filter((previous) => hasImageExtension(previous.path)).length;

    const work: WorkItem[] = [
      ...plan.added.map((file) => ({ file })),
      ...plan.maybeChanged.map(({ file, previous }) => ({ file, previous })),
    ];
    const total = work.length + plan.removed.length;
    let processed = 0;
    const progress = () => this.onProgress({ collectionId: id, path: collection.path, processed, total });
    progress();

    for (let start = 0; start < plan.removed.length; start += batchSize) {
      throwIfAborted(signal, what);
      const batch = plan.removed.slice(start, start + batchSize);
      this.commitRun(id, () => {
        const writer = new TextIndexWriter(this.db);
        for (const previous of batch) {
          writer.removeDocumentText(previous.id);
          this.documents.delete(previous.id);
        }
        writer.flush();
      });
      report.removed += batch.length;
      processed += batch.length;
      progress();
    }

    const context: PreparationContext = {
      maxFileBytes,
      signal,
      what,
      root: followLinks === 'inside' ? collection.path : undefined,
      text: {
        pool: options.pool ?? extractionPool(),
        limits: { ...DEFAULT_EXTRACTION_LIMITS, ...options.limits },
        timeoutMs: options.extractionTimeoutMs,
        signal,
      },
      photos: photoRun,
      // A pool given by the caller runs every job; by default photos have a pool of their own.
      imagePool: options.pool ?? imageJobPool(),
    };
    let pending: ReadOutcome[] = [];
    let pendingBytes = 0;
    const commitPending = () => {
      if (pending.length === 0) return;
      // Cancelled: this batch is not committed (the ones before it are).
      throwIfAborted(signal, what);
      const outcomes = pending;
      pending = [];
      pendingBytes = 0;
      this.commitOutcomes(id, outcomes, skipped, report, photoRun);
      processed += outcomes.length;
      progress();
    };
    await forEachBounded(
      work,
      {
        // Enough files read ahead that a worker never waits for the main thread's reads and commits
        // (measured: with one file ahead, 1,000 small notes took 30% longer than extracting in-process).
        concurrency: Math.max(READ_AHEAD_FILES, 2 * context.text.pool.size),
        // Bytes read and not yet extracted: the raw files in flight (a file over it still runs, alone).
        weightOf: (item) => item.file.size,
        maxWeight: Math.max(maxFileBytes, batchTextBytes),
      },
      (item) => prepareItem(item, context),
      (outcome) => {
        pending.push(outcome);
        pendingBytes += weightOf(outcome);
        if (pending.length >= batchSize || pendingBytes >= batchTextBytes) commitPending();
      },
    );
    commitPending();
    throwIfAborted(signal, what);
    // The last vectors of new photos, then those of photos indexed before a model was installed or under another one.
    await photoRun.flushEmbeddings();
    await photoRun.embedMissing({ ...context.text, pool: context.imagePool });
    throwIfAborted(signal, what);

    // Files that became unreadable since they were indexed: drop their stale index rows.
    const changedPaths = new Set(plan.maybeChanged.map((change) => change.file.path));
    const unreadableIndexed = skipped.map((entry) => entry.path).filter((file) => changedPaths.has(file));
    const finishedAt = new Date().toISOString();
    this.commitRun(id, () => {
      if (unreadableIndexed.length > 0) {
        const writer = new TextIndexWriter(this.db);
        for (const file of unreadableIndexed) {
          const current = this.documents.idOfPath(file);
          if (current === undefined) continue;
          writer.removeDocumentText(current);
          this.documents.delete(current);
          report.removed++;
          if (hasImageExtension(file)) photos.removed++;
        }
        writer.flush();
      }
      this.skippedFiles.replaceAll(id, skipped, finishedAt);
      this.collections.markIndexed(id, finishedAt);
      photoRun.removeOrphanVectors();
    });
    if (photos.removed + photos.updated > 0) await photoRun.removeOrphanThumbnails();
    return {
      collection: this.collections.findById(id)!,
      ...report,
      skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      elapsedMs: Math.round(performance.now() - started),
      photos: photoRun.finish(),
    };
  }

  /** One transaction with whole documents: each replaces whatever row holds its path now. */
  private commitOutcomes(
    id: number,
    outcomes: readonly ReadOutcome[],
    skipped: SkippedEntry[],
    report: RunCounts,
    photoRun: PhotoRun,
  ): void {
    const indexedAt = new Date().toISOString();
    const counts = { added: 0, updated: 0, unchanged: 0 };
    const photoCounts = { added: 0, updated: 0, unchanged: 0, skipped: 0 };
    const newlySkipped: SkippedEntry[] = [];
    this.commitRun(id, () => {
      const writer = new TextIndexWriter(this.db);
      for (const outcome of outcomes) {
        if (outcome.kind === 'skipped') {
          newlySkipped.push(outcome.entry);
          if (hasImageExtension(outcome.entry.path)) photoCounts.skipped++;
          continue;
        }
        if (outcome.kind === 'same-content') {
          this.documents.touch(outcome.previous.id, outcome.file.size, outcome.file.mtimeMs);
          counts.unchanged++;
          if (outcome.file.kind === 'image') photoCounts.unchanged++;
          continue;
        }
        const { item } = outcome;
        // Whatever row holds this path now (the one we read, or one another process wrote meanwhile) is replaced.
        const current = this.documents.idOfPath(item.file.path);
        if (current !== undefined) {
          writer.removeDocumentText(current);
          this.documents.delete(current);
        }
        switch (item.kind) {
          case 'text':
            storeTextDocument(this.documents, writer, id, item, indexedAt);
            break;
          case 'image':
            photoRun.store(this.documents, id, item, indexedAt);
            if (item.previousId !== undefined) photoCounts.updated++;
            else photoCounts.added++;
            break;
        }
        if (item.previousId !== undefined) counts.updated++;
        else counts.added++;
      }
      writer.flush();
    });
    // Counted only once the transaction committed.
    skipped.push(...newlySkipped);
    report.added += counts.added;
    report.updated += counts.updated;
    report.unchanged += counts.unchanged;
    photoRun.report.added += photoCounts.added;
    photoRun.report.updated += photoCounts.updated;
    photoRun.report.unchanged += photoCounts.unchanged;
    photoRun.report.skipped += photoCounts.skipped;
  }

  private commit(work: () => void): void {
    this.db.transaction(work).immediate();
  }

  /** Commits one batch of a run, unless the collection is being removed or is gone (then the run stops). */
  private commitRun(id: number, work: () => void): void {
    const cancelled = () => new MilensError('CANCELLED', `Indexing of collection ${id} stopped: the collection was removed.`, { id });
    if (this.removing.has(id)) throw cancelled();
    this.commit(() => {
      if (!this.collections.findById(id)) throw cancelled();
      work();
    });
  }
}

interface RunCounts {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
}

interface BoundedOptions<T> {
  /** Items in flight at most. */
  concurrency: number;
  weightOf(item: T): number;
  /** Total weight in flight at most; an item heavier than this still runs, alone. */
  maxWeight: number;
}

/**
 * Runs `work` over the items with bounded concurrency and bounded total weight in flight, handing each
 * result to `take` as it arrives (so results are never all held at once). The first error of `work` or
 * `take` stops new items from starting and is thrown once the items in flight have settled.
 */
async function forEachBounded<T, R>(
  items: readonly T[],
  options: BoundedOptions<T>,
  work: (item: T) => Promise<R>,
  take: (result: R) => void,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let weightInFlight = 0;
  let failure: { error: unknown } | undefined;
  for (const item of items) {
    const weight = options.weightOf(item);
    while (inFlight.size > 0 && (inFlight.size >= options.concurrency || weightInFlight + weight > options.maxWeight)) {
      await Promise.race(inFlight);
    }
    if (failure) break;
    weightInFlight += weight;
    const task: Promise<void> = work(item)
      .then((result) => {
        if (!failure) take(result);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        weightInFlight -= weight;
        inFlight.delete(task);
      });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}

function countImages(files: readonly ScannedFile[]): number {
  return files.reduce((count, file) => count + (file.kind === 'image' ? 1 : 0), 0);
}

async function resolveFolder(folder: string): Promise<string> {
  if (typeof folder !== 'string' || folder.trim() === '') throw invalidArgument('Expected a folder path but received an empty string.');
  const absolute = path.resolve(folder);
  let stats;
  try {
    stats = await fs.stat(absolute);
  } catch (error) {
    throw new MilensError('NOT_FOUND', `Cannot index ${absolute}: ${describeFsError(error)}.`, { path: absolute });
  }
  if (!stats.isDirectory()) throw invalidArgument(`Cannot index ${absolute}: it is not a folder.`, { path: absolute });
  return fs.realpath(absolute);
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  // `..notes` is a folder inside `parent`, not a way out of it: only `..` itself or `../…` leaves.
  const outside = relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
  return relative !== '' && !outside;
}
