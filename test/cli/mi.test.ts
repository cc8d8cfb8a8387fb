// `milens mi` as a user runs it (requires `npm run build`): the JSON contract, readable output, units,
// kinds, permutations, and errors that exit non-zero naming the problem.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MiReport } from '../../main/api/contract.js';
import { REPO_ROOT, runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

const GAUSSIAN = path.join(REPO_ROOT, 'test', 'fixtures', 'mi', 'gaussian-cc.csv');
const PARQUET = path.join(REPO_ROOT, 'test', 'fixtures', 'mi', 'mixed.parquet');

describe('milens mi', () => {
  it('prints the JSON contract: target, unit, k, rows, seed and features sorted by mi', async () => {
    const result = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as MiReport;
    expect(report).toMatchObject({ target: 'y', unit: 'nats', k: 3, rows: 1000, seed: 0 });
    expect(report.features.map((f) => f.name)).toEqual(['rho90', 'rho60', 'rho30', 'independent']);
    for (const feature of report.features) {
      expect(Object.keys(feature)).toEqual(expect.arrayContaining(['name', 'kind', 'mi', 'pearson', 'spearman', 'dcor', 'pValue']));
      expect(feature.kind).toBe('continuous');
      expect(feature.pValue).toBeNull();
    }
    expect(report.features[0]!.mi).toBeCloseTo(-0.5 * Math.log(1 - 0.81), 1);
    expect(report.features[0]!.pearson!).toBeGreaterThan(0.85);
  });

  it('converts to bits, honours --k, --seed and --permutations', async () => {
    const nats = JSON.parse((await runMilens(['mi', GAUSSIAN, '--target', 'y', '--json'])).stdout) as MiReport;
    const result = await runMilens([
      'mi',
      GAUSSIAN,
      '--target',
      'y',
      '--unit',
      'bits',
      '--k',
      '5',
      '--seed',
      '7',
      '--permutations',
      '19',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const bits = JSON.parse(result.stdout) as MiReport;
    expect(bits).toMatchObject({ unit: 'bits', k: 5, seed: 7, permutations: 19 });
    expect(bits.features.find((f) => f.name === 'rho90')!.pValue).toBeCloseTo(1 / 20, 12);
    const natsK3 = nats.features.find((f) => f.name === 'rho60')!.mi;
    expect(bits.features.find((f) => f.name === 'rho60')!.mi * Math.LN2).toBeCloseTo(natsK3, 1);
  });

  it('reads Parquet, infers kinds, reports dropped rows, and accepts kind overrides', async () => {
    const result = await runMilens(['mi', PARQUET, '--target', 'y', '--discrete', 'count', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as MiReport;
    const kinds = Object.fromEntries(report.features.map((f) => [f.name, f.kind]));
    expect(kinds).toEqual({ x: 'continuous', count: 'discrete', colour: 'discrete', flag: 'discrete' });
    const x = report.features.find((f) => f.name === 'x')!;
    expect(x.droppedRows).toBe(6);
  });

  it('prints a readable table without --json', async () => {
    const result = await runMilens(['mi', GAUSSIAN, '--target', 'y']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^feature\s+kind\s+mi \(nats\)\s+pearson\s+spearman\s+dcor\s+p-value\s+rows/);
    expect(result.stdout).toMatch(/rho90\s+continuous/);
  });

  it('warns about a constant column on stderr and scores it 0', async () => {
    const file = path.join(makeTempFolder(), 'constant.csv');
    writeFileSync(file, `y,c,x\n${Array.from({ length: 50 }, (_, i) => `${i % 7},1,${(i * 13) % 17}`).join('\n')}\n`);
    const result = await runMilens(['mi', file, '--target', 'y', '--continuous', 'c', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/"c" is constant/);
    expect((JSON.parse(result.stdout) as MiReport).features.find((f) => f.name === 'c')!.mi).toBe(0);
  });

  it('exits non-zero naming a missing column, an unreadable file and an unknown kind', async () => {
    const missing = await runMilens(['mi', GAUSSIAN, '--target', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/Column "nope" not found/);
    const unreadable = await runMilens(['mi', '/nonexistent/data.csv', '--target', 'y']);
    expect(unreadable.code).not.toBe(0);
    expect(unreadable.stderr).toMatch(/Cannot read \/nonexistent\/data.csv/);
    const kind = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--target-kind', 'ordinal']);
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toMatch(/Unknown kind "ordinal" for --target-kind/);
    const k = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--k', 'zero']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/--k/);
    const bigK = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--k', '1000000']);
    expect(bigK.code).not.toBe(0);
    expect(bigK.stderr).toMatch(/Expected --k to be an integer from 1 to 1000 but received "1000000"/);
    const unit = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--unit', 'hartleys']);
    expect(unit.code).not.toBe(0);
    expect(unit.stderr).toMatch(/Unknown unit "hartleys"/);
  });

  it('exits non-zero on an all-missing target, naming the column and the file', async () => {
    const file = path.join(makeTempFolder(), 'x.csv');
    writeFileSync(file, 'a,b,c,y\n1,2,5,\n2,3,1,\n3,1,4,\n4,4,2,\n');
    const result = await runMilens(['mi', file, '--target', 'y']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Target column "y" of ${file} has 0 rows with a value`);
    expect(result.stderr).not.toMatch(/constant/);
  });

  it('does not warn about too few rows for k on a discrete target (Ross)', async () => {
    const file = path.join(makeTempFolder(), 'd.csv');
    writeFileSync(file, 'a,y\n1,0\n2,0\n3,0\n10,1\n11,1\n12,1\n');
    const result = await runMilens(['mi', file, '--target', 'y', '--k', '6', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/only \d+ rows for k/);
    expect((JSON.parse(result.stdout) as MiReport).features[0]!.warnings).toEqual([]);
  });

  it('reads a quoted semicolon file that starts with a blank line', async () => {
    const file = path.join(makeTempFolder(), 's.csv');
    writeFileSync(file, '\na;b;y\n"1";2;3\n4;5;6\n7;8;9\n1;1;1\n5;3;2\n');
    const result = await runMilens(['mi', file, '--target', 'y', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as MiReport).features.map((f) => f.name).sort()).toEqual(['a', 'b']);
  });
});
