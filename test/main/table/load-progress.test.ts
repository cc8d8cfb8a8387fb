// Table loads report their bytes: loadTable's onProgress on every reader (the native all-numbers CSV
// path, both TypeScript CSV paths, Parquet) rises to the file's size; through the API, an MI or
// select job sends those bytes as its first progress events (unit "bytes") before its steps; the CLI's
// progress line shows them in megabytes.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../main/api/contract.js';
import { progressLine } from '../../../main/cli/job-progress.js';
import { loadAddon } from '../../../main/compute/native.js';
import { createMilensCore, type MilensCore } from '../../../main/core/api.js';
import { loadCsvInTypeScript, loadNumericCsvNatively } from '../../../main/table/csv.js';
import { loadTable } from '../../../main/table/load.js';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'mi');
let folder: string;
let core: MilensCore;

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'milens-load-progress-'));
  core = createMilensCore({ databasePath: path.join(folder, 'milens.sqlite') });
});
afterAll(() => {
  core.close();
  rmSync(folder, { recursive: true, force: true });
});

/** A CSV of `rows` rows: 4-decimal floats with ties, integers, optionally a quoted text column. */
function writeTable(name: string, rows: number, quoted: boolean): string {
  const lines = [quoted ? 'y,a,label' : 'y,a,b'];
  for (let i = 0; i < rows; i++) {
    const a = ((i * 7919) % 10007) / 1000;
    lines.push(`${(a + ((i * 31) % 17) / 10).toFixed(4)},${a.toFixed(4)},${quoted ? `"l${i % 5}"` : i % 1000}`);
  }
  const file = path.join(folder, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function recorder(): { calls: Array<[number, number]>; onProgress: (bytesRead: number, totalBytes: number) => void } {
  const calls: Array<[number, number]> = [];
  return { calls, onProgress: (bytesRead, totalBytes) => calls.push([bytesRead, totalBytes]) };
}

function expectRisingTo(calls: Array<[number, number]>, total: number): void {
  expect(calls.length).toBeGreaterThan(0);
  for (const [bytesRead, totalBytes] of calls) {
    expect(totalBytes).toBe(total);
    expect(bytesRead).toBeLessThanOrEqual(total);
  }
  for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
  expect(calls.at(-1)![0]).toBe(total);
}

const addon = loadAddon();
const nativeCsv = !('error' in addon) && typeof addon.addon.numericCsvBytesRead === 'function';

describe('table load progress', () => {
  it.skipIf(!nativeCsv)('the native reader counts its two passes as one pass through the file', async () => {
    const file = writeTable('numbers.csv', 200_000, false);
    const { calls, onProgress } = recorder();
    const table = await loadNumericCsvNatively(file, 0, onProgress);
    expect(table?.rowCount).toBe(200_000);
    expectRisingTo(calls, statSync(file).size);
  });

  it('the TypeScript readers count the file, quoted or not', async () => {
    for (const quoted of [false, true]) {
      const file = writeTable(quoted ? 'quoted.csv' : 'plain.csv', 100_000, quoted);
      const { calls, onProgress } = recorder();
      const table = await loadCsvInTypeScript(file, { onProgress });
      expect(table.rowCount).toBe(100_000);
      expectRisingTo(calls, statSync(file).size);
    }
  });

  it('Parquet counts its row groups by their compressed bytes', async () => {
    const { calls, onProgress } = recorder();
    const file = path.join(FIXTURES, 'mixed.parquet');
    const table = await loadTable(file, { onProgress });
    expect(table.rowCount).toBeGreaterThan(0);
    expect(calls[0]).toEqual([0, statSync(file).size]); // loadTable's own first call
    expectRisingTo(calls, statSync(file).size);
  });

  it('an MI job and a select job send the load as bytes first, then their steps', async () => {
    const file = writeTable('job.csv', 50_000, true);
    for (const [method, jobId] of [
      ['mi', 'load-mi'],
      ['select', 'load-select'],
    ] as const) {
      const events: JobProgressEvent[] = [];
      const stop = core.context.on('jobProgress', (event) => {
        if (event.jobId === jobId) events.push(event);
      });
      if (method === 'mi') await core.api.estimateMi({ table: file, target: 'y', jobId });
      else await core.api.selectFeatures({ table: file, target: 'y', method: 'mrmr', count: 1, jobId });
      stop();
      const bytes = events.filter((event) => event.unit === 'bytes');
      expect(bytes.length, method).toBeGreaterThan(0);
      expect(bytes[0]!.total).toBe(statSync(file).size);
      expect(bytes.every((event) => event.message === `loading ${file}`)).toBe(true);
      const firstStep = events.findIndex((event) => event.unit === 'steps');
      expect(firstStep === -1 || events.slice(firstStep).every((event) => event.unit === 'steps')).toBe(true);
    }
  });

  it('the CLI line shows a load in megabytes', () => {
    const event: JobProgressEvent = {
      jobId: 'j',
      kind: 'mi',
      done: 52_400_000,
      total: 1_460_000_000,
      unit: 'bytes',
      elapsedMs: 2000,
      etaMs: 53_700,
      message: 'loading big.csv',
    };
    expect(progressLine(event, undefined, false)).toBe('mi: 3% · 52.4/1,460 MB · 53.7 s left · loading big.csv');
    expect(progressLine(event, 200, true)).toMatch(/^mi: \[#?\.+\] 3% · 52\.4\/1,460 MB/);
  });
});
