// Reference correlation measures reported beside MI: Pearson's r, Spearman's ρ (Pearson of average
// ranks) and the distance correlation of Székely, Rizzo & Bakirov (2007), the V-statistic form, computed
// for one-dimensional columns in O(n log n) after Huo & Székely (2016): the double sum Σ|xi−xj||yi−yj|
// is accumulated in x order by a merge sort on y. The native kernel (native/cpu/correlation.cc) ports
// this file line by line, summing in the same order, and must return bit-identical values.
// main/mi/correlation.ts re-exports these functions for the estimators that work on picked rows.
//
// Every column is first multiplied by a power of two that brings its largest |value| into [1, 4)
// (unitScale): sums of values and of squares then never overflow, even at 1.7e308, nor lose tiny
// columns to underflow. Multiplying by a power of two is exact and every later step is scale-free in
// floating point (sums, products, quotients and square roots of scaled numbers are the scaled results),
// so on ordinary data the measures are bit for bit those of the unscaled formulas.
import type { CorrelationMeasures } from '../kernels.js';

const scaleBits = new Float64Array(1);
const scaleWords = new Uint32Array(scaleBits.buffer);
/** The high 32-bit word of a float64 (little-endian layout, as on every platform Node runs on). */
const HIGH_WORD = 1;

/**
 * The power of two 2^k that brings max |value| into [1, 4): k = 1023 − (biased exponent of the maximum),
 * kept within [−1022, 1023] so that 2^k is a normal number (a subnormal maximum is scaled by 2^1023, a
 * maximum ≥ 2^1023 lands in [2, 4)). 1 for an empty, all-zero or non-finite column. The native kernel
 * (unit_scale in native/cpu/correlation.cc) computes the same number from the same bits.
 */
export function unitScale(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(values[i]!);
    if (magnitude > largest) largest = magnitude;
  }
  if (!(largest > 0) || largest === Number.POSITIVE_INFINITY) return 1;
  scaleBits[0] = largest;
  const biasedExponent = (scaleWords[HIGH_WORD]! >>> 20) & 0x7ff;
  const k = Math.max(-1022, Math.min(1023, 1023 - biasedExponent));
  scaleWords[HIGH_WORD] = (1023 + k) << 20;
  scaleWords[1 - HIGH_WORD] = 0;
  return scaleBits[0]!;
}

/** Pearson correlation; null when either column has no spread. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  const scaleX = unitScale(x),
    scaleY = unitScale(y);
  let meanX = 0,
    meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]! * scaleX;
    meanY += y[i]! * scaleY;
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! * scaleX - meanX,
      dy = y[i]! * scaleY - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0 && syy > 0)) return null;
  return clampUnit(sxy / Math.sqrt(sxx * syy));
}

function clampUnit(value: number): number {
  return Math.max(-1, Math.min(1, value));
}

/** Indices 0..n−1 ordered by value (equal values in index order). */
export function argsort(values: ArrayLike<number>): Uint32Array {
  return argsortFloat(values instanceof Float64Array ? values : Float64Array.from(values));
}

/** Average ranks (1-based), ties sharing the mean of their positions. */
export function averageRanks(values: ArrayLike<number>, order: Uint32Array = argsort(values)): Float64Array {
  const n = values.length;
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + end + 1) / 2;
    for (let p = start; p < end; p++) ranks[order[p]!] = rank;
    start = end;
  }
  return ranks;
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>, xRanks?: Float64Array, yRanks?: Float64Array): number | null {
  if (x.length < 2) return null;
  return pearson(xRanks ?? averageRanks(x), yRanks ?? averageRanks(y));
}

/** Σ_i Σ_j |v_i − v_j| per i (the row sums of the distance matrix), from the sorted order. */
function distanceRowSums(values: ArrayLike<number>, order: Uint32Array): Float64Array {
  const n = values.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += values[i]!;
  const sums = new Float64Array(n);
  let below = 0;
  for (let p = 0; p < n; p++) {
    const index = order[p]!;
    const value = values[index]!;
    // p values are ≤ value (sum `below`), n − p − 1 are ≥ value.
    sums[index] = value * p - below + (total - below - value) - value * (n - p - 1);
    below += value;
  }
  return sums;
}

/**
 * Σ_{i,j} |u_i − u_j| |v_i − v_j| in O(n log n), exactly, for u = byPosition's values and v = byOrder's.
 * Index the points by their position in u order. For i < j there u_j − u_i ≥ 0, and |d| = d + 2·max(0, −d)
 * gives Σ_ij |Δu||Δv| = 2(S + 2D), where S = Σ_{i<j} (u_j − u_i)(v_j − v_i) = nΣuv − ΣuΣv takes O(n), and
 * D sums (u_j − u_i)(v_i − v_j) over the discordant pairs, i < j with i after j in v order (pairs tied in v
 * add 0 either way). D is summed over blocks of positions holding their points in v order: a block is
 * split stably into its lower and upper halves of positions, and an upper point r is discordant with
 * the lower points that follow it in v order. One backward pass splits the block and keeps the sums SV,
 * SU, SUV and the count c of the lower points passed, those following the current point, so r adds
 *   Σ_{m after r} (u_r − u_m)(v_m − v_r) = u_r·SV − u_r v_r·c − SUV + v_r·SU.
 * The halves are summed the same way; blocks of at most LEAF_SIZE points directly. A block's D is
 * (across + lower half's D) + upper half's D, the order the native kernel keeps on any number of threads.
 */
