// State of the Collections view: the folders in the library; adding one (typed, dropped, or chosen in the
// desktop app's folder dialog) and indexing it with live progress and cancel (a job: `jobProgress` events,
// `cancelJob`); the files each run skipped, with their reasons; removal that waits a few seconds so it can
// be undone; background re-indexing by the folder watcher. One status line, each message replacing the last.
import type { Collection, IndexFinishedEvent, IndexProgressEvent, IndexReport } from '../../../main/api/contract.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';
import type { MilensClient } from '../lib/api-client.js';
import { newJobId } from '../lib/job-id.js';

/** How long a removal can be undone before it is carried out. */
export const UNDO_WINDOW_MS = 8_000;

export type Status = { tone: 'info' | 'success' | 'error'; text: string; error?: ApiCallError } | null;

export interface IndexRun {
  jobId: string;
  cancelling: boolean;
}

export interface PendingRemoval {
  collection: Collection;
  timer: ReturnType<typeof setTimeout>;
}

export class CollectionsState {
  collections = $state<Collection[]>([]);
  loaded = $state(false);
  folderToAdd = $state('');
  adding = $state(false);
  status = $state<Status>(null);

  /** Runs asked for here, by collection id. */
  runs = $state<Record<number, IndexRun>>({});
  /** The latest report of each collection indexed here (its skipped files). */
  reports = $state<Record<number, IndexReport>>({});
  /** Background re-indexing by the folder watcher, with its latest progress. */
  background = $state<Record<number, IndexProgressEvent>>({});
  pendingRemoval = $state<PendingRemoval | null>(null);

  /** The list as shown: a collection waiting for its removal is already out of it. */
  readonly shown = $derived(this.collections.filter((collection) => collection.id !== this.pendingRemoval?.collection.id));
  readonly missingFolders = $derived(this.shown.filter((collection) => collection.folderMissing === true).length);

  private readonly client: MilensClient;

  constructor(client: MilensClient) {
    this.client = client;
  }

  listen(): () => void {
    const stopProgress = this.client.on('indexProgress', (event) => {
      if (event.collectionId in this.runs) return;
      // A background run with nothing to do reports 0 of 0 and ends at once: not worth a flicker.
      if (event.total !== 0) this.background[event.collectionId] = event;
    });
    const stopFinished = this.client.on('indexFinished', (event: IndexFinishedEvent) => {
      delete this.background[event.collectionId];
      if (event.trigger === 'call' && event.collectionId in this.runs) return;
      if (event.trigger === 'watch') {
        if (!event.ok)
          this.status = {
            tone: 'error',
            text: `Updating ${this.nameOf(event.collectionId)} in the background failed: ${event.error.message}`,
          };
        else if (event.added + event.updated + event.removed > 0)
          this.status = {
            tone: 'info',
            text: `Updated ${this.nameOf(event.collectionId)} in the background: ${event.added} added, ${event.updated} updated, ${event.removed} removed.`,
          };
      }
      void this.load();
    });
    return () => {
      stopProgress();
      stopFinished();
    };
  }

  nameOf(id: number): string {
    return this.collections.find((collection) => collection.id === id)?.name ?? `collection ${id}`;
  }

  async load(): Promise<void> {
    try {
      this.collections = await this.client.api.listCollections();
      this.loaded = true;
    } catch (error) {
      this.status = { tone: 'error', text: 'The collections could not be listed.', error: asApiCallError('listCollections', error) };
    }
  }

  /** Adds the typed (or dropped, or chosen) folder and indexes it. The core refuses a relative path, with the reason. */
  async add(folder = this.folderToAdd): Promise<void> {
    const text = folder.trim();
    if (!text || this.adding) return;
    this.adding = true;
    this.status = { tone: 'info', text: `Adding ${text}…` };
    try {
      const collection = await this.client.api.addCollection(text);
      this.folderToAdd = '';
      this.adding = false;
      await this.load();
      await this.index(collection);
    } catch (error) {
      this.status = { tone: 'error', text: `The folder was not added.`, error: asApiCallError('addCollection', error) };
    } finally {
      this.adding = false;
    }
  }

  async index(collection: Collection): Promise<void> {
    if (collection.id in this.runs) return;
    const jobId = newJobId('index');
    this.runs[collection.id] = { jobId, cancelling: false };
    this.status = { tone: 'info', text: `Indexing ${collection.name}…` };
    try {
      const report = await this.client.api.indexCollection(collection.path, { jobId });
      this.reports[collection.id] = report;
      const skipped = report.skipped.length;
      this.status = {
        tone: 'success',
        text:
          `Indexed ${report.collection.name} in ${(report.elapsedMs / 1000).toFixed(1)} s: ${report.added} added, ${report.updated} updated, ` +
          `${report.removed} removed, ${report.unchanged} unchanged${skipped > 0 ? `, ${skipped} skipped (listed below)` : ''}.`,
      };
    } catch (error) {
      const failure = asApiCallError('indexCollection', error);
      this.status =
        failure.code === 'CANCELLED'
          ? { tone: 'info', text: `Indexing ${collection.name} was cancelled. What was indexed so far is kept; Index again to finish.` }
          : { tone: 'error', text: `Indexing ${collection.name} failed.`, error: failure };
    } finally {
      delete this.runs[collection.id];
      await this.load();
    }
  }

  async cancel(collection: Collection): Promise<void> {
    const run = this.runs[collection.id];
    if (!run || run.cancelling) return;
    run.cancelling = true;
    this.status = { tone: 'info', text: `Cancelling the indexing of ${collection.name}…` };
    await this.client.api.cancelJob(run.jobId).catch(() => undefined);
  }

  /** Hides the collection at once and removes it after UNDO_WINDOW_MS unless undone. */
  remove(collection: Collection): void {
    if (this.pendingRemoval) void this.commitRemoval();
    const timer = setTimeout(() => void this.commitRemoval(), UNDO_WINDOW_MS);
    this.pendingRemoval = { collection, timer };
    this.status = null;
  }

  undoRemoval(): void {
    const pending = this.pendingRemoval;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingRemoval = null;
    this.status = { tone: 'info', text: `${pending.collection.name} was kept.` };
  }

  async commitRemoval(): Promise<void> {
    const pending = this.pendingRemoval;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingRemoval = null;
    try {
      await this.client.api.removeCollection(pending.collection.id);
      delete this.reports[pending.collection.id];
      this.status = { tone: 'success', text: `Removed ${pending.collection.name} from milens. The folder and its files are untouched.` };
    } catch (error) {
      this.status = {
        tone: 'error',
        text: `${pending.collection.name} could not be removed.`,
        error: asApiCallError('removeCollection', error),
      };
    }
    await this.load();
  }
}
