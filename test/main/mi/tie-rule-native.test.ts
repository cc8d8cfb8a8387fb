// The native tie rule (native/cpu/tie_rule.cc) against prepareContinuous, the TypeScript oracle:
// bit-identical values, tiedRows and rankFallback for every non-constant column (tie-free and tied of
// every kind: a few collisions, 9 and 4 significant digits, small integers, a handful of distinct
// values, −0 beside 0, missing rows and infinities, values near overflow, bands too narrow for float64
// that take the dense-rank fallback), several columns per call, and a decline (null) for constant
// columns. Then the whole engine on tied tables, on every backend (cpu, cpu with MILENS_CPU_SIMD=off,
// typescript), against KSG / Ross computed by the reference backend on the oracle's prepared columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend } from '../../../main/compute/index.js';
import type { ComputeBackend } from '../../../main/compute/kernels.js';
import { loadAddon } from '../../../main/compute/native.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { ksgMutualInformation, rossMutualInformation } from '../../../main/mi/knn-estimators.js';
import { deriveSeed, SeededRandom } from '../../../main/mi/random.js';
import { prepareContinuous, prepareContinuousNatively } from '../../../main/mi/tie-rule.js';
import { codesOfNumbers } from '../../../main/mi/variables.js';
import { numericColumn, tableOf } from './helpers.js';
import { backendVariants } from '../../helpers/backend-variants.js';

const addonLoaded = !('error' in loadAddon());

function column(seed: number, n: number, make: (random: SeededRandom, i: number) => number): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => make(random, i));
}

/** Rounded to `digits` significant digits, as numpy's `%.{digits}g` writes it and Number() reads it back. */
function significant(value: number, digits: number): number {
  return Number(value.toPrecision(digits));
}

/** Equal as bit patterns, −0 and NaN included; reports the first differing index. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const n = 50_000;
/** Distinct normal draws but for rows `a` and `b`, which get the values given (a large column takes the partitioned check). */
const withPair = (seed: number, a: number, b: number, valueA: number | null, valueB: number | null): Float64Array => {
  const values = column(seed, n, (random) => random.nextNormal());
  values[a] = valueA ?? values[b]!;
  if (valueB !== null) values[b] = valueB;
  return values;
};

const tieFree: Array<[string, Float64Array]> = [
  ['standard normal', column(1, n, (random) => random.nextNormal())],
  [
    'tiny scale with missing rows and infinities',
    column(2, n, (random, i) => (i % 37 === 0 ? Number.NaN : i % 101 === 0 ? -Infinity : 1e-150 * random.nextFloat())),
  ],
  ['large offset', column(3, n, (random) => 1e3 + random.nextFloat())],
  ['huge but below the rescaling threshold', column(4, n, (random) => 1e140 * random.nextNormal())],
  ['two rows', Float64Array.from([0, -0.5])],
  ['−0 beside positives', Float64Array.from({ length: 100 }, (_, i) => (i === 0 ? -0 : i))],
  ['values near overflow, no ties', column(8, n, (random) => 1e300 * random.nextNormal())],
];

