// `estimateMi` and `selectFeatures` as jobs through the real core (createMilensCore, a CSV on disk):
// progress events in order with done ≤ total and one final `finished` event; a cancelled MI run with
// permutations stops, rejects with CANCELLED, leaves no native scratch held (the permutation kernel's
// counter) and the next call works. The CLI side: the progress line's wording and bar.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../main/api/contract.js';
import { progressLine } from '../../../main/cli/job-progress.js';
import { loadAddon } from '../../../main/compute/native.js';
import { createMilensCore, type MilensCore } from '../../../main/core/api.js';
import { SeededRandom } from '../../../main/mi/random.js';

let folder: string;
let core: MilensCore;
let csv: string;

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'milens-mi-jobs-'));
  core = createMilensCore({ databasePath: path.join(folder, 'milens.sqlite') });
  const random = new SeededRandom(3);
  const lines = ['y,a,b,c,d'];
  for (let i = 0; i < 20_000; i++) {
    const a = random.nextNormal();
    const row = [a + random.nextNormal(), a, random.nextNormal(), random.nextNormal(), Number(random.nextNormal().toPrecision(2))];
    lines.push(row.map((v) => String(Number(v.toPrecision(6)))).join(','));
  }
  csv = path.join(folder, 'table.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
});

afterAll(() => {
  core.close();
  rmSync(folder, { recursive: true, force: true });
});

function collect(jobId: string): { events: JobProgressEvent[]; stop: () => void } {
  const events: JobProgressEvent[] = [];
  const stop = core.context.on('jobProgress', (event) => {
    if (event.jobId === jobId) events.push(event);
  });
  return { events, stop };
}

function expectOrdered(events: JobProgressEvent[], kind: string): void {
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) {
    expect(event.kind).toBe(kind);
    if (event.total !== null) expect(event.done).toBeLessThanOrEqual(event.total);
  }
  for (let i = 1; i < events.length; i++) expect(events[i]!.elapsedMs).toBeGreaterThanOrEqual(events[i - 1]!.elapsedMs);
  expect(events.filter((event) => event.finished)).toHaveLength(1);
  expect(events.at(-1)!.finished).toBe(true);
}

