// The tie rule: how milens turns a continuous column into the input of the k-nearest-neighbour
// estimators (KSG, Ross, Frenzel–Pompe), which assume that no two values coincide.
//
// 1. Scale by the standard deviation without centring, as scikit-learn does (the Chebyshev metric
//    compares x and y distances, so both need the same scale). A column with zero spread is constant:
//    its MI is 0 and the caller warns.
// 2. Spread exact ties. Every value that occurs m ≥ 2 times is replaced, at each of its rows, by
//    v + U(−g/4, g/4), where g is the gap from v to the nearest other distinct value and U is seeded,
//    independent uniform noise. The bands stay disjoint and in the original order, so the original
//    value is a function of the spread value, and the noise is independent of everything else; hence
//    I(X + U; Y) = I(X; Y) exactly: the rule cannot create or destroy dependence, it only hands the
//    estimator a sample without ties. scikit-learn instead adds noise of 1e-10 × scale to every value;
//    in a block of 10^5 tied values that noise is only a few ulps apart, float64 rounding re-creates
//    ties in the distances, the strict neighbour counts collapse, and the estimate climbs with n
//    (scikit-learn issue #30772). Sizing the spread to the data's own gaps avoids that.
// 3. If a band is too narrow to hold its values at float64 resolution (a gap below ~1e-9 of the value
//    with 10^6 tied rows), the column is first replaced by the dense rank of its distinct values (a
//    strictly monotone map, which MI is invariant to) and step 2 runs on the ranks.
// 4. Finally add noise of scikit-learn's scale, 1e-10 · max(1, mean|x|) · U(−1, 1), which only breaks
//    exact ties between distances in lattice-like data (e.g. integer ids). scikit-learn draws it from a
//    normal law; any continuous law breaks those ties alike, and a uniform draw costs a tenth as much.
// All randomness comes from the seed, so the same seed gives the same answer on every run.
//
// The native addon runs this rule for many columns at once on its threads, tied columns included,
// bit-identical to prepareContinuous (native/cpu/tie_rule.cc, which also ports the generator); this
// TypeScript stays the reference and the fallback where the addon is not built.
import { loadAddon } from '../compute/native.js';
import { SeededRandom } from './random.js';

export interface PreparedContinuous {
  /** The estimator's input; NaN where the value is missing (or not finite). */
  values: Float64Array;
  constant: boolean;
  /** Rows whose value was tied with another row's before spreading. */
  tiedRows: number;
  /** True when the dense-rank fallback of step 3 was used. */
  rankFallback: boolean;
}

/** Relative float64 resolution a band must leave between neighbouring spread values. */
const MIN_RELATIVE_SPACING = 1024 * Number.EPSILON;

