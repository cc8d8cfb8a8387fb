// Progress and Ctrl+C for the CLI's long calls (mi, select): the call runs under a job id of the CLI's
// own, its jobProgress events draw a bar on stderr once the run has taken more than a second (only on a
// terminal; elsewhere a plain line every few seconds; never anything on stdout): the table's load in
// bytes read of the file first, then the job's steps. Ctrl+C cancels the job (the call then rejects with
// CANCELLED; a second Ctrl+C exits at once).
import type { JobProgressEvent, MilensApi } from '../api/contract.js';
import type { MilensCore } from '../core/api.js';

/** No bar for runs shorter than this. */
const QUIET_MS = 1000;
/** Between two plain lines when stderr is not a terminal. */
const PLAIN_INTERVAL_MS = 5000;
const BAR_WIDTH = 24;

/** Decimal megabytes, one decimal below 100 MB (a table load's progress). */
function megabytes(bytes: number): string {
  const value = bytes / 1e6;
  return value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

/** One line of progress: a bar on a terminal, words elsewhere (a table load's bytes in megabytes). */
export function progressLine(event: JobProgressEvent, columns: number | undefined, bar: boolean): string {
  const fraction = event.total ? Math.min(1, event.done / event.total) : null;
  const parts: string[] = [];
  if (bar && fraction !== null) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}%`);
  } else if (fraction !== null) parts.push(`${Math.floor(fraction * 100)}%`);
  if (event.unit === 'bytes')
    parts.push(event.total ? `${megabytes(event.done)}/${megabytes(event.total)} MB` : `${megabytes(event.done)} MB`);
  else parts.push(event.total ? `${event.done}/${event.total} ${event.unit}` : `${event.done} ${event.unit}`);
  if (event.etaMs !== null) parts.push(`${(event.etaMs / 1000).toFixed(1)} s left`);
  if (event.message) parts.push(event.message);
  const line = `${event.kind}: ${parts.join(' · ')}`;
  return columns && line.length > columns - 1 ? `${line.slice(0, Math.max(0, columns - 2))}…` : line;
}

/** Runs `call(jobId)` as a job with progress on stderr and Ctrl+C cancelling it. */
export async function withJobProgress<T>(api: MilensApi, core: MilensCore, call: (jobId: string) => Promise<T>): Promise<T> {
  const jobId = `cli-${process.pid}-${Date.now()}`;
  const stderr = process.stderr;
  const terminal = stderr.isTTY === true;
  let drawn = false;
  let lastPlainAt = -Infinity;
  const unsubscribe = core.context.on('jobProgress', (event) => {
    if (event.jobId !== jobId || event.elapsedMs < QUIET_MS) return;
    if (terminal) {
      if (event.finished) return;
      stderr.write(`\r\x1b[2K${progressLine(event, stderr.columns, true)}`);
      drawn = true;
    } else if (!event.finished && event.elapsedMs - lastPlainAt >= PLAIN_INTERVAL_MS) {
      lastPlainAt = event.elapsedMs;
      stderr.write(`${progressLine(event, undefined, false)}\n`);
    }
  });
  let interrupted = false;
  const onInterrupt = (): void => {
    if (interrupted) process.exit(130); // a second Ctrl+C: do not wait for the work to notice
    interrupted = true;
    stderr.write(`${drawn ? '\n' : ''}cancelling (Ctrl+C again to quit at once)…\n`);
    drawn = false;
    void api.cancelJob(jobId);
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await call(jobId);
  } finally {
    process.off('SIGINT', onInterrupt);
    unsubscribe();
    if (drawn) stderr.write('\r\x1b[2K');
  }
}
