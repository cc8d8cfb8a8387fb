// ψ for the k-NN estimators: the integer table below DIGAMMA_TABLE_SIZE and the series above it must
// agree with each other and with known values, so a count on either side of the cut is scored alike.
import { describe, expect, it } from 'vitest';
import { digamma, DIGAMMA_TABLE_SIZE, digammaOfInteger, meanDigammaOfCounts } from '../../../main/mi/digamma.js';

const EULER_GAMMA = 0.5772156649015329;

describe('digamma', () => {
  it('matches closed forms at small integers and a half-integer', () => {
    expect(digammaOfInteger(1)).toBe(-EULER_GAMMA);
    expect(digammaOfInteger(2)).toBeCloseTo(1 - EULER_GAMMA, 15);
    expect(digammaOfInteger(4)).toBeCloseTo(1 + 1 / 2 + 1 / 3 - EULER_GAMMA, 15);
    // Non-integers use the series after shifting above 6: accurate to about 1e-11.
    expect(Math.abs(digamma(0.5) - (-EULER_GAMMA - 2 * Math.LN2))).toBeLessThan(1e-11);
    expect(digammaOfInteger(0)).toBeNaN();
  });

  // The recurrence accumulates about 1e-14 of rounding over a 4096-step block before the next restart.
  it('keeps the recurrence ψ(m + 1) = ψ(m) + 1/m across the table restarts and the table cut', () => {
    for (const m of [4095, 4096, 4097, 40_000, DIGAMMA_TABLE_SIZE - 2, DIGAMMA_TABLE_SIZE - 1, DIGAMMA_TABLE_SIZE, 1_000_000]) {
      expect(Math.abs(digammaOfInteger(m + 1) - digammaOfInteger(m) - 1 / m)).toBeLessThan(1e-13);
      expect(Math.abs(digammaOfInteger(m) - digamma(m))).toBeLessThan(1e-13);
    }
  });

  it('averages counts on both sides of the cut as ψ one by one', () => {
    const counts = Int32Array.from([0, 1, 7, DIGAMMA_TABLE_SIZE - 2, DIGAMMA_TABLE_SIZE - 1, DIGAMMA_TABLE_SIZE + 5, 999_999]);
    const expected = Array.from(counts, (count) => digammaOfInteger(count + 1)).reduce((a, b) => a + b) / counts.length;
    expect(meanDigammaOfCounts(counts, 1)).toBeCloseTo(expected, 14);
  });
});
