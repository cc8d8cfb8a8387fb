// Correlations on values at the edges of float64: 1e-300, 1e300, 0.5e308, ±MAX_VALUE, subnormals and
// columns mixing scales. Every column is scaled by a power of two before summing
// (main/compute/reference/correlations.ts, unitScale), so Pearson, Spearman and dCor of a·y equal those
// of y, and every backend available here (the TypeScript one always; cpu, with and without its AVX2
// loops, where the addon is built; cuda and metal where present) returns exactly the reference's values.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../main/compute/index.js';
import type { CorrelationMeasures } from '../../main/compute/kernels.js';
import { unitScale } from '../../main/compute/reference/correlations.js';
import { gaussian, seededRandom } from './random.js';

const reference = getReferenceBackend();
const backendNames = (await listBackends()).filter((status) => status.available).map((status) => status.name);

const n = 2000;
const random = seededRandom(2026);
/** |y| < 3.5, so that 0.5e308 · y stays finite. */
const y = Float64Array.from({ length: n }, () => Math.max(-3.4, Math.min(3.4, gaussian(random))));
const curved = Float64Array.from(y, (value) => Math.sin(value) + 0.2 * gaussian(random));
const unscaled = (await reference.correlations(y, [curved, y]))!;

function scaled(values: Float64Array, factor: number): Float64Array {
  return Float64Array.from(values, (value) => value * factor);
}

function expectClose(actual: CorrelationMeasures, expected: CorrelationMeasures, digits = 12): void {
  for (const measure of ['pearson', 'spearman', 'dcor'] as const) {
    expect(actual[measure], measure).not.toBeNull();
    expect(actual[measure]!, measure).toBeCloseTo(expected[measure]!, digits);
  }
}

describe('unitScale', () => {
  it('is a power of two that brings the largest magnitude into [1, 4)', () => {
    for (const largest of [5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 0.75, 1, 3, 1e300, 0.5e308, Number.MAX_VALUE]) {
      const scale = unitScale([0, -largest, largest / 3]);
      expect(Number.isInteger(Math.log2(scale)), `${largest}`).toBe(true);
      // A subnormal maximum is scaled by 2^1023 (the largest normal power), not into [1, 4).
      if (largest >= 2.2250738585072014e-308) {
        expect(largest * scale).toBeGreaterThanOrEqual(1);
        expect(largest * scale).toBeLessThan(4);
      } else expect(scale).toBe(2 ** 1023);
    }
    expect(unitScale([])).toBe(1);
    expect(unitScale([0, -0])).toBe(1);
  });
});

describe.each(backendNames)('correlations at the float64 limits on the %s backend', (name) => {
  const variants = name === 'cpu' ? [{}, { MILENS_CPU_SIMD: 'off' }] : [{}];

  it.each([1e-300, 1e300, 0.5e308, -0.5e308, 2 ** -1000, 2 ** 1000])(
    'a = %d · y scores as y does, and equals the reference',
    async (factor) => {
      const backend = await getBackend(name);
      for (const env of variants) {
        Object.assign(process.env, env);
        try {
          const features = [scaled(curved, factor), scaled(y, factor)];
          const target = scaled(y, factor);
          const actual = await backend.correlations(target, features);
          expect(actual).toEqual(await reference.correlations(target, features));
          const sign = Math.sign(factor);
          // a = factor · y against y · factor: the same column, so every measure is 1.
          expectClose(actual[1]!, { pearson: 1, spearman: 1, dcor: 1 });
          // The curved feature scores as unscaled (the signs of Pearson and Spearman follow the factor's twice).
          expectClose(actual[0]!, { ...unscaled[0]!, pearson: unscaled[0]!.pearson! * sign * sign, spearman: unscaled[0]!.spearman! });
          // Only the feature scaled against an unscaled target: Pearson flips with the factor's sign.
          const mixed = await backend.correlations(y, [scaled(y, factor)]);
          expect(mixed).toEqual(await reference.correlations(y, [scaled(y, factor)]));
          expectClose(mixed[0]!, { pearson: sign, spearman: sign, dcor: 1 });
        } finally {
          for (const key of Object.keys(env)) delete process.env[key];
        }
      }
    },
  );

  it('±MAX_VALUE, subnormals and columns mixing 1e-300 with 1e300 are finite and equal the reference', async () => {
    const backend = await getBackend(name);
    const ranks = Float64Array.from({ length: n }, (_, i) => i);
    const features = [
      // Whole multiples of the smallest subnormal: exactly proportional to the ranks.
      Float64Array.from(ranks, (i) => i * Number.MIN_VALUE),
      // Alternating ±MAX_VALUE: the sum overflows without scaling.
      Float64Array.from(ranks, (i) => (i % 2 === 0 ? Number.MAX_VALUE : -Number.MAX_VALUE)),
      // A geometric ladder from 1e-300 to 1e300: its order is the ranks' order.
      Float64Array.from(ranks, (i) => 10 ** (-300 + (600 * i) / (n - 1))),
      // Mostly tiny values and one huge one.
      Float64Array.from(ranks, (i) => (i === n - 1 ? 1e300 : i * 1e-300)),
    ];
    for (const env of variants) {
      Object.assign(process.env, env);
      try {
        const actual = await backend.correlations(ranks, features);
        expect(actual).toEqual(await reference.correlations(ranks, features));
        expectClose(actual[0]!, { pearson: 1, spearman: 1, dcor: 1 });
        expect(actual[1]!.pearson!).toBeCloseTo(0, 2);
        expect(Number.isFinite(actual[1]!.dcor!)).toBe(true);
        expect(actual[2]!.spearman).toBe(1);
        expect(actual[3]!.spearman).toBe(1);
        for (const measures of actual) for (const value of Object.values(measures)) expect(Number.isFinite(value)).toBe(true);
      } finally {
        for (const key of Object.keys(env)) delete process.env[key];
      }
    }
  });
});
