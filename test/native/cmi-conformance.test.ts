// Conformance of the conditional-MI kernel (frenzelPompeCounts): the TypeScript reference against an
// O(n²) brute-force oracle of the definition, then every native backend available here against the
// reference on the inputs that break neighbour searches: ties, exact duplicate points (eps = 0),
// discrete codes, n just above k, one to four conditioning columns, many features in one call.
// Counts must match exactly; the digamma means the addon adds within 1e-12 (std::log against V8's log).
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../main/compute/index.js';
import type { BackendName, FrenzelPompeCounts } from '../../main/compute/kernels.js';
import { meanDigammaOfCounts } from '../../main/mi/digamma.js';
import { gaussian, randomInt, seededRandom } from './random.js';

const reference = getReferenceBackend();
const statuses = await listBackends();
const nativeAvailable = statuses.filter((status) => status.name !== 'typescript' && status.available).map((status) => status.name);

/** The definition, point by point: k-th Chebyshev distance in (x, y, z), strict counts of other points. */
function bruteForce(target: Float64Array, given: readonly Float64Array[], feature: Float64Array, k: number): FrenzelPompeCounts {
  const n = target.length;
  const countXZ = new Int32Array(n),
    countYZ = new Int32Array(n),
    countZ = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const zDistance = (j: number) => Math.max(...given.map((column) => Math.abs(column[j]! - column[i]!)));
    const distances: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j !== i) distances.push(Math.max(Math.abs(feature[j]! - feature[i]!), Math.abs(target[j]! - target[i]!), zDistance(j)));
    }
    distances.sort((a, b) => a - b);
    const eps = distances[k - 1]!;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dz = zDistance(j);
      if (dz < eps) {
        countZ[i]!++;
        if (Math.abs(feature[j]! - feature[i]!) < eps) countXZ[i]!++;
        if (Math.abs(target[j]! - target[i]!) < eps) countYZ[i]!++;
      }
    }
  }
  return { countXZ, countYZ, countZ };
}

interface Case {
  label: string;
  target: Float64Array;
  given: Float64Array[];
  features: Float64Array[];
  k: number;
}

function column(n: number, value: (i: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => value(i));
}

function cases(): Case[] {
  const random = seededRandom(2007);
  const normal = (n: number) => column(n, () => gaussian(random));
  const list: Case[] = [];
  for (const n of [2, 3, 5, 17, 64, 300]) {
    const z = normal(n);
    const y = column(n, (i) => z[i]! + 0.5 * gaussian(random));
    const x = column(n, (i) => 0.7 * z[i]! + 0.6 * gaussian(random));
    for (const k of [1, 3, 5]) {
      if (k <= n - 1) list.push({ label: `Gaussian n=${n} k=${k}`, target: y, given: [z], features: [x, normal(n)], k });
    }
  }
  // Heavy ties (small integers), exact duplicate points (eps = 0 at k = 1, 2), discrete codes beside a
  // continuous column.
  const n = 400;
  const tiedZ = column(n, () => randomInt(random, 0, 4));
  const tiedY = column(n, (i) => tiedZ[i]! + randomInt(random, 0, 2));
  const tiedX = column(n, () => randomInt(random, -2, 2));
  list.push({ label: 'integer ties', target: tiedY, given: [tiedZ], features: [tiedX, normal(n)], k: 3 });
  const duplicates = column(n, (i) => Math.floor(i / 4));
  list.push({ label: 'duplicate points, k = 2', target: duplicates, given: [duplicates], features: [duplicates, normal(n)], k: 2 });
  list.push({
    label: 'all duplicates, k = 5',
    target: new Float64Array(40),
    given: [new Float64Array(40)],
    features: [new Float64Array(40)],
    k: 5,
  });
  list.push({
    label: 'discrete parts',
    target: normal(n),
    given: [tiedZ],
    features: [column(n, () => randomInt(random, 0, 1)), normal(n)],
    k: 3,
  });
  // Multi-column Z, and more features than threads in one call.
  const wideGiven = [normal(n), normal(n), normal(n), tiedZ];
  for (const dimensions of [2, 3, 4]) {
    list.push({
      label: `${dimensions}-D given`,
      target: normal(n),
      given: wideGiven.slice(0, dimensions),
      features: [normal(n), tiedX],
      k: 4,
    });
  }
  const m = 2000;
  const bigZ = normal(m);
  list.push({
    label: '24 features, n = 2000',
    target: column(m, (i) => bigZ[i]! + gaussian(random)),
    given: [bigZ],
    features: Array.from({ length: 24 }, (_, f) => column(m, (i) => (f % 3) * bigZ[i]! + gaussian(random))),
    k: 3,
  });
  return list;
}

