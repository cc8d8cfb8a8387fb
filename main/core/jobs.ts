// Long jobs in flight: one AbortController per caller-chosen job id, and throttled progress events.
// A call that accepts `jobId` (contract.ts, JobOptions) starts a Job here, passes `job.signal` down to
// the work (native kernels check it between chunks; loops check `job.throwIfCancelled()`), reports its
// steps with `job.progress(...)`, and ends with `job.finish()` whatever happened. `cancelJob(id)` aborts
// the signal; the work then rejects with a CANCELLED error.
import { setMaxListeners } from 'node:events';
import type { CancelJobResult, JobKind, JobProgressEvent } from '../api/contract.js';
import { MilensError, invalidArgument } from '../api/errors.js';

/** Progress events at most this often per job (the last one of a job is always sent). */
const PROGRESS_INTERVAL_MS = 100;

export type ProgressSink = (event: JobProgressEvent) => void;

export interface JobProgress {
  done: number;
  total: number | null;
  message?: string;
  /** The unit of this update when it is not the job's own (a table load counts "bytes" before its steps). */
  unit?: string;
}

export class Job {
  private readonly controller = new AbortController();
  private readonly startedAt = performance.now();
  private lastSentAt = -Infinity;
  private last: JobProgress = { done: 0, total: null };
  private ended = false;

  constructor(
    readonly id: string,
    readonly kind: JobKind,
    readonly unit: string,
    private readonly sink: ProgressSink,
    private readonly onEnd: (job: Job) => void,
  ) {
    // One job's signal is watched by every file or task in flight at once (read-ahead, worker pools,
    // kernels); each listener is removed when its task settles, so many at once is not a leak.
    setMaxListeners(256, this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborts the signal with the job's CANCELLED error as its reason (what the work below throws). */
  cancel(): void {
    this.controller.abort(cancelledError(this.id, this.kind));
  }

  /** Throws the CANCELLED error when the job was cancelled: call between steps. */
  throwIfCancelled(): void {
    if (this.cancelled) throw cancelledError(this.id, this.kind);
  }

  /** Records progress; sends an event unless one went out less than PROGRESS_INTERVAL_MS ago. */
  progress(update: JobProgress): void {
    this.last = update;
    const now = performance.now();
    if (now - this.lastSentAt < PROGRESS_INTERVAL_MS) return;
    this.lastSentAt = now;
    this.sink(this.event(now, false));
  }

  /** Sends the last event and forgets the job; safe to call more than once. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink(this.event(performance.now(), true));
    this.onEnd(this);
  }

  private event(now: number, finished: boolean): JobProgressEvent {
    const elapsedMs = Math.round(now - this.startedAt);
    const { done, total, message, unit = this.unit } = this.last;
    // Time left from the average rate so far; unknown until a step is done and the total is known.
    const etaMs = total !== null && done > 0 && !finished ? Math.max(0, Math.round((elapsedMs / done) * (total - done))) : null;
    const event: JobProgressEvent = { jobId: this.id, kind: this.kind, done, total, unit, elapsedMs, etaMs };
    if (message !== undefined) event.message = message;
    if (finished) event.finished = true;
    return event;
  }
}

export function cancelledError(jobId: string, kind: JobKind): MilensError {
  return new MilensError('CANCELLED', `The ${kind} job ${jobId} was cancelled.`, { jobId });
}

export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  private anonymous = 0;

  constructor(private readonly sink: ProgressSink) {}

  /** Starts a job; a call without a jobId still gets one (so its work can use the same code path). */
  start(jobId: string | undefined, kind: JobKind, unit: string): Job {
    if (jobId !== undefined && (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 200))
      throw invalidArgument(`Expected jobId to be a non-empty string of at most 200 characters.`, { jobId });
    if (jobId !== undefined && this.jobs.has(jobId))
      throw invalidArgument(`A job with id ${JSON.stringify(jobId)} is already running.`, { jobId });
    const id = jobId ?? `anonymous-${++this.anonymous}`;
    const job = new Job(id, kind, unit, jobId === undefined ? () => {} : this.sink, (ended) => {
      if (this.jobs.get(ended.id) === ended) this.jobs.delete(ended.id);
    });
    this.jobs.set(id, job);
    return job;
  }

  /** Runs `work` as a job, finishing it however the work ends. */
  async run<T>(jobId: string | undefined, kind: JobKind, unit: string, work: (job: Job) => Promise<T>): Promise<T> {
    const job = this.start(jobId, kind, unit);
    try {
      const result = await work(job);
      job.throwIfCancelled();
      return result;
    } finally {
      job.finish();
    }
  }

  cancel(jobId: string): CancelJobResult {
    if (typeof jobId !== 'string' || jobId.length === 0) throw invalidArgument('Expected a jobId string.', { jobId });
    const job = this.jobs.get(jobId);
    if (!job) return { cancelled: false };
    job.cancel();
    return { cancelled: true };
  }

  get inFlight(): number {
    return this.jobs.size;
  }
}
