// The limits every worker job runs under, their defaults, and how to change them. Defaults are sized
// for a laptop: a worker's JavaScript heap is capped so one hostile file cannot take the process's
// memory, and a job that runs past its time budget is stopped (its worker is terminated and replaced).
//
// Overrides, in order of precedence: the options passed to the pool / indexing call, then these
// environment variables, then the defaults below.
//   MILENS_WORKER_HEAP_MB        old-generation heap per worker          (default 512)
//   MILENS_WORKER_YOUNG_MB       young-generation (nursery) per worker   (default 32)
//   MILENS_WORKER_STACK_MB       stack per worker                        (default 4)
//   MILENS_WORKER_TIMEOUT_S      time budget per job (per file), seconds (default 30)
//   MILENS_WORKERS               workers in the pool                     (default: cores - 1, 1 to 4)
import os from 'node:os';

export interface WorkerLimits {
  /** V8 old-generation heap cap per worker, MiB. */
  heapMb: number;
  /** V8 young-generation cap per worker, MiB. */
  youngMb: number;
  /** Stack size per worker, MiB. */
  stackMb: number;
  /** Time budget of one job, milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_WORKER_LIMITS: Readonly<WorkerLimits> = { heapMb: 512, youngMb: 32, stackMb: 4, timeoutMs: 30_000 };

/** Upper bound of the pool size: more workers than this only multiply peak memory. */
export const MAX_POOL_SIZE = 4;

function positiveFromEnvironment(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The limits in force: explicit options over environment variables over the defaults. */
export function resolveWorkerLimits(options: Partial<WorkerLimits> = {}): WorkerLimits {
  const timeoutSeconds = positiveFromEnvironment('MILENS_WORKER_TIMEOUT_S');
  return {
    heapMb: options.heapMb ?? positiveFromEnvironment('MILENS_WORKER_HEAP_MB') ?? DEFAULT_WORKER_LIMITS.heapMb,
    youngMb: options.youngMb ?? positiveFromEnvironment('MILENS_WORKER_YOUNG_MB') ?? DEFAULT_WORKER_LIMITS.youngMb,
    stackMb: options.stackMb ?? positiveFromEnvironment('MILENS_WORKER_STACK_MB') ?? DEFAULT_WORKER_LIMITS.stackMb,
    timeoutMs: options.timeoutMs ?? (timeoutSeconds !== undefined ? timeoutSeconds * 1000 : DEFAULT_WORKER_LIMITS.timeoutMs),
  };
}

/** Workers in the pool: one per core but one (the main thread commits and serves), from 1 to MAX_POOL_SIZE. */
export function defaultPoolSize(): number {
  const configured = positiveFromEnvironment('MILENS_WORKERS');
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(MAX_POOL_SIZE, Math.floor(configured ?? cores - 1)));
}

/** "30 s", "1.5 s", "250 ms": a time budget as a person reads it. */
export function describeDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
