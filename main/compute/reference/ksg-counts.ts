// Reference KSG neighbour counts (Kraskov et al. 2004, estimator 1) with scikit-learn's semantics, in
// O(n log n) per feature: the joint k-th-neighbour distance comes from a 2-D kd-tree under the Chebyshev
// metric, and the strict marginal counts from binary searches in sorted copies of x and y.
//
// Every distance is |a − b| computed in float64 exactly as scikit-learn computes it. Because rounding is
// monotone, the points with |x_j − x_i| < eps form one contiguous run of the sorted values, so the
// binary searches below test the computed difference itself, never x_i ± eps (which would round).
import type { KsgCounts } from '../kernels.js';

const LEAF_SIZE = 12;

/** A static 2-D kd-tree over (x, y) answering "distance to the k-th nearest other point" queries. */
export class ChebyshevKdTree {
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly ids: Int32Array;
  // Node arrays: [start, end) of the node's points in tree order, children, and bounding box.
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly box: Float64Array;
  private nodeCount = 0;
  private readonly heap: Float64Array;
  private heapSize = 0;
  private readonly stack: Int32Array;

  constructor(
    x: Float64Array,
    y: Float64Array,
    private readonly k: number,
  ) {
    const n = x.length;
    this.ids = new Int32Array(n);
    for (let i = 0; i < n; i++) this.ids[i] = i;
    const maxNodes = 2 * Math.ceil(n / (LEAF_SIZE / 2)) + 2;
    this.start = new Int32Array(maxNodes);
    this.end = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes).fill(-1);
    this.right = new Int32Array(maxNodes).fill(-1);
    this.box = new Float64Array(4 * maxNodes);
    this.build(x, y, 0, n);
    this.xs = new Float64Array(n);
    this.ys = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      this.xs[p] = x[this.ids[p]!]!;
      this.ys[p] = y[this.ids[p]!]!;
    }
    this.heap = new Float64Array(k);
    // Depth-first with the far child pushed first: the stack never holds more than depth + 1 nodes.
    this.stack = new Int32Array(128);
  }

  private build(x: Float64Array, y: Float64Array, from: number, to: number): number {
    const node = this.nodeCount++;
    this.start[node] = from;
    this.end[node] = to;
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (let p = from; p < to; p++) {
      const id = this.ids[p]!;
      const px = x[id]!,
        py = y[id]!;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    this.box.set([minX, maxX, minY, maxY], 4 * node);
    if (to - from <= LEAF_SIZE) return node;
    const coordinate = maxX - minX >= maxY - minY ? x : y;
    const middle = (from + to) >> 1;
    selectNth(this.ids, coordinate, from, to - 1, middle);
    this.left[node] = this.build(x, y, from, middle);
    this.right[node] = this.build(x, y, middle, to);
    return node;
  }

  private pushDistance(distance: number): void {
    const heap = this.heap;
    if (this.heapSize < this.k) {
      let child = this.heapSize++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (heap[parent]! >= distance) break;
        heap[child] = heap[parent]!;
        child = parent;
      }
      heap[child] = distance;
      return;
    }
    let parent = 0;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= this.k) break;
      if (child + 1 < this.k && heap[child + 1]! > heap[child]!) child++;
      if (heap[child]! <= distance) break;
      heap[parent] = heap[child]!;
      parent = child;
    }
    heap[parent] = distance;
  }

  /** Chebyshev distance from (qx, qy) to its k-th nearest point other than `self`. */
  kthDistance(qx: number, qy: number, self: number): number {
    this.heapSize = 0;
    const stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      const kth = this.heapSize === this.k ? this.heap[0]! : Infinity;
      const b = 4 * node;
      const dx = qx < this.box[b]! ? this.box[b]! - qx : qx > this.box[b + 1]! ? qx - this.box[b + 1]! : 0;
      const dy = qy < this.box[b + 2]! ? this.box[b + 2]! - qy : qy > this.box[b + 3]! ? qy - this.box[b + 3]! : 0;
      // A point no nearer than the current k-th distance cannot change its value.
      if ((dx > dy ? dx : dy) >= kth) continue;
      const leftChild = this.left[node]!;
      if (leftChild < 0) {
        for (let p = this.start[node]!; p < this.end[node]!; p++) {
          if (this.ids[p] === self) continue;
          const ax = Math.abs(this.xs[p]! - qx),
            ay = Math.abs(this.ys[p]! - qy);
          const distance = ax > ay ? ax : ay;
          if (this.heapSize < this.k || distance < this.heap[0]!) this.pushDistance(distance);
        }
        continue;
      }
      const rightChild = this.right[node]!;
      // Visit the nearer child first (pushed last), so the k-th distance shrinks early.
      const nearLeft = boxDistance(this.box, leftChild, qx, qy) <= boxDistance(this.box, rightChild, qx, qy);
      if (top + 2 > stack.length) throw new Error('kd-tree stack overflow');
      stack[top++] = nearLeft ? rightChild : leftChild;
      stack[top++] = nearLeft ? leftChild : rightChild;
    }
    return this.heap[0]!;
  }
}

