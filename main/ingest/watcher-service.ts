// Keeps collections up to date while the app runs: chokidar watches every collection folder, and any
// change (file added, changed or removed) schedules a re-index of that collection after a quiet period.
// Re-indexing is the normal incremental run (size/mtime, then content hash), so a burst of events costs
// one cheap scan, and the IndexingService serialises runs of the same collection.
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { IndexReport } from '../api/contract.js';
import type { IndexingService } from './indexing-service.js';

export interface WatcherOptions {
  /** Quiet period after the last change before re-indexing, in milliseconds. */
  debounceMs?: number;
  onIndexed?: (report: IndexReport) => void;
  onError?: (error: unknown, collectionId: number) => void;
}

export class WatcherService {
  private readonly watchers = new Map<number, FSWatcher>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly debounceMs: number;
  private stopped = false;

  constructor(
    private readonly indexing: IndexingService,
    private readonly options: WatcherOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 1000;
  }

  /** Watches every collection and brings each up to date once (changes made while the app was closed). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.refresh();
    for (const collection of this.indexing.listCollections()) this.schedule(collection.id, 0);
  }

  /** Starts watching new collections and stops watching removed ones (call after add/remove). */
  async refresh(): Promise<void> {
    const current = new Map(this.indexing.listCollections().map((collection) => [collection.id, collection.path]));
    for (const [id, watcher] of this.watchers) {
      if (current.has(id)) continue;
      this.watchers.delete(id);
      clearTimeout(this.timers.get(id));
      this.timers.delete(id);
      await watcher.close();
    }
    const ready: Array<Promise<void>> = [];
    for (const [id, folder] of current) {
      if (this.watchers.has(id) || this.stopped) continue;
      const watcher = watch(folder, {
        ignoreInitial: true,
        // Hidden files and folders are never indexed, so their churn (.git, editors' swap files) is ignored.
        ignored: (file) =>
          path
            .relative(folder, file)
            .split(path.sep)
            .some((part) => part.startsWith('.')),
        awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
        // Links are not followed: the scan follows only those that lead inside the folder, which is
        // watched anyway, and following them here would watch /etc through a link, or 32,767 paths
        // through a 14-level fan-out of links.
        followSymlinks: false,
      });
      watcher.on('all', () => this.schedule(id, this.debounceMs));
      watcher.on('error', (error) => this.options.onError?.(error, id));
      ready.push(new Promise((resolve) => watcher.once('ready', () => resolve())));
      this.watchers.set(id, watcher);
    }
    await Promise.all(ready);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const closing = [...this.watchers.values()].map((watcher) => watcher.close());
    this.watchers.clear();
    await Promise.all(closing);
  }

  private schedule(collectionId: number, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(collectionId));
    this.timers.set(
      collectionId,
      setTimeout(() => {
        this.timers.delete(collectionId);
        this.indexing.indexCollection(collectionId).then(
          (report) => this.options.onIndexed?.(report),
          (error: unknown) => this.options.onError?.(error, collectionId),
        );
      }, delayMs),
    );
  }
}
