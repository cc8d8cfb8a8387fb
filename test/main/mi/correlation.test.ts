// Pearson, Spearman and the O(n log n) distance correlation against direct O(n²) definitions.
import { describe, expect, it } from 'vitest';
import { argsortFloat, averageRanks, distanceCorrelation, pearson, spearman } from '../../../main/mi/correlation.js';
import { SeededRandom } from '../../../main/mi/random.js';

/** Székely–Rizzo–Bakirov distance correlation from double-centred distance matrices. */
function naiveDistanceCorrelation(x: number[], y: number[]): number {
  const n = x.length;
  const centred = (v: number[]) => {
    const d = v.map((a) => v.map((b) => Math.abs(a - b)));
    const rows = d.map((row) => row.reduce((s, c) => s + c, 0) / n);
    const all = rows.reduce((s, c) => s + c, 0) / n;
    return d.map((row, i) => row.map((c, j) => c - rows[i]! - rows[j]! + all));
  };
  const a = centred(x),
    b = centred(y);
  const dot = (p: number[][], q: number[][]) => p.reduce((s, row, i) => s + row.reduce((t, c, j) => t + c * q[i]![j]!, 0), 0) / (n * n);
  return Math.sqrt(dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b)));
}

describe('correlations', () => {
  it('distance correlation matches the O(n²) definition, ties included', () => {
    const random = new SeededRandom(4);
    for (const n of [5, 37, 200]) {
      const x = Array.from({ length: n }, () => Math.round(random.nextNormal() * 3) / 3);
      const y = x.map((value) => Math.sin(value) + 0.3 * random.nextNormal());
      expect(distanceCorrelation(x, y)!).toBeCloseTo(naiveDistanceCorrelation(x, y), 9);
    }
  });

  it('distance correlation is 1 for a linear map and null for a constant', () => {
    const x = [1, 5, 2, 8, 3];
    expect(
      distanceCorrelation(
        x,
        x.map((v) => 3 - 2 * v),
      )!,
    ).toBeCloseTo(1, 12);
    expect(distanceCorrelation(x, [2, 2, 2, 2, 2])).toBeNull();
  });

  it('Pearson and Spearman on small known cases', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toBeCloseTo(1, 12);
    expect(Array.from(averageRanks([10, 20, 10, 30]))).toEqual([1.5, 3, 1.5, 4]);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});

describe('argsortFloat', () => {
  it('orders like a stable comparator sort, negatives, zeros, ties and extremes included', () => {
    const random = new SeededRandom(17);
    const values = Float64Array.from({ length: 5000 }, (_, i) =>
      i % 10 === 0 ? Math.round(random.nextNormal()) : i % 7 === 0 ? -0 : random.nextNormal() * 10 ** (random.nextInt(20) - 10),
    );
    values[3] = Number.MAX_VALUE;
    values[4] = -Number.MAX_VALUE;
    values[5] = Number.MIN_VALUE;
    const expected = Array.from(values.keys()).sort((a, b) => values[a]! - values[b]! || a - b);
    expect(Array.from(argsortFloat(values))).toEqual(expected);
  });
});
