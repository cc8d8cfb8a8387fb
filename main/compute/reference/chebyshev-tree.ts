// A static kd-tree under the Chebyshev (max) metric for a few dimensions: the reference of the
// Frenzel–Pompe counts (k-th neighbour distances in the joint (x, y, z) space, strict neighbour counts in
// its subspaces; ./frenzel-pompe-counts.ts) and the neighbour sets of the LNC correction
// (main/mi/lnc.ts). Building is O(n log n); each query visits O(log n + output) nodes for spread data.

const LEAF_SIZE = 16;

export class ChebyshevTree {
  private readonly points: Float64Array; // tree order, row-major
  private readonly lower: Float64Array; // node bounding boxes
  private readonly upper: Float64Array;
  private readonly nodeStart: Int32Array;
  private readonly nodeEnd: Int32Array;
  private readonly leftChild: Int32Array;
  private readonly rightChildren: Int32Array;
  private nodeCount = 0;
  private readonly order: Int32Array;
  private readonly stack = new Int32Array(256);

  /** `columns` are the coordinates, each of length n. */
  constructor(columns: readonly Float64Array[]) {
    const dimensions = columns.length;
    const n = columns[0]!.length;
    this.dimensions = dimensions;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    const maxNodes = 2 * Math.ceil(n / (LEAF_SIZE / 2)) + 2;
    this.lower = new Float64Array(maxNodes * dimensions);
    this.upper = new Float64Array(maxNodes * dimensions);
    this.nodeStart = new Int32Array(maxNodes);
    this.nodeEnd = new Int32Array(maxNodes);
    this.leftChild = new Int32Array(maxNodes).fill(-1);
    this.rightChildren = new Int32Array(maxNodes).fill(-1);
    this.build(columns, 0, n);
    this.points = new Float64Array(n * dimensions);
    for (let p = 0; p < n; p++) for (let d = 0; d < dimensions; d++) this.points[p * dimensions + d] = columns[d]![this.order[p]!]!;
  }

  readonly dimensions: number;

  private build(columns: readonly Float64Array[], from: number, to: number): number {
    const node = this.nodeCount++;
    const dimensions = this.dimensions;
    this.nodeStart[node] = from;
    this.nodeEnd[node] = to;
    let widest = 0,
      widestSpan = -1;
    for (let d = 0; d < dimensions; d++) {
      let low = Infinity,
        high = -Infinity;
      const column = columns[d]!;
      for (let p = from; p < to; p++) {
        const value = column[this.order[p]!]!;
        if (value < low) low = value;
        if (value > high) high = value;
      }
      this.lower[node * dimensions + d] = low;
      this.upper[node * dimensions + d] = high;
      if (high - low > widestSpan) {
        widestSpan = high - low;
        widest = d;
      }
    }
    if (to - from <= LEAF_SIZE) return node;
    const middle = (from + to) >>> 1;
    selectNth(this.order, columns[widest]!, from, to - 1, middle);
    this.leftChild[node] = this.build(columns, from, middle);
    this.rightChildren[node] = this.build(columns, middle, to);
    return node;
  }

  private rightChild(node: number): number {
    return this.rightChildren[node]!;
  }

