// A bounded pool of worker threads that runs jobs (text extraction now, image decoding later) away from
// the main thread, each worker under V8 resource limits (heap, nursery, stack) and each job under a time
// budget. A job that runs out of memory, overruns its budget, crashes its worker or is cancelled fails
// with a JobFailed whose reason names the limit; its worker is terminated and a fresh one is started for
// the next job, so one hostile file costs one worker, never the process. Workers are started on demand,
// do not keep the process alive while idle (unref), and are stopped after an idle period to give back
// their heap. How to add a job type: see the header of worker-entry.ts.
import { Worker } from 'node:worker_threads';
import { JobFailed, type JobFailureKind, type JobReply, type JobRequest } from './job-protocol.js';
import { defaultPoolSize, describeDuration, resolveWorkerLimits, type WorkerLimits } from './limits.js';
import { workerEntryPath } from './worker-location.js';

/** How long a worker may take to start and load a job's handler before it counts as crashed. */
const STARTUP_GUARD_MS = 60_000;

export interface WorkerPoolOptions {
  /** Workers at most (default: cores - 1, from 1 to 4; MILENS_WORKERS). */
  size?: number;
  limits?: Partial<WorkerLimits>;
  /** A worker idle this long is stopped (default 10 s). */
  idleMs?: number;
}

export interface JobOptions {
  /** What the job does, for failure reasons: "extraction" → "extraction took longer than 30 s". */
  label?: string;
  /** This job's time budget in milliseconds (default: the pool's limit). */
  timeoutMs?: number;
  /** Buffers of the payload to move to the worker instead of copying (they are detached here). */
  transfer?: ArrayBuffer[];
  signal?: AbortSignal;
}

interface PendingJob {
  request: JobRequest;
  options: JobOptions;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job?: PendingJob;
  timer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
  abortListener?: () => void;
  /** The last 'error' event (out of memory, an uncaught error), read when the worker exits. */
  lastError?: Error & { code?: string };
  retired: boolean;
}

export interface WorkerPoolStats {
  /** Workers started since the pool was created (a replaced worker counts again). */
  workersStarted: number;
  /** Workers stopped because their job failed (memory, time, crash, cancel). */
  workersReplaced: number;
  jobsCompleted: number;
  jobsFailed: number;
}

export class WorkerPool {
  readonly size: number;
  readonly limits: WorkerLimits;
  private readonly idleMs: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: PendingJob[] = [];
  private nextId = 1;
  private closed = false;
  readonly stats: WorkerPoolStats = { workersStarted: 0, workersReplaced: 0, jobsCompleted: 0, jobsFailed: 0 };

  constructor(options: WorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
    this.limits = resolveWorkerLimits(options.limits);
    this.idleMs = options.idleMs ?? 10_000;
  }