function distanceProductSum(byOrder: CorrelationColumn, byPosition: CorrelationColumn): number {
  const n = byOrder.standardised.length;
  const v = byOrder.standardised,
    u = byPosition.standardised;
  const positions = new Int32Array(n);
  for (let p = 0; p < n; p++) positions[byPosition.order[p]!] = p;
  const blocks = new BlockBuffers(n);
  for (let q = 0; q < n; q++) {
    const index = byOrder.order[q]!;
    blocks.v[0][q] = v[index]!;
    blocks.u[0][q] = u[index]!;
    blocks.position[0][q] = positions[index]!;
  }
  let sumU = 0,
    sumV = 0,
    sumUV = 0;
  for (let i = 0; i < n; i++) {
    sumU += u[i]!;
    sumV += v[i]!;
    sumUV += u[i]! * v[i]!;
  }
  const signedSum = n * sumUV - sumU * sumV;
  return 2 * (signedSum + 2 * discordantSum(blocks, 0, 0, 0, n));
}

/** Blocks this small sum their discordant pairs directly (as the native kernel does). */
const LEAF_SIZE = 8;

/**
 * Points in v order (v, u, position in u order) in two buffers, a block being split from one (`side`)
 * into the other at the same offsets.
 */
class BlockBuffers {
  readonly v: [Float64Array, Float64Array];
  readonly u: [Float64Array, Float64Array];
  readonly position: [Int32Array, Int32Array];
  constructor(n: number) {
    this.v = [new Float64Array(n), new Float64Array(n)];
    this.u = [new Float64Array(n), new Float64Array(n)];
    this.position = [new Int32Array(n), new Int32Array(n)];
  }
}

/** D of a block: points from … from + size − 1 of buffer `side`, holding the positions first, first + 1, … */
function discordantSum(blocks: BlockBuffers, side: 0 | 1, from: number, first: number, size: number): number {
  const v = blocks.v[side],
    u = blocks.u[side],
    position = blocks.position[side];
  if (size <= LEAF_SIZE) {
    // Each b's pairs in a sum of their own (the native kernel's rows can then overlap), the rows in order.
    let sum = 0;
    for (let b = from + 1; b < from + size; b++) {
      let row = 0;
      for (let a = from; a < b; a++) if (position[a]! > position[b]!) row += (u[a]! - u[b]!) * (v[b]! - v[a]!);
      sum += row;
    }
    return sum;
  }
  // Split stably into the lower half of positions (out[from …]) and the upper half (out[from + lower …]),
  // from the last point to the first, filling each half from its end; the lower points passed so far are
  // those that follow the current point in v order, and their running sums give an upper point's term.
  const lower = Math.floor(size / 2),
    split = first + lower;
  const other = side === 0 ? 1 : 0;
  const outV = blocks.v[other],
    outU = blocks.u[other],
    outPosition = blocks.position[other];
  let nextLower = from + lower,
    nextUpper = from + size;
  let sumV = 0,
    sumU = 0,
    sumUV = 0,
    lowersAfter = 0,
    across = 0;
  for (let q = from + size - 1; q >= from; q--) {
    const isLower = position[q]! < split;
    const to = isLower ? --nextLower : --nextUpper;
    outV[to] = v[q]!;
    outU[to] = u[q]!;
    outPosition[to] = position[q]!;
    if (isLower) {
      sumV += v[q]!;
      sumU += u[q]!;
      sumUV += u[q]! * v[q]!;
      lowersAfter++;
    } else if (lowersAfter > 0) {
      across += u[q]! * sumV - u[q]! * v[q]! * lowersAfter - sumUV + v[q]! * sumU;
    }
  }
  return across + discordantSum(blocks, other, from, first, lower) + discordantSum(blocks, other, from + lower, split, size - lower);
}

/** One column's share of the correlation work, computed once and reused against every partner. */
export interface CorrelationColumn {
  /** (v − mean) / sd */
  standardised: Float64Array;
  order: Uint32Array;
  ranks: Float64Array;
  /** Row sums of the distance matrix |v_i − v_j|. */
  rowSums: Float64Array;
  /** Squared distance variance (V-statistic). */
  distanceVariance: number;
}

