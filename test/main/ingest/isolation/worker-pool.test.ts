// The extraction worker pool on real worker threads (the compiled worker entry, so `npm run build`
// first): results come back as structured data, and a job over its heap cap, over its time budget or
// cancelled fails with a reason naming the limit while its worker is replaced and the next job runs.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_EXTRACTION_LIMITS } from '../../../../main/ingest/extractors/index.js';
import { JobFailed } from '../../../../main/ingest/isolation/job-protocol.js';
import type { TextExtractionResult } from '../../../../main/ingest/isolation/jobs/text-extraction-job.js';
import { describeDuration, resolveWorkerLimits } from '../../../../main/ingest/isolation/limits.js';
import { WorkerPool } from '../../../../main/ingest/isolation/worker-pool.js';
import { expandPassages } from '../../../../main/ingest/passages.js';

const pools: WorkerPool[] = [];
afterEach(async () => {
  while (pools.length > 0) await pools.pop()!.close();
});

function pool(options: ConstructorParameters<typeof WorkerPool>[0]): WorkerPool {
  const created = new WorkerPool(options);
  pools.push(created);
  return created;
}

/** About 16 MB of text in one paragraph of 3 million words: a lot of heap once split and tokenised. */
function largeText(): Uint8Array {
  const words: string[] = [];
  for (let index = 0; index < 3_000_000; index++) words.push(`w${(index % 100_000).toString(36)}`);
  return new TextEncoder().encode(words.join(' '));
}

const textJob = (bytes: Uint8Array) => ({ format: 'text', bytes, limits: DEFAULT_EXTRACTION_LIMITS });

async function failureOf(promise: Promise<unknown>): Promise<JobFailed> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JobFailed);
  return error as JobFailed;
}

describe('WorkerPool', () => {
  it('extracts text in a worker and moves the transferred bytes out of the caller', async () => {
    const workers = pool({ size: 2 });
    const bytes = new TextEncoder().encode('Quince season\n\nQuinces ripen late in autumn.');
    const result = await workers.run<TextExtractionResult>('text', textJob(bytes), { transfer: [bytes.buffer as ArrayBuffer] });
    expect(bytes.byteLength).toBe(0); // detached: moved, not copied
    expect(result.title).toBe('Quince season');
    const passages = [...expandPassages(result.passages)];
    expect(passages).toHaveLength(1);
    expect(passages[0].termCounts.get('quinc')).toBe(2); // Quince, Quinces
    expect(result.length).toBe(passages[0].length);
    expect(result.textBytes).toBe(Buffer.byteLength(passages[0].text));
    expect(workers.stats).toMatchObject({ workersStarted: 1, jobsCompleted: 1, jobsFailed: 0 });
  });

  it('reports a handler refusal as the reason, and keeps the worker', async () => {
    const workers = pool({ size: 1 });
    const failure = await failureOf(workers.run('text', textJob(new Uint8Array([104, 105, 0, 1])), { label: 'extraction' }));
    expect(failure).toMatchObject({ kind: 'refused', reason: 'binary file' });
    await workers.run('text', textJob(new TextEncoder().encode('fine')));
    expect(workers.stats).toMatchObject({ workersStarted: 1, workersReplaced: 0 });
  });

  it('fails a job that exceeds the heap cap, replaces the worker and runs the next job', async () => {
    const workers = pool({ size: 1, limits: { heapMb: 32 } });
    const failure = await failureOf(workers.run('text', textJob(largeText()), { label: 'extraction' }));
    expect(failure).toMatchObject({ kind: 'out-of-memory', reason: 'extraction ran out of memory (limit 32 MB)' });
    const next = await workers.run<TextExtractionResult>('text', textJob(new TextEncoder().encode('after the bomb')));
    expect(next.title).toBe('after the bomb');
    expect(workers.stats).toMatchObject({ workersStarted: 2, workersReplaced: 1, jobsCompleted: 1, jobsFailed: 1 });
  });

  it('fails a job that overruns its time budget and names the budget', async () => {
    const workers = pool({ size: 1, limits: { timeoutMs: 40 } });
    const failure = await failureOf(workers.run('text', textJob(largeText()), { label: 'extraction' }));
    expect(failure).toMatchObject({ kind: 'timeout', reason: 'extraction took longer than 40 ms' });
    // A per-job budget overrides the pool's.
    const next = await workers.run<TextExtractionResult>('text', textJob(new TextEncoder().encode('on time')), { timeoutMs: 20_000 });
    expect(next.title).toBe('on time');
    expect(workers.stats.workersReplaced).toBe(1);
  });

  it('cancels a running job and a queued one through their signals', async () => {
    const workers = pool({ size: 1 });
    const controller = new AbortController();
    const running = failureOf(workers.run('text', textJob(largeText()), { label: 'extraction', signal: controller.signal }));
    const queued = failureOf(workers.run('text', textJob(largeText()), { label: 'extraction', signal: controller.signal }));
    expect(workers.pending).toBe(2);
    controller.abort();
    expect(await running).toMatchObject({ kind: 'cancelled', reason: 'extraction cancelled' });
    expect(await queued).toMatchObject({ kind: 'cancelled' });
    expect(workers.pending).toBe(0);
  });

  it('leaves no abort listener on a shared signal once its jobs have settled', async () => {
    // One signal serves a whole indexing run; a listener left per job would keep every finished job alive.
    const workers = pool({ size: 2 });
    const controller = new AbortController();
    const jobs = Array.from({ length: 40 }, (_, index) =>
      workers.run('text', textJob(new TextEncoder().encode(`note ${index}`)), { signal: controller.signal }),
    );
    expect(getEventListeners(controller.signal, 'abort').length).toBeGreaterThan(0);
    await Promise.all(jobs);
    await failureOf(workers.run('text', textJob(new Uint8Array([104, 105, 0, 1])), { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('runs no more jobs at once than its size, and refuses an unknown job type', async () => {
    const workers = pool({ size: 2 });
    const jobs = Array.from({ length: 6 }, (_, index) => workers.run('text', textJob(new TextEncoder().encode(`note ${index}`))));
    await Promise.all(jobs);
    expect(workers.stats.workersStarted).toBe(2);
    const failure = await failureOf(workers.run('no-such-type', {}, { label: 'thing' }));
    expect(failure).toMatchObject({ kind: 'error', reason: 'thing failed: no handler for job type "no-such-type"' });
  });
});

describe('worker limits', () => {
  it('take explicit options over environment variables over the defaults', () => {
    const saved = { ...process.env };
    try {
      process.env.MILENS_WORKER_HEAP_MB = '256';
      process.env.MILENS_WORKER_TIMEOUT_S = '5';
      expect(resolveWorkerLimits()).toEqual({ heapMb: 256, youngMb: 32, stackMb: 4, timeoutMs: 5000 });
      expect(resolveWorkerLimits({ heapMb: 64 }).heapMb).toBe(64);
      process.env.MILENS_WORKER_HEAP_MB = 'lots';
      expect(resolveWorkerLimits().heapMb).toBe(512);
    } finally {
      process.env = saved;
    }
    expect(describeDuration(30_000)).toBe('30 s');
    expect(describeDuration(1500)).toBe('1.5 s');
  });
});
