// The native tie rule (native/cpu/tie_rule.cc) against prepareContinuous: bit-identical values for every
// column it accepts (which exercises its port of the seeded generator and its uniform floats over
// hundreds of thousands of draws), and a decline for constant, tied and near-overflow
// columns, which the TypeScript rule then prepares.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../../main/compute/native.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { prepareContinuous, prepareContinuousNatively } from '../../../main/mi/tie-rule.js';

const addonLoaded = !('error' in loadAddon());

function column(seed: number, n: number, make: (random: SeededRandom, i: number) => number): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => make(random, i));
}

/** Equal as bit patterns, −0 and NaN included; reports the first differing index. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe.skipIf(!addonLoaded)('native tie rule', () => {
  const n = 50_000;
  const accepted: Array<[string, Float64Array]> = [
    ['standard normal', column(1, n, (random) => random.nextNormal())],
    [
      'tiny scale with missing rows and infinities',
      column(2, n, (random, i) => (i % 37 === 0 ? Number.NaN : i % 101 === 0 ? -Infinity : 1e-150 * random.nextFloat())),
    ],
    ['large offset', column(3, n, (random) => 1e3 + random.nextFloat())],
    ['huge but below the rescaling threshold', column(4, n, (random) => 1e140 * random.nextNormal())],
    ['two rows', Float64Array.from([0, -0.5])],
    ['−0 beside positives', Float64Array.from({ length: 100 }, (_, i) => (i === 0 ? -0 : i))],
  ];
  /** Distinct normal draws but for rows `a` and `b`, which get the values given (a large column takes the partitioned check). */
  const withPair = (seed: number, a: number, b: number, valueA: number | null, valueB: number | null): Float64Array => {
    const values = column(seed, n, (random) => random.nextNormal());
    values[a] = valueA ?? values[b]!;
    if (valueB !== null) values[b] = valueB;
    return values;
  };
  const declined: Array<[string, Float64Array]> = [
    ['a constant', new Float64Array(100).fill(4)],
    ['one tied pair among 50,000 values', withPair(6, n - 1, 17, null, null)],
    ['−0 and 0 among 50,000 values', withPair(7, 3, n - 2, -0, 0)],
    ['one present value', Float64Array.from([1, Number.NaN, Number.NaN])],
    ['ties', column(5, n, (random) => Math.round(random.nextNormal() * 10))],
    ['−0 tied with 0', Float64Array.from([0, -0, 1, 2])],
    ['a value near overflow', Float64Array.from([1e200, 1, 2, 3])],
  ];

  it('prepares every accepted column bit for bit as prepareContinuous, several columns per call', async () => {
    const seeds = accepted.map((_, index) => 1000 + index * 7919);
    const lengths = new Set(accepted.map(([, values]) => values.length));
    for (const length of lengths) {
      const indexes = accepted.map((_, index) => index).filter((index) => accepted[index]![1].length === length);
      const prepared = await prepareContinuousNatively(
        indexes.map((index) => accepted[index]![1]),
        indexes.map((index) => seeds[index]!),
      );
      indexes.forEach((index, position) => {
        const reference = prepareContinuous(accepted[index]![1], seeds[index]!);
        expect(reference.tiedRows, accepted[index]![0]).toBe(0);
        expect(prepared[position], accepted[index]![0]).not.toBeNull();
        expect(firstDifference(prepared[position]!, reference.values), accepted[index]![0]).toBe(-1);
      });
    }
  });

  it.each(declined)('declines %s', async (_, values) => {
    expect(await prepareContinuousNatively([values], [42])).toEqual([null]);
  });

  it('returns nothing for no columns', async () => {
    expect(await prepareContinuousNatively([], [])).toEqual([]);
  });
});
