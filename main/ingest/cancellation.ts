// Cancelling an indexing run: the run's AbortSignal (a job's `job.signal`, main/core/jobs.ts) is checked
// between files, batches and model calls, and the worker pool stops the jobs it runs when it fires. The
// error thrown is the signal's reason when that is already a milens error (the job's CANCELLED error,
// naming the job), else a CANCELLED error naming what was stopped.
import { MilensError } from '../api/errors.js';

export function cancelledReason(signal: AbortSignal, what: string): MilensError {
  const reason: unknown = signal.reason;
  if (reason instanceof MilensError) return reason;
  return new MilensError('CANCELLED', `${what} was cancelled.`);
}

/** Throws the cancellation error when the signal fired: call between steps. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelledReason(signal, what);
}