/** Null when the column has fewer than two values or no spread. */
export function prepareCorrelationColumn(values: ArrayLike<number>): CorrelationColumn | null {
  const n = values.length;
  if (n < 2) return null;
  const scale = unitScale(values);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! * scale;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i]! * scale - mean) ** 2;
  const deviation = Math.sqrt(variance / n);
  if (!(deviation > 0)) return null;
  const standardised = new Float64Array(n);
  for (let i = 0; i < n; i++) standardised[i] = (values[i]! * scale - mean) / deviation;
  // Ordered and ranked by the values themselves, not the standardised ones: a value far below the
  // column's largest (1e-300 beside 1e300) standardises to the same number as its neighbours, and
  // Spearman's ρ must still see its rank. Standardising is monotone, so this order also sorts
  // `standardised` (ties there, whichever way they fall, add nothing to the distance sums).
  const order = argsort(values);
  const rowSums = distanceRowSums(standardised, order);
  // Σ_ij (v_i − v_j)² = 2nΣv² − 2(Σv)²; with mean 0 and variance 1 that is 2n².
  let sumSquares = 0,
    rowSquares = 0,
    total = 0;
  for (let i = 0; i < n; i++) {
    sumSquares += standardised[i]! * standardised[i]!;
    rowSquares += rowSums[i]! * rowSums[i]!;
    total += rowSums[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += standardised[i]!;
  const squaredDistances = 2 * n * sumSquares - 2 * sum * sum;
  const distanceVariance = squaredDistances / (n * n) - (2 * rowSquares) / (n * n * n) + (total * total) / (n * n * n * n);
  return { standardised, order, ranks: averageRanks(values, order), rowSums, distanceVariance };
}

/** Pearson, Spearman and distance correlation; each null when undefined (no spread, or n < 2). */
export type Correlations = CorrelationMeasures;

/** Pearson, Spearman and distance correlation of two prepared columns of equal length. */
export function correlationsOf(a: CorrelationColumn | null, b: CorrelationColumn | null): Correlations {
  if (!a || !b) return { pearson: null, spearman: null, dcor: null };
  const n = a.standardised.length;
  let product = 0;
  for (let i = 0; i < n; i++) product += a.standardised[i]! * b.standardised[i]!;
  const products = distanceProductSum(a, b);
  let rowProducts = 0,
    aTotal = 0,
    bTotal = 0;
  for (let i = 0; i < n; i++) {
    rowProducts += a.rowSums[i]! * b.rowSums[i]!;
    aTotal += a.rowSums[i]!;
    bTotal += b.rowSums[i]!;
  }
  const covariance = products / (n * n) - (2 * rowProducts) / (n * n * n) + (aTotal * bTotal) / (n * n * n * n);
  const dcorSquared =
    a.distanceVariance > 0 && b.distanceVariance > 0 ? covariance / Math.sqrt(a.distanceVariance * b.distanceVariance) : Number.NaN;
  return {
    pearson: clampUnit(product / n),
    spearman: pearson(a.ranks, b.ranks),
    dcor: dcorSquared === dcorSquared ? Math.sqrt(Math.max(0, Math.min(1, dcorSquared))) : null,
  };
}

/** Distance correlation in [0, 1]; null when either column has no spread. */
export function distanceCorrelation(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  return correlationsOf(prepareCorrelationColumn(x), prepareCorrelationColumn(y)).dcor;
}

/**
 * argsort for a Float64Array without NaN: a stable LSD radix sort (11-bit digits) on order-preserving
 * 64-bit keys, so equal values keep index order. O(n) passes instead of a comparator sort, which is what
 * keeps Spearman and distance correlation cheap beside the MI kernels.
 */
export function argsortFloat(values: Float64Array): Uint32Array {
  const n = values.length;
  const copy = Float64Array.from(values); // aligned copy; −0 becomes +0 so that it ties with 0
  for (let i = 0; i < n; i++) if (copy[i] === 0) copy[i] = 0;
  const words = new Uint32Array(copy.buffer);
  const keys = new Uint32Array(2 * n); // [low, high] per index
  for (let i = 0; i < n; i++) {
    const low = words[2 * i]!,
      high = words[2 * i + 1]!;
    const negative = high >>> 31 === 1;
    keys[2 * i] = negative ? ~low >>> 0 : low;
    keys[2 * i + 1] = negative ? ~high >>> 0 : (high | 0x80000000) >>> 0;
  }
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(2048);
  for (const [word, shift, width] of RADIX_PASSES) {
    const mask = (1 << width) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[2 * i + word]! >>> shift) & mask]!++;
    if (n === 0 || counts[(keys[word]! >>> shift) & mask] === n) continue; // every key shares this digit
    let total = 0;
    for (let digit = 0; digit <= mask; digit++) {
      const count = counts[digit]!;
      counts[digit] = total;
      total += count;
    }
    for (let p = 0; p < n; p++) {
      const index = order[p]!;
      next[counts[(keys[2 * index + word]! >>> shift) & mask]!++] = index;
    }
    const swap = order;
    order = next;
    next = swap;
  }
  return order;
}

/** [word (0 low, 1 high), shift, width] of each pass, least significant first. */
const RADIX_PASSES: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 11],
  [0, 11, 11],
  [0, 22, 10],
  [1, 0, 11],
  [1, 11, 11],
  [1, 22, 10],
];

/** Pearson, Spearman and dCor of each feature against the target (the `correlations` kernel's contract). */
export function correlationsReference(target: Float64Array, features: readonly Float64Array[]): CorrelationMeasures[] {
  if (features.length === 0) return [];
  const targetColumn = prepareCorrelationColumn(target);
  return features.map((feature) => correlationsOf(prepareCorrelationColumn(feature), targetColumn));
}
