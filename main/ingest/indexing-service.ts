// Brings a collection's part of the index up to date with its folder. Files are read and extracted
// outside any transaction, then committed in batches: each batch is one transaction holding whole
// documents (row, passages, postings, df/cf changes), so a crash at any moment leaves every document
// either fully indexed or absent, and the next run picks up exactly what is missing.
// Photos take the same path (their document row, photo row and image vector commit together); their
// decoding, thumbnails and embedding live in ./images/ (see photo-indexing.ts for this service's part).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Collection, IndexProgressEvent, IndexReport } from '../api/contract.js';
import { MilensError, invalidArgument, notFound } from '../api/errors.js';
import { CollectionsRepository } from '../../db/repositories/collections-repository.js';
import { DocumentsRepository, type DocumentFingerprint } from '../../db/repositories/documents-repository.js';
import { SkippedFilesRepository } from '../../db/repositories/skipped-files-repository.js';
import { TextIndexWriter, type PassageInput } from '../../db/repositories/text-index-repository.js';
import { termFrequencies, tokenize } from '../search/tokenizer.js';
import { planChanges } from './change-detection.js';
import { ExtractionRefused, extractText } from './extractors/index.js';
import { splitIntoPassages } from './passages.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './images/guards.js';
import { imageSkipReason, type PreparedPhoto } from './images/image-ingest.js';
import { PhotoIndexing, type PhotoIndexingOptions, type PhotoRun } from './images/photo-indexing.js';
import { hasImageExtension } from './images/sniff.js';
import { DEFAULT_MAX_FILE_BYTES, describeFsError, scanFolder, type ScannedFile, type SkippedEntry } from './scanner.js';

export interface IndexOptions {
  maxFileBytes?: number;
  /** Documents per transaction. */
  batchSize?: number;
  /** Limits of the image guards (pixel count, side, aspect ratio); DEFAULT_IMAGE_LIMITS if absent. */
  imageLimits?: ImageLimits;
}

interface PreparedDocument {
  file: ScannedFile;
  contentHash: string;
  title: string;
  passages: PassageInput[];
  length: number;
  /** The row this replaces, for changed files. */
  previousId?: number;
  /** Images: what goes into the `photos` row (and the model input, when a vector is due). */
  photo?: PreparedPhoto;
}

type ReadOutcome =
  | { kind: 'prepared'; document: PreparedDocument }
  | { kind: 'same-content'; previous: DocumentFingerprint; file: ScannedFile }
  | { kind: 'skipped'; entry: SkippedEntry };

const DEFAULT_BATCH_SIZE = 250;
const READ_CONCURRENCY = 8;

export function hashContent(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Tokenises extracted text into passages ready for the index. */
export function preparePassages(text: string): { passages: PassageInput[]; length: number } {
  const passages: PassageInput[] = [];
  let length = 0;
  for (const passageText of splitIntoPassages(text)) {
    const terms = tokenize(passageText);
    if (terms.length === 0) continue;
    passages.push({ text: passageText, termCounts: termFrequencies(terms), length: terms.length });
    length += terms.length;
  }
  return { passages, length };
}

async function readAndExtract(file: ScannedFile, previous: DocumentFingerprint | undefined, photoRun: PhotoRun): Promise<ReadOutcome> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.path);
  } catch (error) {
    return { kind: 'skipped', entry: { path: file.path, reason: describeFsError(error) } };
  }
  const contentHash = hashContent(bytes);
  if (previous && previous.contentHash === contentHash) return { kind: 'same-content', previous, file };
  if (file.format === 'image') {
    try {
      const photo = await photoRun.prepare(file.path, bytes, contentHash);
      const title = path.basename(file.path);
      return { kind: 'prepared', document: { file, contentHash, title, passages: [], length: 0, previousId: previous?.id, photo } };
    } catch (error) {
      const reason = imageSkipReason(error) ?? `cannot read the image: ${(error as Error).message}`;
      return { kind: 'skipped', entry: { path: file.path, reason } };
    }
  }
  try {
    const extracted = await extractText(file.format, bytes);
    const { passages, length } = preparePassages(extracted.text);
    const title = extracted.title || path.basename(file.path);
    return { kind: 'prepared', document: { file, contentHash, title, passages, length, previousId: previous?.id } };
  } catch (error) {
    const reason = error instanceof ExtractionRefused ? error.reason : `cannot extract text: ${(error as Error).message}`;
    return { kind: 'skipped', entry: { path: file.path, reason } };
  }
}

