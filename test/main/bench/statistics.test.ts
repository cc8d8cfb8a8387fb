// Medians and bootstrap intervals of the benchmark statistics.
import { describe, expect, it } from 'vitest';
import { median, medianInterval, ratioInterval } from '../../../main/bench/statistics.js';

describe('benchmark statistics', () => {
  it('takes the median of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('gives a reproducible interval around the median that narrows with more samples', () => {
    const sample = (n: number) => Array.from({ length: n }, (_, i) => 10 + Math.sin(i * 12.9898) * 2);
    const small = medianInterval(sample(7));
    expect(medianInterval(sample(7))).toEqual(small);
    expect(small.low).toBeLessThanOrEqual(small.median);
    expect(small.high).toBeGreaterThanOrEqual(small.median);
    const large = medianInterval(sample(200));
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });

  it('gives a degenerate interval for one sample and for constant samples', () => {
    expect(medianInterval([5])).toEqual({ median: 5, low: 5, high: 5 });
    expect(medianInterval([2, 2, 2, 2, 2])).toEqual({ median: 2, low: 2, high: 2 });
  });

  it('brackets the ratio of two medians', () => {
    const a = [2.0, 2.1, 1.9, 2.05, 1.95];
    const b = [1.0, 1.05, 0.95, 1.02, 0.98];
    const ratio = ratioInterval(a, b);
    expect(ratio.median).toBeCloseTo(2, 9);
    expect(ratio.low).toBeLessThan(2);
    expect(ratio.high).toBeGreaterThan(2);
    expect(ratio.low).toBeGreaterThan(1.7);
    expect(ratio.high).toBeLessThan(2.3);
  });
});
