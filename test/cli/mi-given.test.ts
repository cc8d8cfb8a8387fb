// `milens mi --given z` as a user runs it (requires `npm run build`): conditional MI in the JSON
// contract and the readable table, dropped rows, conditional permutation p-values, and the errors.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MiReport } from '../../main/api/contract.js';
import { SeededRandom } from '../../main/mi/random.js';
import { REPO_ROOT, runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

const GAUSSIAN = path.join(REPO_ROOT, 'test', 'fixtures', 'mi', 'gaussian-cc.csv');

/**
 * A chain x → z → y plus a direct cause w of y, 1000 rows; x misses 3 values, z 2 (one on the same
 * row as a missing x), y 1. So I(x;y) > 0 but I(x;y|z) ≈ 0, and I(w;y|z) > 0.
 */
function writeChain(): string {
  const random = new SeededRandom(31);
  const lines = ['x,w,z,y'];
  for (let i = 0; i < 1000; i++) {
    const x = random.nextNormal(),
      w = random.nextNormal();
    const z = 0.9 * x + 0.45 * random.nextNormal();
    const y = 0.8 * z + 0.6 * w + 0.4 * random.nextNormal();
    const cell = (value: number, missing: number[]) => (missing.includes(i) ? '' : String(value));
    lines.push([cell(x, [5, 6, 7]), w, cell(z, [7, 8]), cell(y, [9])].join(','));
  }
  const file = path.join(makeTempFolder(), 'chain.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('milens mi --given', () => {
  let chain = '';
  beforeEach(() => {
    chain = writeChain();
  });

  it('reports I(feature; target | given) in JSON, with given and givenKind, without scoring the given column', async () => {
    const result = await runMilens(['mi', chain, '--target', 'y', '--given', 'z', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as MiReport;
    expect(Object.keys(report)).toEqual([
      'target',
      'targetKind',
      'unit',
      'k',
      'rows',
      'permutations',
      'seed',
      'given',
      'givenKind',
      'features',
      'warnings',
    ]);
    expect(report).toMatchObject({ target: 'y', given: 'z', givenKind: 'continuous', unit: 'nats', k: 3, rows: 1000 });
    expect(report.features.map((f) => f.name)).toEqual(['w', 'x']);
    const [w, x] = report.features;
    expect(Object.keys(w!)).toEqual(['name', 'kind', 'mi', 'pearson', 'spearman', 'dcor', 'pValue', 'rows', 'droppedRows', 'warnings']);
    expect(w!.mi).toBeGreaterThan(0.3);
    expect(x!.mi).toBeLessThan(0.03);
    // Rows missing in x (5, 6, 7), z (7, 8) or y (9): 5 dropped for x (row 7 once); 3 for w (z and y only).
    expect(x).toMatchObject({ rows: 995, droppedRows: 5 });
    expect(w).toMatchObject({ rows: 997, droppedRows: 3 });
    // Pearson, Spearman and dCor stay unconditional: x correlates with y although I(x;y|z) ≈ 0.
    expect(x!.pearson!).toBeGreaterThan(0.5);
    expect(result.stderr).toMatch(/given "z" is missing in 2 rows; they are dropped from every triple/);

    const plain = JSON.parse((await runMilens(['mi', chain, '--target', 'y', '--json'])).stdout) as MiReport;
    expect(plain.features.find((f) => f.name === 'x')!.mi).toBeGreaterThan(0.2);
  });

  it('leaves the JSON contract unchanged without --given', async () => {
    const result = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as MiReport;
    expect(Object.keys(report)).toEqual(['target', 'targetKind', 'unit', 'k', 'rows', 'permutations', 'seed', 'features', 'warnings']);
    expect(report).not.toHaveProperty('given');
  });

  it('says in the readable table that MI is conditional on the given column', async () => {
    const result = await runMilens(['mi', chain, '--target', 'y', '--given', 'z', '--unit', 'bits']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^mi is conditional on z \(continuous\): I\(feature; y \| z\)\n/);
    expect(result.stdout).toMatch(/\nfeature\s+kind\s+mi \| z \(bits\)\s+pearson\s+spearman\s+dcor\s+p-value\s+rows\n/);
    expect(result.stderr).toMatch(/target y \(continuous\), given z \(continuous\), 1000 rows/);
  });

  it('gives conditional permutation p-values: small for w, not for x (continuous z, local permutation)', async () => {
    const result = await runMilens(['mi', chain, '--target', 'y', '--given', 'z', '--permutations', '49', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as MiReport;
    expect(report.permutations).toBe(49);
    expect(report.features.find((f) => f.name === 'w')!.pValue).toBeCloseTo(1 / 50, 12);
    expect(report.features.find((f) => f.name === 'x')!.pValue!).toBeGreaterThan(0.1);
  });

  it('accepts --discrete for the given column (strata of its levels)', async () => {
    const file = path.join(makeTempFolder(), 'xor.csv');
    const random = new SeededRandom(4);
    const rows = Array.from({ length: 600 }, () => {
      const a = random.nextInt(2),
        b = random.nextInt(2);
      return `${a},${b},${a ^ b},${random.nextInt(2)}`;
    });
    writeFileSync(file, `a,b,y,noise\n${rows.join('\n')}\n`);
    const result = await runMilens(['mi', file, '--target', 'y', '--given', 'b', '--discrete', 'b', '--permutations', '19', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as MiReport;
    expect(report.givenKind).toBe('discrete');
    const a = report.features.find((f) => f.name === 'a')!;
    expect(Math.abs(a.mi - Math.LN2)).toBeLessThan(0.005);
    expect(a.pValue).toBeCloseTo(1 / 20, 12);
    expect(report.features.find((f) => f.name === 'noise')!.mi).toBeLessThan(0.01);
  });

  it('exits 2 naming a missing given column and the file, and for --given equal to --target', async () => {
    const missing = await runMilens(['mi', chain, '--target', 'y', '--given', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Given column "nope" not found in ${chain} (its header has 4 columns)`);
    const same = await runMilens(['mi', chain, '--target', 'y', '--given', 'y']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--given "y" is the --target column: condition on another column/);
    const json = await runMilens(['mi', GAUSSIAN, '--target', 'y', '--given', 'nope', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/^Given column "nope" not found in /) },
    });
  });
});
