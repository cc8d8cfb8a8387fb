// Large tables: the memory estimate made before reading (rows from the first MiB of lines), the refusal
// with the numbers when a table would not fit (the available memory pinned by MILENS_MEMORY_LIMIT_BYTES),
// and the systematic sample (--sample N) with its warning, through loadTable and the CLI.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MiReport } from '../../../main/api/contract.js';
import type { NumericColumn, TextColumn } from '../../../main/table/columns.js';
import { loadTable, sampleWarning } from '../../../main/table/load.js';
import { estimateCsvMemory, neededBytesFor } from '../../../main/table/memory.js';
import { runMilens } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';

/** 60,000 rows (about 2 MB): x rounded floats with ties, n integers, 5% missing, a text label. */
function writeTable(rows = 60_000): string {
  const file = path.join(makeTempFolder(), 'large.csv');
  const lines = ['x,n,label,y'];
  for (let i = 0; i < rows; i++) {
    const x = ((i * 7919) % 1000) / 10;
    lines.push(`${i % 20 === 0 ? 'NA' : x.toFixed(1)},${i % 37},${['a', 'b', 'c'][i % 3]},${(x * 2 + (i % 5)).toFixed(2)}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

afterEach(() => {
  delete process.env.MILENS_MEMORY_LIMIT_BYTES;
});

describe('large tables', () => {
  it('estimates rows and memory from the first MiB of lines', () => {
    const estimate = estimateCsvMemory(writeTable())!;
    expect(estimate.columns).toBe(4);
    expect(Math.abs(estimate.rows - 60_000) / 60_000).toBeLessThan(0.05);
    expect(estimate.dataBytes).toBe(estimate.rows * 4 * 8);
    expect(estimate.neededBytes).toBe(neededBytesFor(estimate.rows, 4));
    // The measured run: 11 M rows × 3 peaked at 0.94 GB (scripts/bench/mi-memory.mjs); the estimate covers it.
    expect(neededBytesFor(11_000_000, 3)).toBeGreaterThan(0.94e9);
    expect(neededBytesFor(11_000_000, 3)).toBeLessThan(3.0e9);
  });

  it('refuses a table that would not fit, with what it needs, what is available and a sample that fits', async () => {
    const file = writeTable();
    process.env.MILENS_MEMORY_LIMIT_BYTES = String(512 * 1024 * 1024 + 1_000_000);
    const estimate = estimateCsvMemory(file)!;
    expect(estimate.neededBytes).toBeGreaterThan(estimate.availableBytes);
    const refusal = loadTable(file);
    await expect(refusal).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(refusal).rejects.toThrow(
      /large\.csv needs ~\d+ MB of memory \(~\d[\d,]* rows × 4 columns\), \d+ MB available; use --sample \d+/,
    );
  });

  it('loads every n-th row with --sample, and says so', async () => {
    const file = writeTable();
    const table = await loadTable(file, { sampleRows: 6000 });
    const every = table.sample!.every;
    expect(every).toBeGreaterThanOrEqual(9);
    expect(every).toBeLessThanOrEqual(11);
    expect(table.sample!.fileRows).toBe(60_000);
    expect(table.rowCount).toBe(Math.ceil(60_000 / every));
    const whole = await loadTable(file);
    const pick = <T>(values: ArrayLike<T>) => Array.from(values).filter((_, i) => i % every === 0);
    expect(Array.from((table.columns[0] as NumericColumn).values)).toEqual(pick((whole.columns[0] as NumericColumn).values));
    const label = table.columns[2] as TextColumn;
    expect(Array.from(label.codes, (code) => label.levels[code])).toEqual(
      pick(Array.from({ length: 60_000 }, (_, i) => ['a', 'b', 'c'][i % 3])),
    );
    expect(sampleWarning(table)).toMatch(
      new RegExp(`^estimated on a sample of [\\d,]+ of 60,000 rows \\(one row in ${every}, --sample\\)`),
    );
    expect(sampleWarning(whole)).toBeNull();
  });

  it('rejects a sample of fewer than 2 rows, naming the argument', async () => {
    await expect(loadTable(writeTable(10), { sampleRows: 1 })).rejects.toThrow(/sample/);
  });

  it('the CLI refuses with exit 1 and the numbers, and estimates on a sample with --sample', { timeout: 60_000 }, async () => {
    const file = writeTable();
    const env = { MILENS_MEMORY_LIMIT_BYTES: String(512 * 1024 * 1024 + 1_000_000), MILENS_HOME: makeTempFolder() };
    const refused = await runMilens(['mi', file, '--target', 'y'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs ~\d+ MB of memory .* available; use --sample \d+/);
    const sampled = await runMilens(['mi', file, '--target', 'y', '--sample', '5000', '--json'], { env });
    expect(sampled.code, sampled.stderr).toBe(0);
    const report = JSON.parse(sampled.stdout) as MiReport;
    expect(report.rows).toBeLessThanOrEqual(5000);
    expect(report.warnings[0]).toMatch(/^estimated on a sample of [\d,]+ of 60,000 rows/);
    expect(report.features.find((feature) => feature.name === 'x')!.mi).toBeGreaterThan(0.5);
    const bad = await runMilens(['mi', file, '--target', 'y', '--sample', 'lots'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected --sample to be an integer of at least 2 but received "lots"');
  });
});