const countsOnly = (results: FrenzelPompeCounts[]) => results.map(({ countXZ, countYZ, countZ }) => ({ countXZ, countYZ, countZ }));

describe('frenzelPompeCounts reference', () => {
  it('equals the O(n²) definition on every small case', async () => {
    for (const testCase of cases().filter((entry) => entry.target.length <= 400)) {
      const counts = await reference.frenzelPompeCounts(testCase.target, testCase.given, testCase.features, testCase.k);
      testCase.features.forEach((feature, f) => {
        expect(countsOnly([counts[f]!])[0], testCase.label).toEqual(bruteForce(testCase.target, testCase.given, feature, testCase.k));
      });
    }
  });

  it('rejects bad arguments with messages that name them', async () => {
    const values = Float64Array.from([1, 2, 3]);
    await expect(reference.frenzelPompeCounts(values, [], [values], 1)).rejects.toThrow(/given/);
    await expect(reference.frenzelPompeCounts(values, [Float64Array.from([1, 2])], [values], 1)).rejects.toThrow(/given\[0\]/);
    await expect(reference.frenzelPompeCounts(values, [values], [values], 3)).rejects.toThrow(/k/);
    await expect(reference.frenzelPompeCounts(values, [Float64Array.from([1, Number.NaN, 3])], [values], 1)).rejects.toThrow(
      /given\[0\]\[1\]/,
    );
    await expect(
      reference.frenzelPompeCounts(
        values,
        Array.from({ length: 5 }, () => values),
        [values],
        1,
      ),
    ).rejects.toThrow(/given/);
  });
});

const variants: Array<{ label: string; backend: BackendName }> = nativeAvailable.map((name) => ({ label: name, backend: name }));