const tied: Array<[string, Float64Array]> = [
  ['one tied pair among 50,000 values', withPair(6, n - 1, 17, null, null)],
  ['−0 and 0 among 50,000 values', withPair(7, 3, n - 2, -0, 0)],
  ['−0 tied with 0', Float64Array.from([0, -0, 1, 2])],
  ['9 significant digits (a few collisions)', column(9, n, (random) => significant(random.nextNormal(), 9))],
  ['6 significant digits', column(10, n, (random) => significant(3 + random.nextNormal(), 6))],
  ['4 significant digits (heavy rounding)', column(11, n, (random) => significant(random.nextNormal(), 4))],
  ['prices with two decimals', column(12, n, (random) => Math.round(100 * Math.exp(2 + random.nextNormal())) / 100)],
  ['integer counts', column(13, n, (random) => Math.floor(-Math.log(1 - random.nextFloat()) * 40))],
  ['small integers', column(14, n, (random) => Math.round(random.nextNormal() * 10))],
  ['a handful of distinct values', column(15, n, (random) => [0.5, 1, 2, 4, 8][random.nextInt(5)]!)],
  ['two values', column(16, n, (random) => (random.nextFloat() < 0.01 ? 1 : 0))],
  [
    'ties with missing rows, infinities and −0',
    column(17, n, (random, i) =>
      i % 29 === 0 ? Number.NaN : i % 97 === 0 ? Infinity : i % 13 === 0 ? -0 : significant(random.nextNormal(), 3),
    ),
  ],
  ['ties near overflow (the rescaling branch)', column(18, n, (random) => 1e300 * Math.round(random.nextNormal() * 5))],
  ['ties whose sum overflows', column(19, 2000, (random) => (random.nextFloat() < 0.5 ? 1.7e308 : 1.6e308))],
  ['one huge value among ties', Float64Array.from({ length: 1000 }, (_, i) => (i === 0 ? 1e200 : i % 3))],
  // Bands too narrow for float64: 1e6 + a few ulps, each tied many times (dense ranks, then spread).
  ['bands too narrow (dense-rank fallback)', column(20, n, (random) => 1e6 + random.nextInt(4) * 2.3283064365386963e-10)],
  [
    'narrow bands beside wide ones',
    column(21, n, (random) => (random.nextFloat() < 0.5 ? 1 + random.nextInt(3) * 1e-15 : random.nextInt(50))),
  ],
];

const constants: Array<[string, Float64Array]> = [
  ['a constant', new Float64Array(100).fill(4)],
  ['one present value', Float64Array.from([1, Number.NaN, Number.NaN])],
  ['nothing present', Float64Array.from([Number.NaN, Infinity])],
];