function boxDistance(box: Float64Array, node: number, qx: number, qy: number): number {
  const b = 4 * node;
  const dx = qx < box[b]! ? box[b]! - qx : qx > box[b + 1]! ? qx - box[b + 1]! : 0;
  const dy = qy < box[b + 2]! ? box[b + 2]! - qy : qy > box[b + 3]! ? qy - box[b + 3]! : 0;
  return dx > dy ? dx : dy;
}

/** Quickselect with a three-way partition (duplicate keys cost nothing): ids[nth] gets its sorted rank. */
function selectNth(ids: Int32Array, keys: Float64Array, low: number, high: number, nth: number): void {
  while (high > low) {
    const a = keys[ids[low]!]!,
      b = keys[ids[(low + high) >> 1]!]!,
      c = keys[ids[high]!]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let lt = low,
      gt = high,
      i = low;
    while (i <= gt) {
      const key = keys[ids[i]!]!;
      if (key < pivot) {
        const t = ids[lt]!;
        ids[lt++] = ids[i]!;
        ids[i++] = t;
      } else if (key > pivot) {
        const t = ids[gt]!;
        ids[gt--] = ids[i]!;
        ids[i] = t;
      } else {
        i++;
      }
    }
    if (nth < lt) high = lt - 1;
    else if (nth > gt) low = gt + 1;
    else return;
  }
}

/**
 * Number of sorted values v ≠ (the point itself) with |v − value| < radius: a contiguous run found by
 * two binary searches on the computed difference. `includeSelf` keeps the point itself in the count.
 */
export function countStrictlyWithin(sorted: Float64Array, value: number, radius: number, includeSelf: boolean): number {
  if (!(radius > 0)) return 0;
  // First position whose difference to `value` is below the radius (or that lies at or above value).
  let low = 0,
    high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! >= value || value - sorted[mid]! < radius) high = mid;
    else low = mid + 1;
  }
  const first = low;
  high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! > value && sorted[mid]! - value >= radius) high = mid;
    else low = mid + 1;
  }
  return low - first - (includeSelf ? 0 : 1);
}

/** Assumes validated arguments (see ../validate.ts). */
export function ksgCountsReference(target: Float64Array, features: readonly Float64Array[], k: number): KsgCounts[] {
  const n = target.length;
  const sortedY = Float64Array.from(target).sort();
  return features.map((x) => {
    const tree = new ChebyshevKdTree(x, target, k);
    const sortedX = Float64Array.from(x).sort();
    const countX = new Int32Array(n);
    const countY = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const eps = tree.kthDistance(x[i]!, target[i]!, i);
      countX[i] = countStrictlyWithin(sortedX, x[i]!, eps, false);
      countY[i] = countStrictlyWithin(sortedY, target[i]!, eps, false);
    }
    return { countX, countY };
  });
}