  /** Runs a job of a registered type; resolves with the handler's result or rejects with a JobFailed. */
  run<T>(type: string, payload: unknown, options: JobOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new JobFailed('cancelled', `${options.label ?? type} stopped: the worker pool is closed`));
    if (options.signal?.aborted) return Promise.reject(this.cancelledFailure(options));
    return new Promise<T>((resolve, reject) => {
      // A job cancelled while it waits leaves the queue; one that runs is stopped with its worker. The
      // listener goes when the job settles: one signal serves a whole indexing run of thousands of files.
      const onAbortWhileQueued = () => {
        const index = this.queue.indexOf(job);
        if (index >= 0) {
          this.queue.splice(index, 1);
          this.stats.jobsFailed++;
          reject(this.cancelledFailure(options));
        }
      };
      const settled = () => options.signal?.removeEventListener('abort', onAbortWhileQueued);
      const job: PendingJob = {
        request: { id: this.nextId++, type, payload },
        options,
        resolve: (value: unknown) => {
          settled();
          resolve(value as T);
        },
        reject: (reason: unknown) => {
          settled();
          reject(reason);
        },
      };
      this.queue.push(job);
      options.signal?.addEventListener('abort', onAbortWhileQueued, { once: true });
      this.dispatch();
    });
  }

  /** Jobs waiting for a worker plus jobs running. */
  get pending(): number {
    let running = 0;
    for (const slot of this.slots) if (slot.job) running++;
    return this.queue.length + running;
  }

  /** Stops every worker; jobs still queued or running fail as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new JobFailed('cancelled', `${job.options.label ?? job.request.type} stopped: the worker pool is closed`));
    const stopping: Array<Promise<number>> = [];
    for (const slot of [...this.slots]) {
      if (slot.job) this.fail(slot, 'cancelled', `${this.labelOf(slot.job)} stopped: the worker pool is closed`);
      else this.retire(slot);
      stopping.push(slot.worker.terminate());
    }
    await Promise.allSettled(stopping);
  }

  private labelOf(job: PendingJob): string {
    return job.options.label ?? job.request.type;
  }

  private cancelledFailure(options: JobOptions): JobFailed {
    return new JobFailed('cancelled', `${options.label ?? 'job'} cancelled`);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = [...this.slots].find((candidate) => !candidate.job && !candidate.retired);
      if (!slot) {
        if (this.slots.size >= this.size) return;
        slot = this.startWorker();
      }
      this.assign(slot, this.queue.shift()!);
    }
  }

  private startWorker(): Slot {
    const { heapMb, youngMb, stackMb } = this.limits;
    const worker = new Worker(workerEntryPath(), {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: youngMb, stackSizeMb: stackMb },
      // The worker's console goes to the process's stderr; it has no stdin.
      stdin: false,
      // Not the process's flags: --max-old-space-size would override resourceLimits (nodejs/node#43991)
      // and flags such as --input-type stop a worker from starting.
      execArgv: [],
    });
    this.stats.workersStarted++;
    const slot: Slot = { worker, retired: false };
    worker.on('message', (reply: JobReply) => this.finish(slot, reply));
    worker.on('error', (error: Error & { code?: string }) => (slot.lastError = error));
    worker.on('exit', (exitCode) => this.exited(slot, exitCode));
    this.slots.add(slot);
    return slot;
  }

  private assign(slot: Slot, job: PendingJob): void {
    clearTimeout(slot.idleTimer);
    slot.job = job;
    slot.worker.ref();
    // Until the worker says the handler runs, only a start-up guard applies: starting a thread and
    // loading a parser (pdf.js, sharp) is not the file's time.
    slot.timer = setTimeout(
      () => this.fail(slot, 'crashed', `${this.labelOf(job)} worker did not start within ${describeDuration(STARTUP_GUARD_MS)}`),
      STARTUP_GUARD_MS,
    );
    if (job.options.signal) {
      slot.abortListener = () => this.fail(slot, 'cancelled', `${this.labelOf(job)} cancelled`);
      job.options.signal.addEventListener('abort', slot.abortListener, { once: true });
    }
    try {
      slot.worker.postMessage(job.request, job.options.transfer ?? []);
    } catch (error) {
      // The payload could not be cloned: a bug of the caller, reported on this job only.
      this.release(slot);
      this.stats.jobsFailed++;
      job.reject(new JobFailed('error', `${this.labelOf(job)} failed: ${(error as Error).message}`));
      this.becomeIdle(slot);
    }
  }

  /** Detaches the slot's job (timer, abort listener) and returns it. */
  private release(slot: Slot): PendingJob | undefined {
    const job = slot.job;
    clearTimeout(slot.timer);
    if (job?.options.signal && slot.abortListener) job.options.signal.removeEventListener('abort', slot.abortListener);
    slot.job = undefined;
    slot.timer = undefined;
    slot.abortListener = undefined;
    return job;
  }

  private started(slot: Slot, job: PendingJob): void {
    clearTimeout(slot.timer);
    const timeoutMs = job.options.timeoutMs ?? this.limits.timeoutMs;
    slot.timer = setTimeout(
      () => this.fail(slot, 'timeout', `${this.labelOf(job)} took longer than ${describeDuration(timeoutMs)}`),
      timeoutMs,
    );
  }

  private finish(slot: Slot, reply: JobReply): void {
    if (!slot.job || slot.job.request.id !== reply.id) return;
    if ('started' in reply) return this.started(slot, slot.job);
    const job = this.release(slot)!;
    if (reply.ok) {
      this.stats.jobsCompleted++;
      job.resolve(reply.value);
    } else {
      this.stats.jobsFailed++;
      const kind: JobFailureKind = reply.refused ? 'refused' : 'error';
      job.reject(new JobFailed(kind, reply.refused ? reply.message : `${this.labelOf(job)} failed: ${reply.message}`));
    }
    this.becomeIdle(slot);
    this.dispatch();
  }

  private becomeIdle(slot: Slot): void {
    if (slot.retired) return;
    // An idle worker must not keep a CLI run alive, and gives its heap back after a while.
    slot.worker.unref();
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (!slot.job) {
        this.retire(slot);
        void slot.worker.terminate();
      }
    }, this.idleMs);
    slot.idleTimer.unref();
  }

  /** Ends the slot's job with a failure and replaces its worker. */
  private fail(slot: Slot, kind: JobFailureKind, reason: string): void {
    const job = this.release(slot);
    if (!job) return;
    this.stats.jobsFailed++;
    this.stats.workersReplaced++;
    this.retire(slot);
    void slot.worker.terminate();
    job.reject(new JobFailed(kind, reason));
    this.dispatch();
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
  }

  private exited(slot: Slot, exitCode: number): void {
    const job = slot.job;
    if (job) {
      const error = slot.lastError;
      if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.fail(slot, 'out-of-memory', `${this.labelOf(job)} ran out of memory (limit ${this.limits.heapMb} MB)`);
      } else {
        this.fail(slot, 'crashed', `${this.labelOf(job)} worker crashed (${error ? error.message : `exit code ${exitCode}`})`);
      }
      return;
    }
    this.retire(slot);
    this.dispatch();
  }
}

let shared: WorkerPool | undefined;

/**
 * The process's pool, shared by every kind of ingestion (text now, photos next) so that the number of
 * workers, and so the memory they can take, is bounded for the whole process.
 */
export function extractionPool(): WorkerPool {
  return (shared ??= new WorkerPool());
}

/** Closes the shared pool (tests; a shell that wants its workers gone now rather than after idling). */
export async function closeExtractionPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