/** Runs `work` over items with at most `limit` in flight, keeping the input order in the output. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
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
    return this.db
      .transaction(() => this.collections.insert(resolved, path.basename(resolved) || resolved, new Date().toISOString()))
      .immediate();
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
      this.deleteCollection(id);
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

  private async runIndex(id: number, options: IndexOptions): Promise<IndexReport> {
    const started = performance.now();
    const collection = this.collections.findById(id);
    if (!collection) throw notFound(`No collection with id ${id}.`, { id });
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const scan = await scanFolder(collection.path, { maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
    const plan = planChanges(scan.files, this.documents.fingerprints(id));
    const skipped: SkippedEntry[] = [...scan.skipped];
    const report = { added: 0, updated: 0, removed: 0, unchanged: plan.unchanged };
    const photoRun = await this.photoIndexing.beginRun(
      id,
      plan.removed.map((previous) => previous.id),
      options.imageLimits ?? DEFAULT_IMAGE_LIMITS,
    );
    const photos = photoRun.report;
    photos.unchanged = countImages(scan.files) - countImages([...plan.added, ...plan.maybeChanged.map((change) => change.file)]);
    photos.removed = plan.removed.filter((previous) => hasImageExtension(previous.path)).length;

    const work: Array<{ file: ScannedFile; previous?: DocumentFingerprint }> = [
      ...plan.added.map((file) => ({ file })),
      ...plan.maybeChanged.map(({ file, previous }) => ({ file, previous })),
    ];
    const total = work.length + plan.removed.length;
    let processed = 0;
    const progress = () => this.onProgress({ collectionId: id, path: collection.path, processed, total });
    progress();

    for (let start = 0; start < plan.removed.length; start += batchSize) {
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

    for (let start = 0; start < work.length; start += batchSize) {
      const outcomes = await mapWithConcurrency(work.slice(start, start + batchSize), READ_CONCURRENCY, ({ file, previous }) =>
        readAndExtract(file, previous, photoRun),
      );
      await photoRun.embedBatch(
        outcomes.flatMap((outcome) =>
          outcome.kind === 'prepared' && outcome.document.photo
            ? [{ contentHash: outcome.document.contentHash, photo: outcome.document.photo }]
            : [],
        ),
      );
      const indexedAt = new Date().toISOString();
      this.commitRun(id, () => {
        const writer = new TextIndexWriter(this.db);
        for (const outcome of outcomes) {
          if (outcome.kind === 'skipped') {
            skipped.push(outcome.entry);
            if (hasImageExtension(outcome.entry.path)) photos.skipped++;
            continue;
          }
          if (outcome.kind === 'same-content') {
            this.documents.touch(outcome.previous.id, outcome.file.size, outcome.file.mtimeMs);
            report.unchanged++;
            if (outcome.file.format === 'image') photos.unchanged++;
            continue;
          }
          const { document } = outcome;
          // Whatever row holds this path now (the one we read, or one another process wrote meanwhile) is replaced.
          const current = this.documents.idOfPath(document.file.path);
          if (current !== undefined) {
            writer.removeDocumentText(current);
            this.documents.delete(current);
          }
          const documentId = this.documents.insert({
            collectionId: id,
            path: document.file.path,
            kind: document.photo ? 'image' : 'text',
            format: document.photo ? document.photo.metadata.format : document.file.format,
            size: document.file.size,
            mtimeMs: document.file.mtimeMs,
            contentHash: document.contentHash,
            title: document.title,
            length: document.length,
            indexedAt,
          });
          writer.addPassages(documentId, document.passages);
          if (document.photo) photoRun.store(documentId, document.contentHash, document.photo, indexedAt);
          if (document.previousId !== undefined) report.updated++;
          else report.added++;
          if (document.photo && document.previousId !== undefined) photos.updated++;
          else if (document.photo) photos.added++;
        }
        writer.flush();
      });
      processed += outcomes.length;
      progress();
    }

    // Photos indexed before a model was installed, or under another one, get their vectors now.
    await photoRun.embedMissing((work) => this.commitRun(id, work));

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
      skipped,
      elapsedMs: Math.round(performance.now() - started),
      photos: photoRun.finish(),
    };
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

function countImages(files: readonly ScannedFile[]): number {
  return files.reduce((count, file) => count + (file.format === 'image' ? 1 : 0), 0);
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