export function prepareContinuous(raw: ArrayLike<number>, seed: number): PreparedContinuous {
  const n = raw.length;
  const values = new Float64Array(n);
  let present = 0,
    sum = 0,
    minimum = Infinity,
    maximum = -Infinity;
  for (let i = 0; i < n; i++) {
    const value = raw[i]!;
    if (value - value !== 0) {
      values[i] = Number.NaN; // missing, or ±Infinity, which no distance can use
      continue;
    }
    values[i] = value;
    present++;
    sum += value;
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  if (present < 2 || minimum === maximum) return { values, constant: true, tiedRows: 0, rankFallback: false };
  const magnitude = Math.max(Math.abs(minimum), Math.abs(maximum));
  if (magnitude > 1e150 || !Number.isFinite(sum)) {
    // Squares would overflow: bring the values near 1 first (a positive scale changes no MI).
    sum = 0;
    for (let i = 0; i < n; i++) {
      if (values[i] !== values[i]) continue;
      values[i] = values[i]! / magnitude;
      sum += values[i]!;
    }
  }
  const mean = sum / present;
  let variance = 0;
  for (let i = 0; i < n; i++) if (values[i] === values[i]) variance += (values[i]! - mean) ** 2;
  const deviation = Math.sqrt(variance / present);
  for (let i = 0; i < n; i++) values[i] = values[i]! / deviation;

  const random = new SeededRandom(seed);
  // Most continuous columns have no ties: a hash pass (O(n)) proves it without sorting.
  if (!hasDuplicateValues(values)) {
    addDistanceTieNoise(values, present, random);
    return { values, constant: false, tiedRows: 0, rankFallback: false };
  }
  const sorted = presentSorted(values, present);
  const firstTry = spreadTies(values, sorted, random, false);
  let tiedRows = firstTry.tiedRows;
  const rankFallback = !firstTry.representable;
  if (rankFallback) {
    toDenseRanks(values, sorted);
    rescaleToUnitDeviation(values);
    tiedRows = spreadTies(values, presentSorted(values, present), random, true).tiedRows;
  }
  addDistanceTieNoise(values, present, random);
  return { values, constant: false, tiedRows, rankFallback };
}

/**
 * prepareContinuous(columns[c], seeds[c]) for every non-constant column, computed by the native addon on
 * its threads; null for constant columns and for every column when the addon is not available. All
 * columns must have the same length. `into`, when its length is columns × rows, is written over and the
 * values are views into it (its previous contents are gone).
 */
export async function prepareContinuousNatively(
  columns: Float64Array[],
  seeds: number[],
  into?: Float64Array,
): Promise<Array<PreparedContinuous | null>> {
  const loaded = loadAddon();
  if ('error' in loaded || typeof loaded.addon.prepareContinuous !== 'function' || columns.length === 0) return columns.map(() => null);
  const reuse = into !== undefined && into.length === columns.length * columns[0]!.length ? into : undefined;
  const prepared = await (reuse
    ? loaded.addon.prepareContinuous(columns, Uint32Array.from(seeds), reuse)
    : loaded.addon.prepareContinuous(columns, Uint32Array.from(seeds)));
  return prepared.map((column) => (column ? { ...column, constant: false } : null));
}

/** True when two present (non-NaN) values are equal; open addressing on the float64 bit patterns. */
export function hasDuplicateValues(values: Float64Array): boolean {
  let capacity = 16;
  while (capacity < 2 * values.length) capacity *= 2;
  const slots = new Float64Array(capacity).fill(Number.NaN);
  const scratch = new Float64Array(1);
  const bits = new Uint32Array(scratch.buffer);
  const mask = capacity - 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]! === 0 ? 0 : values[i]!; // −0 and +0 are the same value
    if (value !== value) continue;
    scratch[0] = value;
    let slot = (Math.imul(bits[0]! ^ Math.imul(bits[1]!, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
    for (;;) {
      const occupant = slots[slot]!;
      if (occupant !== occupant) {
        slots[slot] = value;
        break;
      }
      if (occupant === value) return true;
      slot = (slot + 1) & mask;
    }
  }
  return false;
}

function presentSorted(values: Float64Array, present: number): Float64Array {
  const sorted = new Float64Array(present);
  let at = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) sorted[at++] = values[i]!;
  return sorted.sort();
}

/** Index of the first element ≥ value in a sorted array. */
export function lowerBound(sorted: Float64Array, value: number, from = 0, to = sorted.length): number {
  while (from < to) {
    const middle = (from + to) >>> 1;
    if (sorted[middle]! < value) from = middle + 1;
    else to = middle;
  }
  return from;
}

function spreadTies(
  values: Float64Array,
  sorted: Float64Array,
  random: SeededRandom,
  force: boolean,
): { tiedRows: number; representable: boolean } {
  let hasTies = false;
  for (let i = 1; i < sorted.length && !hasTies; i++) if (sorted[i] === sorted[i - 1]) hasTies = true;
  if (!hasTies) return { tiedRows: 0, representable: true };
  // Check every tied block first, so that a failing block leaves the values untouched.
  for (let start = 0; start < sorted.length;) {
    let end = start + 1;
    while (end < sorted.length && sorted[end] === sorted[start]) end++;
    if (end - start > 1 && !force) {
      const halfWidth = bandHalfWidth(sorted, start, end);
      const spacing = (2 * halfWidth) / (end - start);
      if (!(spacing > MIN_RELATIVE_SPACING * (Math.abs(sorted[start]!) + halfWidth))) return { tiedRows: 0, representable: false };
    }
    start = end;
  }
  let tiedRows = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value !== value) continue;
    const start = lowerBound(sorted, value);
    const end = upperBound(sorted, value, start + 1);
    if (end - start < 2) continue;
    tiedRows++;
    values[i] = value + bandHalfWidth(sorted, start, end) * (2 * random.nextFloat() - 1);
  }
  return { tiedRows, representable: true };
}

function upperBound(sorted: Float64Array, value: number, from: number): number {
  let to = sorted.length;
  while (from < to) {
    const middle = (from + to) >>> 1;
    if (sorted[middle]! <= value) from = middle + 1;
    else to = middle;
  }
  return from;
}

/** A quarter of the gap from the block sorted[start, end) to the nearest other distinct value. */
function bandHalfWidth(sorted: Float64Array, start: number, end: number): number {
  const value = sorted[start]!;
  const below = start > 0 ? value - sorted[start - 1]! : Infinity;
  const above = end < sorted.length ? sorted[end]! - value : Infinity;
  return Math.min(below, above) / 4;
}

function toDenseRanks(values: Float64Array, sorted: Float64Array): void {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  const table = Float64Array.from(distinct);
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) values[i] = lowerBound(table, values[i]!);
}

function rescaleToUnitDeviation(values: Float64Array): void {
  let count = 0,
    mean = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== values[i]) continue;
    count++;
    mean += values[i]!;
  }
  mean /= count;
  let variance = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) variance += (values[i]! - mean) ** 2;
  const deviation = Math.sqrt(variance / count) || 1;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! / deviation;
}

function addDistanceTieNoise(values: Float64Array, present: number, random: SeededRandom): void {
  let meanAbsolute = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) meanAbsolute += Math.abs(values[i]!);
  const amplitude = 1e-10 * Math.max(1, meanAbsolute / present);
  for (let i = 0; i < values.length; i++) {
    if (values[i] === values[i]) values[i] = values[i]! + amplitude * (2 * random.nextFloat() - 1);
  }
}
