// Permutation p-values: the native permutation kernel (ksgPermutationMeans) against shuffles done in
// TypeScript on the reference backend, bit for bit; the engine's p-values the same on every backend;
// validity (uniform under the null within tolerance over many seeds, small under strong dependence);
// and the Besag–Clifford early stop giving its documented answer (p = h / l after l shuffles, the same
// as the full test of l − 1 shuffles).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend } from '../../../main/compute/index.js';
import type { ComputeBackend } from '../../../main/compute/kernels.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { ksgMutualInformation, ksgPermutationMutualInformation } from '../../../main/mi/knn-estimators.js';
import { permutationPValue, permutationTests } from '../../../main/mi/permutations.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { gaussianPair, numericColumn, tableOf } from './helpers.js';
import { backendVariants } from '../../helpers/backend-variants.js';

const variants = await backendVariants();

function independentTable(n: number, seed: number, features: number) {
  const random = new SeededRandom(seed);
  const column = () => Float64Array.from({ length: n }, () => random.nextNormal());
  return tableOf([numericColumn('y', column()), ...Array.from({ length: features }, (_, j) => numericColumn(`x${j}`, column()))]);
}

describe.each(variants)('permutations on the $label backend', (variant) => {
  let backend: ComputeBackend;
  beforeAll(async () => {
    Object.assign(process.env, variant.env ?? {});
    backend = await getBackend(variant.backend);
  });
  afterAll(() => {
    for (const key of Object.keys(variant.env ?? {})) delete process.env[key];
  });

  it('gives, per shuffle seed, exactly the KSG MI of the reference on the shuffled target', async () => {
    const reference = getReferenceBackend();
    for (const [n, featureCount] of [
      [5, 1],
      [300, 3],
      [2500, 2],
    ] as const) {
      const random = new SeededRandom(n);
      const target = Float64Array.from({ length: n }, () => random.nextNormal());
      const features = Array.from({ length: featureCount }, () => Float64Array.from(target, (y) => y + random.nextNormal()));
      const seeds = [1, 2, 3, 0xffffffff, 12345];
      const actual = await ksgPermutationMutualInformation(backend, target, features, 3, seeds);
      for (const [s, seed] of seeds.entries()) {
        const expected = await ksgMutualInformation(reference, new SeededRandom(seed).shuffle(Float64Array.from(target)), features, 3);
        expect(actual![s], `n ${n}, seed ${seed}`).toEqual(expected);
      }
    }
  });

  it('p-values do not depend on the backend, nor on the batch a feature falls in', async () => {
    const table = independentTable(400, 5, 3);
    const reference = await estimateMutualInformation(getReferenceBackend(), table, 'y', {
      permutations: 30,
      seed: 3,
      correlations: false,
    });
    const report = await estimateMutualInformation(backend, table, 'y', { permutations: 30, seed: 3, correlations: false });
    expect(report.features.map((f) => [f.name, f.pValue, f.permutationsRun])).toEqual(
      reference.features.map((f) => [f.name, f.pValue, f.permutationsRun]),
    );
  });
});

