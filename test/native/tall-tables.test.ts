// Tall tables (more than 2^20 rows): the native KSG-count and correlation kernels then take one feature
// at a time, every thread on it, instead of one feature per thread, to hold one feature's working copies
// (docs/mi.md, "Large and wide tables"). The answers must not change: KSG counts of two features in one
// call equal those of each feature alone, and the correlations equal the TypeScript reference's.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../main/compute/index.js';
import { prepareContinuous } from '../../main/mi/tie-rule.js';
import { gaussian, seededRandom } from './random.js';

const cpuAvailable = (await listBackends()).some((status) => status.name === 'cpu' && status.available);
if (!cpuAvailable) console.warn('tall-tables: the native cpu backend is not built; skipped (npx node-gyp rebuild)');

const ROWS = (1 << 20) + 3001;

/** y = a + noise, a rounded to 3 decimals (ties), b independent with 6 significant digits. */
function tallColumns(): { y: Float64Array; a: Float64Array; b: Float64Array } {
  const random = seededRandom(41);
  const y = new Float64Array(ROWS);
  const a = new Float64Array(ROWS);
  const b = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    a[i] = Math.round(gaussian(random) * 1000) / 1000;
    y[i] = a[i]! + 0.5 * gaussian(random);
    b[i] = Number(gaussian(random).toPrecision(6));
  }
  return { y, a, b };
}

describe.skipIf(!cpuAvailable)('native kernels on a tall table', () => {
  it('KSG counts of two features in one call equal each feature alone', { timeout: 600_000 }, async () => {
    const cpu = await getBackend('cpu');
    const { y, a, b } = tallColumns();
    const [target, first, second] = [y, a, b].map((column, index) => prepareContinuous(column, 7 + index).values);
    const both = await cpu.ksgCounts(target!, [first!, second!], 3);
    const alone = [...(await cpu.ksgCounts(target!, [first!], 3)), ...(await cpu.ksgCounts(target!, [second!], 3))];
    for (let f = 0; f < 2; f++) {
      expect(both[f]!.countX).toEqual(alone[f]!.countX);
      expect(both[f]!.countY).toEqual(alone[f]!.countY);
      expect(both[f]!.meanDigammaX).toBe(alone[f]!.meanDigammaX);
    }
    expect(both[0]!.meanDigammaX).not.toBe(both[1]!.meanDigammaX); // two different features
  });

  it('KSG counts of the tall path equal the TypeScript reference', { timeout: 600_000 }, async () => {
    // The tall path frees the sorted copies and the target's order while the grid is built and searched,
    // and counts x before y: the counts must be exactly the reference's.
    const cpu = await getBackend('cpu');
    const { y, a } = tallColumns();
    const [target, first] = [y, a].map((column, index) => prepareContinuous(column, 7 + index).values);
    // A second feature with runs of more than 32 tied values takes the kd-tree, which reads the target's
    // sorted values that the tall path frees between features.
    const tied = a.map((value) => Math.round(value * 10));
    const native = await cpu.ksgCounts(target!, [first!, tied], 3);
    const reference = await getReferenceBackend().ksgCounts(target!, [first!, tied], 3);
    for (let f = 0; f < 2; f++) {
      expect(native[f]!.countX).toEqual(reference[f]!.countX);
      expect(native[f]!.countY).toEqual(reference[f]!.countY);
    }
  });

  it('correlations of two features equal the TypeScript reference', { timeout: 600_000 }, async () => {
    const cpu = await getBackend('cpu');
    const { y, a, b } = tallColumns();
    const native = await cpu.correlations(y, [a, b]);
    const reference = await getReferenceBackend().correlations(y, [a, b]);
    for (let f = 0; f < 2; f++) {
      expect(native[f]!.pearson).toBeCloseTo(reference[f]!.pearson!, 12);
      expect(native[f]!.spearman).toBeCloseTo(reference[f]!.spearman!, 12);
      expect(native[f]!.dcor).toBeCloseTo(reference[f]!.dcor!, 10);
    }
    expect(native[0]!.pearson!).toBeGreaterThan(0.8);
    expect(Math.abs(native[1]!.pearson!)).toBeLessThan(0.01);
  });
});
