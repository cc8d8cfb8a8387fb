// Reference Ross (2014) counts for a continuous feature against discrete labels, with scikit-learn's
// `_compute_mi_cd` semantics, in O(n log n + n·k) per feature:
// - points are grouped by label and sorted by x within the group; the k_i-th nearest same-label
//   neighbour is found by merging the left and right runs outward from the point;
// - neighbourCount_i counts, among the points whose label is not unique (scikit-learn drops the others
//   before its KDTree), those with |x_j − x_i| ≤ nextafter(d_i, 0): strictly inside d_i when d_i > 0,
//   and the exact duplicates of x_i (itself included) when d_i = 0. The point itself is always counted.
import type { RossCounts } from '../kernels.js';
import { countStrictlyWithin } from './ksg-counts.js';

/** Points in label order, then x order: the permutation and each label run's bounds. */
export function groupByLabel(labels: Int32Array, x: Float64Array): Int32Array {
  const order = new Int32Array(labels.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => labels[a]! - labels[b]! || x[a]! - x[b]! || a - b);
  return order;
}

/** Distance from sorted[at] to its k-th nearest other value in sorted[from, to) (k < to − from). */
export function kthNeighbourInRun(sorted: Float64Array, from: number, to: number, at: number, k: number): number {
  const value = sorted[at]!;
  let leftIndex = at - 1,
    rightIndex = at + 1,
    distance = 0;
  for (let taken = 0; taken < k; taken++) {
    const leftDistance = leftIndex >= from ? value - sorted[leftIndex]! : Infinity;
    const rightDistance = rightIndex < to ? sorted[rightIndex]! - value : Infinity;
    if (leftDistance <= rightDistance) {
      distance = leftDistance;
      leftIndex--;
    } else {
      distance = rightDistance;
      rightIndex++;
    }
  }
  return distance;
}

/** Count of kept values within nextafter(radius, 0) of `value`, the point itself included. */
function countNeighbours(sortedKept: Float64Array, value: number, radius: number): number {
  if (radius > 0) return countStrictlyWithin(sortedKept, value, radius, true);
  let low = 0,
    high = sortedKept.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sortedKept[mid]! >= value) high = mid;
    else low = mid + 1;
  }
  let end = low;
  while (end < sortedKept.length && sortedKept[end] === value) end++;
  return end - low;
}

/** Assumes validated arguments (see ../validate.ts). */
export function rossCountsReference(labels: Int32Array, features: readonly Float64Array[], k: number): RossCounts[] {
  const n = labels.length;
  return features.map((x) => {
    const neighbourCount = new Int32Array(n);
    const kUsed = new Int32Array(n);
    const labelCount = new Int32Array(n);
    const radius = new Float64Array(n);
    const order = groupByLabel(labels, x);
    const sorted = new Float64Array(n);
    for (let p = 0; p < n; p++) sorted[p] = x[order[p]!]!;
    const kept: number[] = [];
    for (let from = 0; from < n;) {
      let to = from + 1;
      while (to < n && labels[order[to]!] === labels[order[from]!]) to++;
      const count = to - from;
      const kHere = Math.min(k, count - 1);
      for (let p = from; p < to; p++) {
        const point = order[p]!;
        labelCount[point] = count;
        if (count > 1) {
          kUsed[point] = kHere;
          radius[point] = kthNeighbourInRun(sorted, from, to, p, kHere);
          kept.push(x[point]!);
        }
      }
      from = to;
    }
    const sortedKept = Float64Array.from(kept).sort();
    for (let i = 0; i < n; i++) {
      if (labelCount[i]! > 1) neighbourCount[i] = countNeighbours(sortedKept, x[i]!, radius[i]!);
    }
    return { neighbourCount, kUsed, labelCount };
  });
}
