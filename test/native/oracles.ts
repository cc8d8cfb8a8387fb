// Brute-force O(n²) (or full-sort) oracles: the plainest possible statement of each kernel's semantics,
// written independently of main/compute/reference so the two can check each other.
import { f16ToF32 } from '../../main/compute/reference/similarity-topk.js';
import type { KsgCounts, RossCounts, TopKResult, VectorStore } from '../../main/compute/kernels.js';

/** The largest double below a positive value (numpy's nextafter(value, 0)); 0 stays 0. */
export function nextDown(value: number): number {
  if (value <= 0) return value;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

export function storeValue(store: VectorStore, row: number, d: number): number {
  const at = row * store.dimension + d;
  if (store.dtype === 'f32') return store.data[at]!;
  if (store.dtype === 'f16') return f16ToF32(store.data[at]!);
  return store.data[at]! * store.scales[row]!;
}

/** Every score in float64, then a full sort by (score desc, index asc). */
export function similarityOracle(queries: Float32Array, queryCount: number, store: VectorStore, k: number): TopKResult {
  const indices = new Int32Array(queryCount * k).fill(-1);
  const scores = new Float32Array(queryCount * k).fill(-Infinity);
  for (let q = 0; q < queryCount; q++) {
    const all = Array.from({ length: store.count }, (_, row) => {
      let score = 0;
      for (let d = 0; d < store.dimension; d++) score += queries[q * store.dimension + d]! * storeValue(store, row, d);
      return { score: Math.fround(score), row };
    });
    all.sort((a, b) => b.score - a.score || a.row - b.row);
    all.slice(0, k).forEach(({ score, row }, rank) => {
      indices[q * k + rank] = row;
      scores[q * k + rank] = score;
    });
  }
  return { k, queryCount, indices, scores };
}

/** Two passes: the maximum, then the shifted sum. */
export function logSumExpOracle(matrix: Float32Array, rows: number, columns: number, axis: 'rows' | 'columns'): Float64Array {
  const lines = axis === 'rows' ? rows : columns;
  const length = axis === 'rows' ? columns : rows;
  const at = (line: number, i: number) => (axis === 'rows' ? matrix[line * columns + i]! : matrix[i * columns + line]!);
  return Float64Array.from({ length: lines }, (_, line) => {
    let maximum = -Infinity;
    for (let i = 0; i < length; i++) maximum = Math.max(maximum, at(line, i));
    if (maximum === -Infinity || maximum === Infinity) return maximum;
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Math.exp(at(line, i) - maximum);
    return maximum + Math.log(sum);
  });
}

/** All pairwise Chebyshev distances, sorted; strict counts by direct comparison. */
export function ksgOracle(target: Float64Array, features: readonly Float64Array[], k: number): KsgCounts[] {
  const n = target.length;
  return features.map((x) => {
    const countX = new Int32Array(n);
    const countY = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const distances: number[] = [];
      for (let j = 0; j < n; j++) if (j !== i) distances.push(Math.max(Math.abs(x[j]! - x[i]!), Math.abs(target[j]! - target[i]!)));
      distances.sort((a, b) => a - b);
      const eps = distances[k - 1]!;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        if (Math.abs(x[j]! - x[i]!) < eps) countX[i]!++;
        if (Math.abs(target[j]! - target[i]!) < eps) countY[i]!++;
      }
    }
    return { countX, countY };
  });
}

/** scikit-learn's _compute_mi_cd, literally: per-label k-NN, nextafter radius, ≤ counts over kept points. */
export function rossOracle(labels: Int32Array, features: readonly Float64Array[], k: number): RossCounts[] {
  const n = labels.length;
  return features.map((x) => {
    const labelCount = new Int32Array(n);
    const kUsed = new Int32Array(n);
    const neighbourCount = new Int32Array(n);
    const radius = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const same: number[] = [];
      for (let j = 0; j < n; j++) if (labels[j] === labels[i]) same.push(j);
      labelCount[i] = same.length;
      if (same.length < 2) continue;
      kUsed[i] = Math.min(k, same.length - 1);
      const distances = same
        .filter((j) => j !== i)
        .map((j) => Math.abs(x[j]! - x[i]!))
        .sort((a, b) => a - b);
      radius[i] = nextDown(distances[kUsed[i]! - 1]!);
    }
    for (let i = 0; i < n; i++) {
      if (labelCount[i]! < 2) continue;
      for (let j = 0; j < n; j++) if (labelCount[j]! > 1 && Math.abs(x[j]! - x[i]!) <= radius[i]!) neighbourCount[i]!++;
    }
    return { neighbourCount, kUsed, labelCount };
  });
}

export function jointHistogramOracle(a: Int32Array, b: Int32Array, aLevels: number, bLevels: number): Float64Array {
  const counts = new Float64Array(aLevels * bLevels);
  a.forEach((code, i) => (counts[code * bLevels + b[i]!] = counts[code * bLevels + b[i]!]! + 1));
  return counts;
}

/** Distance correlation (V-statistic) from the double-centred n × n distance matrices; null without spread. */
export function distanceCorrelationOracle(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  const centred = (values: ArrayLike<number>) => {
    const distances = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.abs(values[i]! - values[j]!)));
    const rowMeans = distances.map((row) => row.reduce((sum, d) => sum + d, 0) / n);
    const mean = rowMeans.reduce((sum, m) => sum + m, 0) / n;
    return distances.map((row, i) => row.map((d, j) => d - rowMeans[i]! - rowMeans[j]! + mean));
  };
  const a = centred(x),
    b = centred(y);
  const dot = (p: number[][], q: number[][]) => p.reduce((sum, row, i) => sum + row.reduce((s, c, j) => s + c * q[i]![j]!, 0), 0);
  const variances = dot(a, a) * dot(b, b);
  if (!(variances > 0)) return null;
  return Math.sqrt(Math.max(0, dot(a, b) / Math.sqrt(variances)));
}