describe('permutation p-values', () => {
  it('are uniform under the null hypothesis (many seeds, every permutation run)', async () => {
    const compute = await getBackend('cpu').catch(() => getReferenceBackend());
    const pValues: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const report = await estimateMutualInformation(compute, independentTable(150, 1000 + seed, 5), 'y', {
        permutations: 39,
        seed,
        correlations: false,
        stopAfterExceedances: 0,
      });
      for (const feature of report.features) pValues.push(feature.pValue!);
    }
    // 200 p-values on the grid {1/40, …, 1}: under the null, P(p ≤ j/40) = j/40. Each empirical share is
    // within 4 binomial standard deviations (a real miscalibration, e.g. a test that never rejects or a
    // shift of 0.1, fails by far more).
    for (const level of [0.1, 0.25, 0.5, 0.75]) {
      const share = pValues.filter((p) => p <= level + 1e-12).length / pValues.length;
      const sd = Math.sqrt((level * (1 - level)) / pValues.length);
      expect(Math.abs(share - level), `P(p ≤ ${level})`).toBeLessThan(4 * sd);
    }
    const mean = pValues.reduce((sum, p) => sum + p, 0) / pValues.length;
    expect(Math.abs(mean - 0.5125)).toBeLessThan(0.06); // E p = (N + 2) / (2(N + 1)) for N = 39
  });

  it('keep their validity with the early stop (the share at or below a level never exceeds it)', async () => {
    const compute = await getBackend('cpu').catch(() => getReferenceBackend());
    const pValues: number[] = [];
    let run = 0;
    for (let seed = 0; seed < 40; seed++) {
      const report = await estimateMutualInformation(compute, independentTable(150, 2000 + seed, 5), 'y', {
        permutations: 99,
        seed,
        correlations: false,
        stopAfterExceedances: 5,
      });
      for (const feature of report.features) {
        pValues.push(feature.pValue!);
        run += feature.permutationsRun!;
      }
    }
    for (const level of [0.05, 0.1, 0.25, 0.5]) {
      const share = pValues.filter((p) => p <= level + 1e-12).length / pValues.length;
      const sd = Math.sqrt((level * (1 - level)) / pValues.length);
      expect(share, `P(p ≤ ${level})`).toBeLessThan(level + 4 * sd);
    }
    // Under the null a test stops after about h / p shuffles: far fewer than 200 × 99 in all.
    expect(run).toBeLessThan(0.3 * 200 * 99);
  });

  it('are the smallest possible under strong dependence, with every permutation run', async () => {
    const { x, y } = gaussianPair(500, 0.9, 4);
    const table = tableOf([numericColumn('y', y), numericColumn('x', x)]);
    const report = await estimateMutualInformation(await getBackend('cpu').catch(() => getReferenceBackend()), table, 'y', {
      permutations: 199,
      seed: 1,
    });
    expect(report.features[0]!.pValue).toBeCloseTo(1 / 200, 12);
    expect(report.features[0]!.permutationsRun).toBe(199);
  });

  it('stop early with p = h / l, the full test of l − 1 shuffles (Besag–Clifford)', async () => {
    const compute = await getBackend('cpu').catch(() => getReferenceBackend());
    const table = independentTable(200, 77, 4);
    const h = 4;
    const stopped = await estimateMutualInformation(compute, table, 'y', { permutations: 200, seed: 9, stopAfterExceedances: h });
    let checked = 0;
    for (const feature of stopped.features) {
      const l = feature.permutationsRun!;
      if (l === 200) continue;
      checked++;
      expect(feature.pValue).toBeCloseTo(h / l, 12);
      // With l − 1 shuffles the same test saw h − 1 exceedances: (1 + h − 1) / l; with l it saw h.
      const before = await estimateMutualInformation(compute, table, 'y', { permutations: l - 1, seed: 9, stopAfterExceedances: 0 });
      const at = await estimateMutualInformation(compute, table, 'y', { permutations: l, seed: 9, stopAfterExceedances: 0 });
      expect(before.features.find((f) => f.name === feature.name)!.pValue).toBeCloseTo(h / l, 12);
      expect(at.features.find((f) => f.name === feature.name)!.pValue).toBeCloseTo((1 + h) / (1 + l), 12);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('permutationTests: a batch that crosses the h-th exceedance ignores the rest of the batch', async () => {
    // Shuffle i "exceeds" exactly when i is a multiple of 3: the 2nd exceedance is shuffle 3 (l = 4).
    const outcomes = await permutationTests(
      { rows: 10, observed: [0.5], shuffled: async (_, seeds) => seeds.map((seed) => [seed % 3 === 0 ? 1 : 0]) },
      { permutations: 100, stopAfterExceedances: 2, seedOf: (i) => i },
    );
    expect(outcomes[0]).toEqual({ pValue: 2 / 4, permutationsRun: 4, exceedances: 2, stoppedEarly: true });
    expect(permutationPValue(3, 99, false)).toBe(4 / 100);
  });
});
