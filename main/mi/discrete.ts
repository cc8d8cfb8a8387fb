// Discrete–discrete estimators: the plug-in MI of the contingency table (scikit-learn's
// mutual_info_score), its Miller–Madow bias-corrected form, and plug-in conditional MI. Inputs are
// integer codes ≥ 0 of equal length; everything is in nats.

export type DiscreteEstimator = 'plugin' | 'miller-madow';

/** Number of distinct codes, assuming codes in [0, levels). */
function levelCount(codes: Int32Array): number {
  let maximum = -1;
  for (let i = 0; i < codes.length; i++) if (codes[i]! > maximum) maximum = codes[i]!;
  return maximum + 1;
}

/** Σ c log c over a count array, with the number of nonzero cells. */
function countEntropyTerms(counts: ArrayLike<number>): { sum: number; occupied: number } {
  let sum = 0,
    occupied = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > 0) {
      sum += count * Math.log(count);
      occupied++;
    }
  }
  return { sum, occupied };
}

/** Joint codes a·bLevels + b, compacted to dense codes when the product is large. */
export function combineCodes(
  a: Int32Array,
  b: Int32Array,
  aLevels = levelCount(a),
  bLevels = levelCount(b),
): { codes: Int32Array; levels: number } {
  const n = a.length;
  const codes = new Int32Array(n);
  if (aLevels * bLevels <= Math.max(4 * n, 1 << 16)) {
    for (let i = 0; i < n; i++) codes[i] = a[i]! * bLevels + b[i]!;
    return { codes, levels: aLevels * bLevels };
  }
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = a[i]! * bLevels + b[i]!;
    let code = index.get(key);
    if (code === undefined) index.set(key, (code = index.size));
    codes[i] = code;
  }
  return { codes, levels: index.size };
}

function histogram(codes: Int32Array, levels: number): Float64Array {
  const counts = new Float64Array(levels);
  for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
  return counts;
}

/** Entropy H = log n − Σ c log c / n of one code array, optionally Miller–Madow corrected. */
export function discreteEntropy(codes: Int32Array, estimator: DiscreteEstimator = 'plugin', levels = levelCount(codes)): number {
  const n = codes.length;
  if (n === 0) return 0;
  const { sum, occupied } = countEntropyTerms(histogram(codes, levels));
  const plugin = Math.log(n) - sum / n;
  return estimator === 'miller-madow' ? plugin + (occupied - 1) / (2 * n) : plugin;
}

/**
 * I(A;B) = H(A) + H(B) − H(A,B) from the contingency table. Not clipped: the Miller–Madow form can be
 * slightly negative for independent variables; callers clip.
 */
export function discreteMutualInformation(a: Int32Array, b: Int32Array, estimator: DiscreteEstimator = 'plugin'): number {
  if (a.length !== b.length) throw new RangeError(`Expected code arrays of equal length but received ${a.length} and ${b.length}`);
  if (a.length === 0) return 0;
  const aLevels = levelCount(a),
    bLevels = levelCount(b);
  const joint = combineCodes(a, b, aLevels, bLevels);
  return (
    discreteEntropy(a, estimator, aLevels) + discreteEntropy(b, estimator, bLevels) - discreteEntropy(joint.codes, estimator, joint.levels)
  );
}

/** I(A;B|C) = H(A,C) + H(B,C) − H(A,B,C) − H(C), plug-in or Miller–Madow. */
export function discreteConditionalMutualInformation(
  a: Int32Array,
  b: Int32Array,
  c: Int32Array,
  estimator: DiscreteEstimator = 'plugin',
): number {
  if (a.length !== b.length || a.length !== c.length) throw new RangeError('Expected code arrays of equal length');
  if (a.length === 0) return 0;
  const ac = combineCodes(a, c);
  const bc = combineCodes(b, c);
  const abc = combineCodes(ac.codes, b, ac.levels);
  return (
    discreteEntropy(ac.codes, estimator, ac.levels) +
    discreteEntropy(bc.codes, estimator, bc.levels) -
    discreteEntropy(abc.codes, estimator, abc.levels) -
    discreteEntropy(c, estimator)
  );
}