describe.skipIf(!addonLoaded)('native tie rule', () => {
  it('the oracle really exercises ties and the dense-rank fallback', () => {
    for (const [name, values] of tied) expect(prepareContinuous(values, 5).tiedRows, name).toBeGreaterThan(0);
    expect(prepareContinuous(tied.find(([name]) => name.startsWith('bands too narrow'))![1], 5).rankFallback).toBe(true);
    for (const [name, values] of tieFree) expect(prepareContinuous(values, 5).tiedRows, name).toBe(0);
  });

  it('prepares every column bit for bit as prepareContinuous, tied or not, several columns per call', async () => {
    const all = [...tieFree, ...tied];
    const seeds = all.map((_, index) => 1000 + index * 7919);
    const lengths = new Set(all.map(([, values]) => values.length));
    for (const length of lengths) {
      const indexes = all.map((_, index) => index).filter((index) => all[index]![1].length === length);
      const prepared = await prepareContinuousNatively(
        indexes.map((index) => all[index]![1]),
        indexes.map((index) => seeds[index]!),
      );
      indexes.forEach((index, position) => {
        const [name, values] = all[index]!;
        const reference = prepareContinuous(values, seeds[index]!);
        const native = prepared[position];
        expect(native, name).not.toBeNull();
        expect(native!.tiedRows, name).toBe(reference.tiedRows);
        expect(native!.rankFallback, name).toBe(reference.rankFallback);
        expect(firstDifference(native!.values, reference.values), name).toBe(-1);
      });
    }
  });

  it('agrees with the oracle on random tied columns of random shapes and seeds', async () => {
    const random = new SeededRandom(99);
    for (let trial = 0; trial < 60; trial++) {
      const length = 2 + random.nextInt(trial < 30 ? 60 : 5000);
      const kind = trial % 6;
      const values = column(trial, length, (r, i) => {
        if (r.nextFloat() < 0.05) return Number.NaN;
        const x = r.nextNormal();
        if (kind === 0) return Math.round(x * 3);
        if (kind === 1) return significant(x, 1 + (i % 4));
        if (kind === 2) return r.nextInt(3) === 0 ? -0 : significant(x, 2);
        if (kind === 3) return 1 + r.nextInt(5) * 1e-14; // bands too narrow
        if (kind === 4) return r.nextInt(2) * 1e250 + significant(x, 3) * 1e249;
        return x;
      });
      const seed = random.nextUint32();
      const reference = prepareContinuous(values, seed);
      const [native] = await prepareContinuousNatively([values], [seed]);
      if (reference.constant) {
        expect(native, `trial ${trial}`).toBeNull();
        continue;
      }
      expect(native!.tiedRows, `trial ${trial}`).toBe(reference.tiedRows);
      expect(native!.rankFallback, `trial ${trial}`).toBe(reference.rankFallback);
      expect(firstDifference(native!.values, reference.values), `trial ${trial}`).toBe(-1);
    }
  });

  // A few collisions (at most 1,024 distinct tied values and n / 64 repeated rows) take a path of their own
  // (tie_rule.cc: spread_few_ties, no sort of the column): each tied value's neighbours are found in one
  // pass, so the cases below put them where that pass could get them wrong, and on both sides of each
  // limit.
  /** Distinct normal draws but for the rows given, which get the values given (rows listed with one value tie). */
  const normalsWith = (seed: number, length: number, values: Array<[number[], number]>) => {
    const drawn = column(seed, length, (random) => random.nextNormal());
    for (const [rows, value] of values) for (const row of rows) drawn[row] = value;
    return drawn;
  };
  const fewTied: Array<[string, Float64Array]> = [
    [
      'the smallest and the largest value tied (one neighbour each)',
      (() => {
        const sorted = normalsWith(31, 5000, []).sort();
        return normalsWith(31, 5000, [
          [[10, 20], sorted[0]!],
          [[30, 40, 50], sorted[4999]!],
        ]);
      })(),
    ],
    [
      'two tied values next to each other (each the other one’s nearest neighbour)',
      normalsWith(32, 5000, [
        [[1, 2], 0.25],
        [[3, 4], 0.25 + 1e-9],
      ]),
    ],
    [
      '−0 and +0 tied, missing rows around',
      column(33, 5000, (random, i) => (i % 11 === 0 ? Number.NaN : i % 500 === 0 ? (i % 1000 === 0 ? -0 : 0) : random.nextNormal())),
    ],
    ['every row tied, three values (sorted instead: most rows repeat)', column(34, 3000, (random) => [1, 2, 4][random.nextInt(3)]!)],
    // 20,000 rows: 312 repeated rows at most. One value 313 times repeats 312 rows, 314 times 313.
    ['312 repeated rows', column(39, 20_000, (random, i) => (i < 313 ? 0.125 : random.nextNormal()))],
    ['313 repeated rows (sorted instead)', column(40, 20_000, (random, i) => (i < 314 ? 0.125 : random.nextNormal()))],
    [
      'a tie among values near overflow (rescaled first)',
      (() => {
        const values = column(35, 2000, (random) => 1e300 * random.nextNormal());
        values[7] = values[8];
        return values;
      })(),
    ],
    // 80,000 rows: 1,250 repeated rows at most, so the limit on distinct tied values is the one reached.
    ['1,024 distinct tied values', column(36, 80_000, (random, i) => (i < 2048 ? Math.floor(i / 2) + 0.5 : 2000 + random.nextNormal()))],
    [
      '1,025 distinct tied values (sorted instead)',
      column(37, 80_000, (random, i) => (i < 2050 ? Math.floor(i / 2) + 0.5 : 2000 + random.nextNormal())),
    ],
    [
      'a band too narrow among few tied values (dense ranks)',
      normalsWith(38, 4000, [
        [[0, 1], 7],
        [[2, 3], 7 + 2e-15],
      ]),
    ],
  ];

  it.each(fewTied)('few tied values: %s, bit for bit as prepareContinuous', async (_, values) => {
    const reference = prepareContinuous(values, 77);
    expect(reference.tiedRows).toBeGreaterThan(0);
    const [native] = await prepareContinuousNatively([values], [77]);
    expect(native!.tiedRows).toBe(reference.tiedRows);
    expect(native!.rankFallback).toBe(reference.rankFallback);
    expect(firstDifference(native!.values, reference.values)).toBe(-1);
  });

  it.each(constants)('declines %s', async (_, values) => {
    expect(prepareContinuous(values, 42).constant).toBe(true);
    expect(await prepareContinuousNatively([values], [42])).toEqual([null]);
  });

  it('returns nothing for no columns', async () => {
    expect(await prepareContinuousNatively([], [])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The engine on tied tables, every backend.

const variants = await backendVariants();

function tiedTable(rows: number, seed: number) {
  const random = new SeededRandom(seed);
  const latent = Float64Array.from({ length: rows }, () => random.nextNormal());
  const y = latent.map((x) => significant(x + 0.5 * random.nextNormal(), 4));
  return tableOf([
    numericColumn('y', y),
    numericColumn(
      'digits9',
      latent.map((x) => significant(x, 9)),
    ),
    numericColumn(
      'digits4',
      latent.map((x) => significant(x + 0.3 * random.nextNormal(), 4)),
    ),
    numericColumn(
      'integers',
      latent.map((x) => Math.round(40 * x + 20 * random.nextNormal())),
    ),
    numericColumn(
      'narrow',
      latent.map((x) => 1e6 + (x > 0 ? 2.3283064365386963e-10 : 0)),
    ),
    numericColumn(
      'counts',
      latent.map((x) => Math.floor(Math.exp(x + 2))),
    ),
    numericColumn(
      'missing',
      latent.map((x, i) => (i % 17 === 0 ? Number.NaN : significant(x, 3))),
    ),
  ]);
}

describe.each(variants)('the engine on tied data, $label backend', (variant) => {
  let backend: ComputeBackend;
  beforeAll(async () => {
    Object.assign(process.env, variant.env ?? {});
    backend = await getBackend(variant.backend);
  });
  afterAll(() => {
    for (const key of Object.keys(variant.env ?? {})) delete process.env[key];
  });

  it('gives the MI the reference computes on the TypeScript tie rule, bit for bit', async () => {
    const table = tiedTable(4000, 3);
    const seed = 11;
    const report = await estimateMutualInformation(backend, table, 'y', { seed, continuous: ['narrow'] });
    const reference = getReferenceBackend();
    const y = table.columns[0]!.type === 'numeric' ? table.columns[0]!.values : new Float64Array();
    const preparedY = prepareContinuous(y, deriveSeed(seed, 'y')).values;
    for (const result of report.features) {
      const raw = table.columns.find((c) => c.name === result.name)!;
      if (raw.type !== 'numeric') throw new Error('numeric columns only');
      const rows = Array.from(raw.values.keys()).filter((i) => Number.isFinite(raw.values[i]!) && Number.isFinite(y[i]!));
      let expected: number;
      if (result.kind === 'continuous') {
        const prepared = prepareContinuous(raw.values, deriveSeed(seed, result.name)).values;
        const pick = (values: Float64Array) => Float64Array.from(rows, (i) => values[i]!);
        [expected] = (await ksgMutualInformation(reference, pick(preparedY), [pick(prepared)], 3)) as [number];
      } else {
        const codes = codesOfNumbers(Float64Array.from(rows, (i) => raw.values[i]!)).codes;
        [expected] = (await rossMutualInformation(reference, codes, [Float64Array.from(rows, (i) => preparedY[i]!)], 3)) as [number];
      }
      expect(result.mi, result.name).toBe(Math.max(0, expected));
    }
    expect(report.features.find((f) => f.name === 'narrow')!.warnings.join()).toMatch(/dense ranks/);
  });
});