describe('MI and selection as jobs', () => {
  it('estimateMi sends progress in order, done ≤ total, then one finished event', async () => {
    const { events, stop } = collect('mi-1');
    const report = await core.api.estimateMi({ table: csv, target: 'y', permutations: 30, jobId: 'mi-1' });
    stop();
    expectOrdered(events, 'mi');
    expect(report.features.find((f) => f.name === 'a')!.pValue).toBeCloseTo(1 / 31, 12);
    // Within the estimation, done never goes back (the total may shrink as tests stop early); the load's
    // events before it count bytes (test/main/table/load-progress.test.ts).
    const counted = events.filter((event) => event.total !== null && event.unit === 'steps');
    for (let i = 1; i < counted.length; i++) expect(counted[i]!.done).toBeGreaterThanOrEqual(counted[i - 1]!.done);
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
  });

  it('selectFeatures sends progress and a finished event', async () => {
    const { events, stop } = collect('select-1');
    const report = await core.api.selectFeatures({ table: csv, target: 'y', method: 'mrmr', count: 2, jobId: 'select-1' });
    stop();
    expectOrdered(events, 'select');
    expect(report.selected[0]!.name).toBe('a');
    expect(events.at(-1)).toMatchObject({ done: 2, total: 2, message: expect.stringMatching(/^picked /) });
  });

  it('a cancelled MI run stops, rejects with CANCELLED, holds no native scratch, and the next call works', async () => {
    const addon = loadAddon();
    const scratch = 'error' in addon ? undefined : addon.addon.permutationScratchBytes;
    const { events, stop } = collect('mi-cancel');
    let held = 0;
    const sampler = setInterval(() => (held = Math.max(held, scratch?.() ?? 0)), 1);
    const running = core.api.estimateMi({ table: csv, target: 'y', permutations: 100_000, stopAfterExceedances: 0, jobId: 'mi-cancel' });
    // Cancel once the permutations are under way (the first batch done).
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (events.some((event) => event.message?.startsWith('permutations'))) {
          clearInterval(check);
          resolve();
        }
      }, 2);
    });
    expect(await core.api.cancelJob('mi-cancel')).toEqual({ cancelled: true });
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    clearInterval(sampler);
    stop();
    const last = events.at(-1)!;
    expect(last.finished).toBe(true);
    expect(last.done).toBeLessThan(last.total!); // it stopped long before 4 × 100,000 permutations
    if (scratch) {
      expect(held).toBeGreaterThan(0); // the kernel did hold scratch while it ran …
      expect(scratch()).toBe(0); // … and none is left
    }
    expect(await core.api.cancelJob('mi-cancel')).toEqual({ cancelled: false });
    const next = await core.api.estimateMi({ table: csv, target: 'y', jobId: 'mi-cancel' });
    expect(next.features.map((f) => f.name).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('conditional MI (given) as a job', () => {
  it('estimateMi with given sends progress in order with running p-values, then one finished event', async () => {
    const { events, stop } = collect('cmi-1');
    const report = await core.api.estimateMi({ table: csv, target: 'y', given: 'b', permutations: 30, jobId: 'cmi-1' });
    stop();
    expectOrdered(events, 'mi');
    expect(report.given).toBe('b');
    const a = report.features.find((f) => f.name === 'a')!;
    expect(a.pValue).toBeCloseTo(1 / 31, 12); // a causes y beyond b: no shuffle reaches it
    expect(a.permutationsRun).toBe(30);
    const counted = events.filter((event) => event.total !== null);
    for (let i = 1; i < counted.length; i++) expect(counted[i]!.done).toBeGreaterThanOrEqual(counted[i - 1]!.done);
    expect(events.some((event) => /^permutations: a p=/.test(event.message ?? ''))).toBe(true);
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
  });

  it('a cancelled run with given stops, rejects with CANCELLED, and the next call works', async () => {
    const { events, stop } = collect('cmi-cancel');
    const running = core.api.estimateMi({
      table: csv,
      target: 'y',
      given: 'b',
      permutations: 100_000,
      stopAfterExceedances: 0,
      jobId: 'cmi-cancel',
    });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (events.some((event) => event.message?.startsWith('permutations'))) {
          clearInterval(check);
          resolve();
        }
      }, 2);
    });
    expect(await core.api.cancelJob('cmi-cancel')).toEqual({ cancelled: true });
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    stop();
    const last = events.at(-1)!;
    expect(last.finished).toBe(true);
    expect(last.done).toBeLessThan(last.total!); // long before 3 × 100,000 conditional permutations
    const next = await core.api.estimateMi({ table: csv, target: 'y', given: 'b', jobId: 'cmi-cancel' });
    expect(next.features.map((f) => f.name).sort()).toEqual(['a', 'c', 'd']);
  });
});

describe('the CLI progress line', () => {
  const event: JobProgressEvent = {
    jobId: 'j',
    kind: 'mi',
    done: 30,
    total: 120,
    unit: 'steps',
    elapsedMs: 2000,
    etaMs: 6000,
    message: 'permutations: a p=0.01 (30)',
  };
  it('draws a bar on a terminal and words elsewhere', () => {
    expect(progressLine(event, 200, true)).toBe(
      'mi: [######..................] 25% · 30/120 steps · 6.0 s left · permutations: a p=0.01 (30)',
    );
    expect(progressLine(event, undefined, false)).toBe('mi: 25% · 30/120 steps · 6.0 s left · permutations: a p=0.01 (30)');
  });
  it('fits the terminal width', () => {
    expect(progressLine(event, 40, true).length).toBeLessThanOrEqual(39);
  });
});