describe.skipIf(variants.length === 0).each(variants)('frenzelPompeCounts on the $label backend', ({ backend: name }) => {
  it('matches the reference exactly on every case, with the digamma means beside the counts', async () => {
    const backend = await getBackend(name);
    for (const testCase of cases()) {
      const expected = await reference.frenzelPompeCounts(testCase.target, testCase.given, testCase.features, testCase.k);
      const actual = await backend.frenzelPompeCounts(testCase.target, testCase.given, testCase.features, testCase.k);
      expect(countsOnly(actual), testCase.label).toEqual(countsOnly(expected));
      for (const result of actual) {
        for (const [mean, counts] of [
          [result.meanDigammaXZ, result.countXZ],
          [result.meanDigammaYZ, result.countYZ],
          [result.meanDigammaZ, result.countZ],
        ] as const) {
          expect(mean).toBeDefined();
          expect(Math.abs(mean! - meanDigammaOfCounts(counts, 1))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean!)));
        }
      }
    }
  });

  it('matches the reference on 20,000 points (trees of many levels)', async () => {
    const backend = await getBackend(name);
    const random = seededRandom(99);
    const n = 20_000;
    const z = Float64Array.from({ length: n }, () => gaussian(random));
    const y = Float64Array.from(z, (value) => value + gaussian(random));
    const x = Float64Array.from(z, (value) => value * value + 0.3 * gaussian(random));
    expect(countsOnly(await backend.frenzelPompeCounts(y, [z], [x], 3))).toEqual(
      countsOnly(await reference.frenzelPompeCounts(y, [z], [x], 3)),
    );
  });

  // One given column takes the 3-D grid when no column has a run of more than 32 equal values (the
  // kd-tree otherwise): ties that keep the runs short, so that the grid's pruning meets equal values,
  // equal distances and eps = 0, beside a feature with long runs (the tree) in the same call.
  it('matches the reference on the grid path: rounded, integer, lattice and duplicated values, k from 1 to 7', async () => {
    const backend = await getBackend(name);
    const random = seededRandom(314);
    const n = 3000;
    const normal = () => Float64Array.from({ length: n }, () => gaussian(random));
    const round = (values: Float64Array, step: number) => values.map((value) => Math.round(value / step) * step);
    const z = normal();
    const y = Float64Array.from(z, (value) => 0.8 * value + 0.6 * gaussian(random));
    const x = Float64Array.from(z, (value) => 0.5 * value + gaussian(random));
    const lattice = () => Float64Array.from({ length: n }, () => randomInt(random, 0, 200)); // integer distances tie everywhere
    const tripled = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 3) * 0.37); // every point three times
    const shapes: Array<{ label: string; target: Float64Array; given: Float64Array; features: Float64Array[] }> = [
      { label: 'tie-free', target: y, given: z, features: [x, normal()] },
      { label: 'rounded to 2 decimals', target: round(y, 0.01), given: round(z, 0.01), features: [round(x, 0.01), round(normal(), 0.01)] },
      {
        label: '4 significant digits',
        target: y.map((v) => Number(v.toPrecision(4))),
        given: z,
        features: [x.map((v) => Number(v.toPrecision(4)))],
      },
      {
        label: 'integers round(30x)',
        target: round(y, 1 / 30).map((v) => Math.round(v * 30)),
        given: z.map((v) => Math.round(30 * v)),
        features: [x.map((v) => Math.round(30 * v))],
      },
      { label: 'integer lattice', target: lattice(), given: lattice(), features: [lattice(), lattice()] },
      { label: 'duplicate points', target: tripled, given: tripled, features: [tripled, Float64Array.from(tripled, (v) => -v)] },
      {
        label: 'duplicates and a long tie run (tree) in one call',
        target: tripled,
        given: z,
        features: [tripled, Float64Array.from({ length: n }, () => randomInt(random, 0, 3))],
      },
    ];
    for (const shape of shapes) {
      for (const k of [1, 2, 3, 5, 7]) {
        const expected = await reference.frenzelPompeCounts(shape.target, [shape.given], shape.features, k);
        const actual = await backend.frenzelPompeCounts(shape.target, [shape.given], shape.features, k);
        expect(countsOnly(actual), `${shape.label}, k = ${k}`).toEqual(countsOnly(expected));
      }
    }
  });

  it('returns nothing for no features, and rejects NaN, k ≥ n and too many given columns', async () => {
    const backend = await getBackend(name);
    const values = Float64Array.from([1, 2, 3]);
    expect(await backend.frenzelPompeCounts(values, [values], [], 7)).toEqual([]);
    await expect(backend.frenzelPompeCounts(values, [values], [values], 3)).rejects.toThrow(/k/);
    await expect(backend.frenzelPompeCounts(values, [Float64Array.from([1, Number.NaN, 3])], [values], 1)).rejects.toThrow(
      /given\[0\]\[1\]/,
    );
    await expect(backend.frenzelPompeCounts(values, [values], [Float64Array.from([1, 2, Infinity])], 1)).rejects.toThrow(
      /features\[0\]\[2\]/,
    );
    await expect(
      backend.frenzelPompeCounts(
        values,
        Array.from({ length: 5 }, () => values),
        [values],
        1,
      ),
    ).rejects.toThrow(/given/);
  });
});
