// Wide tables: a 1,000,000-column header and a 20,000-column table load through both CSV paths (the
// native all-numbers reader declines lines over 1 MB, so the widest goes through the TypeScript one),
// and the MI report summarises thousands of alike column warnings on one line, each feature keeping its
// own. These went quadratic before (warnings de-duplicated by a search of the list so far; a 512 KB first
// chunk per column): no time is asserted here, only what the result holds; scripts/bench/table-memory.mjs
// prints the times.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MiFeatureResult } from '../../../main/api/contract.js';
import { getReferenceBackend } from '../../../main/compute/index.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { reportWarnings, SUMMARY_NAMES, SUMMARY_THRESHOLD } from '../../../main/mi/report-warnings.js';
import type { NumericColumn, TextColumn } from '../../../main/table/columns.js';
import { loadCsvInTypeScript } from '../../../main/table/csv.js';
import { loadTable } from '../../../main/table/load.js';
import { makeTempFolder } from '../../helpers/temp.js';

function writeWide(columns: number, rows: number, cell: (row: number, column: number) => string): string {
  const file = path.join(makeTempFolder(), `wide-${columns}.csv`);
  const lines = [['y', ...Array.from({ length: columns }, (_, c) => `c${c}`)].join(',')];
  for (let r = 0; r < rows; r++) lines.push([String(r % 7), ...Array.from({ length: columns }, (_, c) => cell(r, c))].join(','));
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('wide tables', () => {
  it('loads a 1,000,000-column header with two rows, every column typed', { timeout: 300_000 }, async () => {
    const file = writeWide(1_000_000, 2, (r, c) => (c % 1000 === 999 ? 'NA' : String((r + 1) * (c % 10))));
    const table = await loadTable(file);
    expect(table.columns).toHaveLength(1_000_001);
    expect(table.rowCount).toBe(2);
    const last = table.columns[1_000_000] as NumericColumn;
    expect(last.name).toBe('c999999');
    expect(Array.from(last.values)).toEqual([NaN, NaN]);
    expect(Array.from((table.columns[124] as NumericColumn).values)).toEqual([3, 6]); // c123
  });

  it('loads 20,000 columns of numbers and text on both paths alike', { timeout: 120_000 }, async () => {
    const file = writeWide(20_000, 30, (r, c) => (c % 5 === 0 ? `t${(r + c) % 3}` : c % 5 === 1 ? '' : ((r * c) % 11).toString()));
    const table = await loadTable(file);
    const reference = await loadCsvInTypeScript(file);
    expect(table.columns).toHaveLength(20_001);
    expect(table.columns.map((column) => column.type)).toEqual(reference.columns.map((column) => column.type));
    const text = table.columns[1] as TextColumn; // c0
    expect(text.type).toBe('text');
    expect(Array.from(text.codes, (code) => text.levels[code])).toEqual(Array.from({ length: 30 }, (_, r) => `t${r % 3}`));
    expect(Array.from((table.columns[3] as NumericColumn).values)).toEqual(Array.from({ length: 30 }, (_, r) => (r * 2) % 11)); // c2
  });

  it('summarises 6,667 constant columns of a 20,000-column table on one warning line', { timeout: 300_000 }, async () => {
    const file = writeWide(20_000, 40, (r, c) => (c % 3 === 0 ? '1' : String((r * 7 + c) % 13)));
    const report = await estimateMutualInformation(getReferenceBackend(), await loadTable(file), 'y', { correlations: false });
    expect(report.features).toHaveLength(20_000);
    const summary = report.warnings.filter((warning) => warning.includes('constant columns'));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/^6,667 constant columns \(MI is 0\): (c\d+, ){10}… \(first 10\)$/);
    expect(report.warnings.some((warning) => warning.startsWith('c0: '))).toBe(false);
    // Each feature keeps its own warning.
    expect(report.features.find((feature) => feature.name === 'c0')!.warnings).toEqual(['column "c0" is constant: MI is 0']);
  });
});

describe('reportWarnings', () => {
  const feature = (name: string, warnings: string[]): MiFeatureResult => ({
    name,
    kind: 'continuous',
    mi: 0,
    pearson: null,
    spearman: null,
    dcor: null,
    pValue: null,
    rows: 10,
    droppedRows: 0,
    warnings,
  });

  it('lists a few alike warnings one by one, once each, after the report’s own', () => {
    const results = Array.from({ length: SUMMARY_THRESHOLD }, (_, i) => feature(`f${i}`, [`${i + 1} rows with a missing value dropped`]));
    expect(reportWarnings(['target "y" is missing in 3 rows', 'target "y" is missing in 3 rows'], results)).toEqual([
      'target "y" is missing in 3 rows',
      ...results.map((result, i) => `${result.name}: ${i + 1} rows with a missing value dropped`),
    ]);
  });

  it('summarises more than the threshold by kind, naming the first few, in report order', () => {
    const results = [
      ...Array.from({ length: 25 }, (_, i) => feature(`m${i}`, [`${i + 2} rows with a missing value dropped`])),
      feature('odd', ['something else']),
      ...Array.from({ length: 12 }, (_, i) => feature(`k${i}`, [`column "k${i}" is constant: MI is 0`])),
    ];
    const names = (prefix: string) => Array.from({ length: SUMMARY_NAMES }, (_, i) => `${prefix}${i}`).join(', ');
    expect(reportWarnings([], results)).toEqual([
      `25 columns with rows dropped for a missing value: ${names('m')}, … (first 10)`,
      'odd: something else',
      `12 constant columns (MI is 0): ${names('k')}, … (first 10)`,
    ]);
  });

  it('summarises an unknown kind with an example', () => {
    const results = Array.from({ length: 11 }, (_, i) => feature(`u${i}`, [`column "u${i}" has 3 odd cells`]));
    expect(reportWarnings([], results)).toEqual([
      `11 columns with the same warning as u0 ("column "u0" has 3 odd cells"): ${Array.from({ length: 10 }, (_, i) => `u${i}`).join(', ')}, … (first 10)`,
    ]);
  });
});