  /** Chebyshev distance from the query point to its k-th nearest other point (k ≥ 1). */
  kthNeighbourDistance(query: Float64Array, self: number, k: number): number {
    const dimensions = this.dimensions;
    const best = new Float64Array(k).fill(Infinity); // ascending
    const stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      if (this.boxDistance(node, query) >= best[k - 1]!) continue;
      if (this.leftChild[node]! < 0) {
        for (let p = this.nodeStart[node]!; p < this.nodeEnd[node]!; p++) {
          if (this.order[p] === self) continue;
          let distance = 0;
          for (let d = 0; d < dimensions; d++) {
            const delta = Math.abs(this.points[p * dimensions + d]! - query[d]!);
            if (delta > distance) distance = delta;
          }
          if (distance < best[k - 1]!) {
            let slot = k - 1;
            while (slot > 0 && best[slot - 1]! > distance) {
              best[slot] = best[slot - 1]!;
              slot--;
            }
            best[slot] = distance;
          }
        }
        continue;
      }
      const left = this.leftChild[node]!,
        right = this.rightChild(node);
      // Visit the nearer child first (pushed last).
      if (this.boxDistance(left, query) <= this.boxDistance(right, query)) {
        stack[top++] = right;
        stack[top++] = left;
      } else {
        stack[top++] = left;
        stack[top++] = right;
      }
    }
    return best[k - 1]!;
  }

  /**
   * The k nearest points other than `self` (row indices, nearest first; ties in distance by tree order),
   * written to `out` (length ≥ k); returns the k-th distance. Needs at least k other points.
   */
  kNearest(query: Float64Array, self: number, k: number, out: Int32Array): number {
    const dimensions = this.dimensions;
    const best = new Float64Array(k).fill(Infinity);
    const bestIds = new Int32Array(k).fill(-1);
    const stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      if (this.boxDistance(node, query) >= best[k - 1]!) continue;
      if (this.leftChild[node]! < 0) {
        for (let p = this.nodeStart[node]!; p < this.nodeEnd[node]!; p++) {
          if (this.order[p] === self) continue;
          let distance = 0;
          for (let d = 0; d < dimensions; d++) {
            const delta = Math.abs(this.points[p * dimensions + d]! - query[d]!);
            if (delta > distance) distance = delta;
          }
          if (distance < best[k - 1]!) {
            let slot = k - 1;
            while (slot > 0 && best[slot - 1]! > distance) {
              best[slot] = best[slot - 1]!;
              bestIds[slot] = bestIds[slot - 1]!;
              slot--;
            }
            best[slot] = distance;
            bestIds[slot] = this.order[p]!;
          }
        }
        continue;
      }
      const left = this.leftChild[node]!,
        right = this.rightChild(node);
      if (this.boxDistance(left, query) <= this.boxDistance(right, query)) {
        stack[top++] = right;
        stack[top++] = left;
      } else {
        stack[top++] = left;
        stack[top++] = right;
      }
    }
    out.set(bestIds.subarray(0, k));
    return best[k - 1]!;
  }

  /** Number of points (the query's own included, if it is in the tree) strictly within `radius`. */
  countStrictlyWithin(query: Float64Array, radius: number): number {
    const dimensions = this.dimensions;
    const stack = this.stack;
    let top = 0,
      count = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      if (this.boxDistance(node, query) >= radius) continue;
      if (this.boxFarthest(node, query) < radius) {
        count += this.nodeEnd[node]! - this.nodeStart[node]!;
        continue;
      }
      if (this.leftChild[node]! < 0) {
        for (let p = this.nodeStart[node]!; p < this.nodeEnd[node]!; p++) {
          let inside = true;
          for (let d = 0; d < dimensions && inside; d++) inside = Math.abs(this.points[p * dimensions + d]! - query[d]!) < radius;
          if (inside) count++;
        }
        continue;
      }
      stack[top++] = this.leftChild[node]!;
      stack[top++] = this.rightChild(node);
    }
    return count;
  }

  private boxDistance(node: number, query: Float64Array): number {
    let distance = 0;
    for (let d = 0; d < this.dimensions; d++) {
      const q = query[d]!;
      const low = this.lower[node * this.dimensions + d]!,
        high = this.upper[node * this.dimensions + d]!;
      const delta = q < low ? low - q : q > high ? q - high : 0;
      if (delta > distance) distance = delta;
    }
    return distance;
  }

  private boxFarthest(node: number, query: Float64Array): number {
    let distance = 0;
    for (let d = 0; d < this.dimensions; d++) {
      const q = query[d]!;
      const delta = Math.max(Math.abs(q - this.lower[node * this.dimensions + d]!), Math.abs(this.upper[node * this.dimensions + d]! - q));
      if (delta > distance) distance = delta;
    }
    return distance;
  }
}

/** Quickselect: reorders ids[from..to] so that ids[nth] holds the nth smallest key. */
function selectNth(ids: Int32Array, keys: Float64Array, from: number, to: number, nth: number): void {
  while (to > from) {
    const pivot = keys[ids[(from + to) >>> 1]!]!;
    let i = from,
      j = to;
    while (i <= j) {
      while (keys[ids[i]!]! < pivot) i++;
      while (keys[ids[j]!]! > pivot) j--;
      if (i <= j) {
        const swap = ids[i]!;
        ids[i] = ids[j]!;
        ids[j] = swap;
        i++;
        j--;
      }
    }
    if (nth <= j) to = j;
    else if (nth >= i) from = i;
    else return;
  }
}
