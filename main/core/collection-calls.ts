// Collection calls: folders of documents, indexing and search.
import type { IndexReport, IndexTrigger, MilensApi } from '../api/contract.js';
import { invalidType, MilensError, requireInteger, serializeError } from '../api/errors.js';
import { IndexingService, type IndexOptions } from '../ingest/indexing-service.js';
import type { ImageEmbedderSource } from '../ingest/images/image-embedder.js';
import { ThumbnailServer } from '../ingest/images/thumbnail-routes.js';
import { thumbnailFolderFor } from '../ingest/images/thumbnail-cache.js';
import { WatcherService, type WatcherOptions } from '../ingest/watcher-service.js';
import type { CoreContext } from './context.js';
import { normaliseFolderInput } from './folder-path.js';
import { attachItemIds } from './item-files.js';
import type { Job } from './jobs.js';
import { existsSync } from 'node:fs';

type CollectionCalls = Pick<MilensApi, 'listCollections' | 'addCollection' | 'removeCollection' | 'indexCollection' | 'search'>;

/**
 * The context's indexing service: every run, whoever starts it (an indexCollection call or the folder
 * watcher), ends with an `indexFinished` event, and the runs in flight are known so that a shell can let
 * them finish before closing the database.
 */
/** The installed model's embedder, its code (and onnxruntime) loaded with the first indexing run. */
function lazyEmbedderSource(modelsFolder: string): ImageEmbedderSource {
  let source: ImageEmbedderSource | undefined;
  return async () => {
    source ??= (await import('../ingest/images/model-in-force.js')).installedEmbedderSource(modelsFolder);
    return source();
  };
}

class ContextIndexingService extends IndexingService {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The job of each run asked for with a jobId, by collection id: its progress, and where it is cancelled. */
  private readonly jobs = new Map<number, Job>();

  constructor(private readonly context: CoreContext) {
    super(
      context.database(),
      (event) => {
        context.emit('indexProgress', event);
        const job = this.jobs.get(event.collectionId);
        if (!job) return;
        job.progress({ done: event.processed, total: event.total, message: event.path });
      },
      {
        thumbnailFolder: thumbnailFolderFor(context.databasePath),
        embedderSource: lazyEmbedderSource(context.modelsFolder),
      },
    );
  }

  /** Every run not started by the API's indexCollection: the folder watcher's, in the background. */
  override indexCollection(id: number, options?: IndexOptions): Promise<IndexReport> {
    return this.track(
      id,
      'watch',
      this.whileFolderPresent(id, () => super.indexCollection(id, options)),
    );
  }

  /**
   * A folder that has gone (unmounted disk, moved, deleted) would scan as empty and its whole index would
   * be removed: refuse the run instead, so the collection is flagged (folderMissing) and kept as it was.
   */
  private async whileFolderPresent(id: number, run: () => Promise<IndexReport>): Promise<IndexReport> {
    const collection = this.listCollections().find((candidate) => candidate.id === id);
    if (collection && !existsSync(collection.path))
      throw new MilensError('NOT_FOUND', `The folder ${collection.path} is not there any more; its index is kept as it was.`, {
        path: collection.path,
      });
    return run();
  }

  /** A run asked for through the API (indexCollection). */
  indexOnRequest(id: number, jobId?: string): Promise<IndexReport> {
    return this.context.jobs.run(jobId, 'index', 'files', async (job) => {
      this.jobs.set(id, job);
      try {
        return await this.track(
          id,
          'call',
          // The job's signal stops the run between files and batches (and the pool's jobs in flight);
          // what was committed is kept, and the next run picks up the rest.
          this.whileFolderPresent(id, () => super.indexCollection(id, { signal: job.signal })),
        );
      } finally {
        if (this.jobs.get(id) === job) this.jobs.delete(id);
      }
    });
  }

  private track(id: number, trigger: IndexTrigger, run: Promise<IndexReport>): Promise<IndexReport> {
    const settled = run.then(
      (report) =>
        this.context.emit('indexFinished', {
          collectionId: id,
          trigger,
          ok: true,
          path: report.collection.path,
          documentCount: report.collection.documentCount,
          added: report.added,
          updated: report.updated,
          removed: report.removed,
          unchanged: report.unchanged,
          skipped: report.skipped.length,
          elapsedMs: report.elapsedMs,
        }),
      (error: unknown) => this.context.emit('indexFinished', { collectionId: id, trigger, ok: false, error: serializeError(error) }),
    );
    // A listener that throws must not turn into an unhandled rejection here: the run's caller has its result.
    const tracked = settled.catch(() => undefined);
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
    return run;
  }

