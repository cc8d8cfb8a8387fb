// The messages between the worker pool (main thread) and a worker (worker-entry.ts), and the error a
// job ends with. Everything that crosses is plain structured-clone data; ArrayBuffers are transferred.

/** Sent to a worker: run the handler registered for `type` on `payload`. */
export interface JobRequest {
  id: number;
  type: string;
  payload: unknown;
}

/** A handler's expected refusal ("binary file", "PDF has 20000 pages (limit 5000)"), kept as the skip reason. */
export interface JobRefusal {
  refused: true;
  reason: string;
}

/**
 * Sent back by a worker: `started` once the handler is loaded and runs (the time budget counts from
 * there, not from the worker's start-up), then the handler's result, its refusal, or its error message.
 */
export type JobReply =
  | { id: number; started: true }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; refused: boolean; message: string; name: string };

/** Why a job did not produce a result. */
export type JobFailureKind = 'refused' | 'error' | 'out-of-memory' | 'timeout' | 'crashed' | 'cancelled';

/**
 * A job that ended without a result. `reason` is written for the person reading a skip list:
 * "extraction ran out of memory (limit 512 MB)", "extraction took longer than 30 s", or the
 * handler's own refusal ("binary file").
 */
export class JobFailed extends Error {
  constructor(
    readonly kind: JobFailureKind,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'JobFailed';
  }
}

/** What a handler receives besides its payload. */
export interface JobContext {
  /** Marks buffers of the result to be moved (not copied) to the main thread. */
  transfer(buffer: ArrayBuffer): void;
}

/** A job type's implementation, run inside a worker. Throw `new JobRefusedError(reason)` to refuse. */
export type JobHandler = (payload: never, context: JobContext) => unknown;

/** Thrown by a handler for an expected refusal: the reason is reported as is. */
export class JobRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'JobRefusedError';
  }
}
