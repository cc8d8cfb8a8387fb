// The k-nearest-neighbour MI estimators, as digamma sums over the per-point neighbour counts that the
// compute backend returns (native kernels carry the O(n log n) searches):
// - KSG estimator 1 (Kraskov, Stögbauer & Grassberger 2004) for two continuous variables;
// - Ross (2014) for a continuous variable against a discrete one.
// Both exactly as scikit-learn's _compute_mi_cc / _compute_mi_cd, in nats, not clipped (callers clip).
// ksgPermutationMutualInformation gives KSG against shuffled copies of the target for permutation tests.
import type { ComputeBackend } from '../compute/kernels.js';
import { digammaOfInteger, meanDigammaOfCounts } from './digamma.js';
import { SeededRandom } from './random.js';

/** KSG-1 MI of each feature with the shared target. Inputs must be free of NaN and of equal length. */
export async function ksgMutualInformation(
  compute: ComputeBackend,
  target: Float64Array,
  features: readonly Float64Array[],
  k: number,
): Promise<number[]> {
  const n = target.length;
  if (features.length === 0) return [];
  if (n <= k) return features.map(() => 0);
  // Only the means are read: a backend that computes them need not hand the counts over.
  const counts = await compute.ksgCounts(target, features, k, { counts: false });
  const constant = digammaOfInteger(n) + digammaOfInteger(k);
  return counts.map(
    ({ countX, countY, meanDigammaX, meanDigammaY }) =>
      constant - (meanDigammaX ?? meanDigammaOfCounts(countX, 1)) - (meanDigammaY ?? meanDigammaOfCounts(countY, 1)),
  );
}

/**
 * KSG-1 MI of each feature with the target on the rows where both are finite, and how many rows that
 * is: what ksgMutualInformation gives on each pair picked out first, from one call of the backend's
 * ksgCountsOnCompleteRows (the caller checks that the backend has it).
 */
export async function ksgMutualInformationOnCompleteRows(
  compute: ComputeBackend,
  target: Float64Array,
  features: readonly Float64Array[],
  k: number,
): Promise<Array<{ mi: number; rows: number }>> {
  if (features.length === 0) return [];
  const counts = await compute.ksgCountsOnCompleteRows!(target, features, k);
  return counts.map(({ rows, countX, countY, meanDigammaX, meanDigammaY }) => {
    if (rows <= k) return { mi: 0, rows };
    const constant = digammaOfInteger(rows) + digammaOfInteger(k);
    return { mi: constant - (meanDigammaX ?? meanDigammaOfCounts(countX, 1)) - (meanDigammaY ?? meanDigammaOfCounts(countY, 1)), rows };
  });
}

/**
 * KSG-1 MI of each feature against the target shuffled by each seed (`new SeededRandom(seed).shuffle` of
 * a copy): result[s][f], bit for bit what ksgMutualInformation gives on that shuffled copy. On a backend
 * with the ksgPermutationMeans kernel every shuffle runs there, the sorts shared by all of them and
 * (shuffle, feature) tasks spread over the threads; otherwise one ksgCounts call per shuffle. Null when
 * `signal` aborted.
 */
export async function ksgPermutationMutualInformation(
  compute: ComputeBackend,
  target: Float64Array,
  features: readonly Float64Array[],
  k: number,
  seeds: readonly number[],
  signal?: AbortSignal,
): Promise<number[][] | null> {
  const n = target.length;
  if (features.length === 0 || n <= k) return seeds.map(() => features.map(() => 0));
  if (compute.ksgPermutationMeans) {
    const means = await compute.ksgPermutationMeans(target, features, k, Uint32Array.from(seeds), signal);
    if (means === null) return null;
    const constant = digammaOfInteger(n) + digammaOfInteger(k);
    const featureCount = features.length;
    return seeds.map((_, s) =>
      features.map((__, f) => constant - means[2 * (s * featureCount + f)]! - means[2 * (s * featureCount + f) + 1]!),
    );
  }
  const results: number[][] = [];
  for (const seed of seeds) {
    if (signal?.aborted) return null;
    results.push(await ksgMutualInformation(compute, new SeededRandom(seed).shuffle(Float64Array.from(target)), features, k));
  }
  return results;
}

/** Ross MI of each continuous feature with the shared labels (codes ≥ 0). */
export async function rossMutualInformation(
  compute: ComputeBackend,
  labels: Int32Array,
  features: readonly Float64Array[],
  k: number,
): Promise<number[]> {
  if (features.length === 0) return [];
  if (labels.length < 2) return features.map(() => 0);
  const counts = await compute.rossCounts(labels, features, k);
  return counts.map(({ neighbourCount, kUsed, labelCount }) => {
    const n = labelCount.length;
    // Points whose label is unique are dropped, as scikit-learn does.
    let kept = 0,
      sumK = 0,
      sumLabel = 0,
      sumNeighbour = 0;
    for (let i = 0; i < n; i++) {
      if (labelCount[i]! <= 1) continue;
      kept++;
      sumK += digammaOfInteger(kUsed[i]!);
      sumLabel += digammaOfInteger(labelCount[i]!);
      sumNeighbour += digammaOfInteger(neighbourCount[i]!);
    }
    if (kept === 0) return 0;
    return digammaOfInteger(kept) + (sumK - sumLabel - sumNeighbour) / kept;
  });
}
