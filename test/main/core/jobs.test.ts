// The job registry: ids, throttled progress with a time-left estimate, cancel, and the last event.
import { describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../main/api/contract.js';
import { MilensError } from '../../../main/api/errors.js';
import { JobRegistry } from '../../../main/core/jobs.js';

describe('JobRegistry', () => {
  it('sends throttled progress, then one finished event, and forgets the job', async () => {
    const events: JobProgressEvent[] = [];
    const jobs = new JobRegistry((event) => events.push(event));
    const result = await jobs.run('job-1', 'mi', 'features', async (job) => {
      for (let done = 0; done <= 10; done++) job.progress({ done, total: 10 });
      return 42;
    });
    expect(result).toBe(42);
    // Eleven updates within 100 ms: the first is sent, the rest wait for the finished event.
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ jobId: 'job-1', kind: 'mi', done: 0, total: 10, unit: 'features', etaMs: null });
    expect(events[1]).toMatchObject({ done: 10, total: 10, finished: true, etaMs: null });
    expect(jobs.inFlight).toBe(0);
    expect(jobs.cancel('job-1')).toEqual({ cancelled: false });
  });

  it('estimates the time left from the rate so far', async () => {
    const events: JobProgressEvent[] = [];
    const jobs = new JobRegistry((event) => events.push(event));
    const job = jobs.start('job-eta', 'select', 'picks');
    await new Promise((resolve) => setTimeout(resolve, 120));
    job.progress({ done: 1, total: 4 });
    const eta = events.at(-1)!.etaMs!;
    // One step took ≥ 120 ms, so three more take about 3 × that.
    expect(eta).toBeGreaterThanOrEqual(300);
    expect(eta).toBeLessThan(3 * 1000);
    job.finish();
  });

  it('cancels a job in flight: the work sees the signal and the call rejects with CANCELLED', async () => {
    const jobs = new JobRegistry(() => {});
    const running = jobs.run('job-2', 'mi', 'features', async (job) => {
      while (!job.cancelled) await new Promise((resolve) => setTimeout(resolve, 5));
      job.throwIfCancelled();
    });
    expect(jobs.cancel('job-2')).toEqual({ cancelled: true });
    const error = await running.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MilensError);
    expect((error as MilensError).code).toBe('CANCELLED');
    expect(jobs.inFlight).toBe(0);
  });

  it("aborts the signal with the job's CANCELLED error as its reason, for work that only has the signal", async () => {
    const jobs = new JobRegistry(() => {});
    const job = jobs.start('job-3', 'index', 'files');
    const reasons: unknown[] = [];
    job.signal.addEventListener('abort', () => reasons.push(job.signal.reason));
    jobs.cancel('job-3');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(MilensError);
    expect(reasons[0]).toMatchObject({ code: 'CANCELLED', message: 'The index job job-3 was cancelled.', details: { jobId: 'job-3' } });
    job.finish();
  });

  it('refuses a jobId that is already running, and empty ids', () => {
    const jobs = new JobRegistry(() => {});
    const job = jobs.start('same', 'index', 'files');
    expect(() => jobs.start('same', 'index', 'files')).toThrow(/already running/);
    expect(() => jobs.start('', 'index', 'files')).toThrow(/non-empty/);
    job.finish();
    expect(() => jobs.start('same', 'index', 'files').finish()).not.toThrow();
  });

  it('sends no events for a job started without an id', async () => {
    const events: JobProgressEvent[] = [];
    const jobs = new JobRegistry((event) => events.push(event));
    await jobs.run(undefined, 'mi', 'features', async (job) => job.progress({ done: 1, total: 1 }));
    expect(events).toEqual([]);
  });
});