  /** Resolves once every run in flight now has ended, or after `timeoutMs`, whichever comes first. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.inFlight), timeout]);
    clearTimeout(timer);
  }
}

/** The indexing service of a context, created once so concurrent runs of one collection are serialised. */
const indexingServices = new WeakMap<CoreContext, ContextIndexingService>();

export function indexingServiceOf(context: CoreContext): IndexingService {
  return contextIndexingService(context);
}

function contextIndexingService(context: CoreContext): ContextIndexingService {
  let service = indexingServices.get(context);
  if (!service) {
    service = new ContextIndexingService(context);
    indexingServices.set(context, service);
  }
  return service;
}

const thumbnailServers = new WeakMap<CoreContext, ThumbnailServer>();

/** For the shells' thumbnail routes (serve shell, app://): thumbnails of indexed photos by item id. */
export function thumbnailServerOf(context: CoreContext): ThumbnailServer {
  let server = thumbnailServers.get(context);
  if (!server) {
    server = new ThumbnailServer(context.database(), thumbnailFolderFor(context.databasePath));
    thumbnailServers.set(context, server);
  }
  return server;
}

const watchers = new WeakMap<CoreContext, WatcherService>();

/**
 * For the app shell: watches every collection folder and re-indexes in the background; collections
 * added or removed through the API afterwards are picked up automatically. Stop it before closing the core.
 */
export async function startCollectionWatcher(context: CoreContext, options: WatcherOptions = {}): Promise<WatcherService> {
  const existing = watchers.get(context);
  if (existing) return existing;
  const watcher = new WatcherService(indexingServiceOf(context), options);
  watchers.set(context, watcher);
  await watcher.start();
  return watcher;
}

/** Whether a collection watcher runs for this context (started and not stopped). */
export function collectionWatcherRunning(context: CoreContext): boolean {
  return watchers.has(context);
}

export interface StopWatcherOptions {
  /**
   * How long to wait for indexing runs in flight (background or called) to finish, in milliseconds; default
   * 5000. A run still going afterwards fails at its next batch once the database is closed, which is safe:
   * every batch is its own transaction and the next run picks up what is missing.
   */
  graceMs?: number;
}

/** Stops watching and lets runs in flight finish (within the grace period); call before closing the core. */
export async function stopCollectionWatcher(context: CoreContext, options: StopWatcherOptions = {}): Promise<void> {
  const watcher = watchers.get(context);
  watchers.delete(context);
  await watcher?.stop();
  await indexingServices.get(context)?.settle(options.graceMs ?? 5000);
}

/**
 * After a model was installed: while the app watches its collections, re-index each in the background,
 * which gives their photos vectors of the model now in force (the embedding pass of every run).
 */
export function embedPhotosInBackground(context: CoreContext): void {
  if (!watchers.has(context)) return;
  const service = indexingServiceOf(context);
  for (const collection of service.listCollections()) void service.indexCollection(collection.id).catch(() => undefined);
}

async function refreshWatcher(context: CoreContext): Promise<void> {
  await watchers.get(context)?.refresh();
}

export function collectionCalls(context: CoreContext): CollectionCalls {
  return {
    listCollections: async () =>
      indexingServiceOf(context)
        .listCollections()
        .map((collection) => (existsSync(collection.path) ? collection : { ...collection, folderMissing: true })),
    addCollection: async (folder) => {
      const collection = await indexingServiceOf(context).addCollection(normaliseFolderInput(folder));
      await refreshWatcher(context);
      return collection;
    },
    removeCollection: async (id) => {
      await indexingServiceOf(context).removeCollection(requireInteger('id', id, 1));
      await refreshWatcher(context);
    },
    indexCollection: async (folder, options) => {
      const absolute = normaliseFolderInput(folder);
      if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalidType('options', 'an object', options);
      // indexFolder's two steps, so that the run is marked as asked for in its indexFinished event.
      const service = contextIndexingService(context);
      const collection = await service.addCollection(absolute);
      const report = await service.indexOnRequest(collection.id, options?.jobId);
      await refreshWatcher(context);
      return report;
    },
    search: async (request) => {
      if (typeof request !== 'object' || request === null) throw invalidType('request', 'an object', request);
      const response = await (await import('../search/unified-search.js')).unifiedSearch(context, request);
      return { ...response, results: attachItemIds(context.database(), response.results) };
    },
  };
}
