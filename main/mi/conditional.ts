// Conditional mutual information I(X;Y|Z). Continuous variables: the Frenzel–Pompe (2007) estimator,
// the KSG-1 construction conditioned on Z,
//   I(X;Y|Z) = ψ(k) − ⟨ψ(n_xz + 1) + ψ(n_yz + 1) − ψ(n_z + 1)⟩,
// with ε_i the Chebyshev distance to the k-th neighbour in (x, y, z) and n_· the strict counts of other
// points within ε_i in each subspace, from the compute backend's `frenzelPompeCounts` kernel (native
// when built: native/cpu/cmi.cc; its reference main/compute/reference/frenzel-pompe-counts.ts).
// Discrete variables: the plug-in estimator of ./discrete.ts. Mixed: discrete codes pass through the tie
// rule (./tie-rule.ts), which leaves I(X;Y|Z) unchanged, and the continuous estimator is used.
import type { ComputeBackend, FrenzelPompeCounts } from '../compute/kernels.js';
import { frenzelPompeCountsReference } from '../compute/reference/frenzel-pompe-counts.js';
import { digammaOfInteger, meanDigammaOfCounts } from './digamma.js';
import { discreteConditionalMutualInformation } from './discrete.js';
import { deriveSeed } from './random.js';
import { prepareContinuous } from './tie-rule.js';

export type ConditionalVariable = { kind: 'continuous'; values: Float64Array } | { kind: 'discrete'; codes: Int32Array };

/**
 * I(X;Y|Z) from one feature's counts: ψ(k) − (⟨ψ(n_xz + 1)⟩ + ⟨ψ(n_yz + 1)⟩) + ⟨ψ(n_z + 1)⟩. The two
 * means are added first (addition commutes exactly), so the value does not depend on which of x and y
 * the kernel was given as the target: the observed estimate and its permutations agree bit for bit.
 */
export function frenzelPompeFromCounts(counts: FrenzelPompeCounts, k: number): number {
  const xz = counts.meanDigammaXZ ?? meanDigammaOfCounts(counts.countXZ, 1);
  const yz = counts.meanDigammaYZ ?? meanDigammaOfCounts(counts.countYZ, 1);
  const z = counts.meanDigammaZ ?? meanDigammaOfCounts(counts.countZ, 1);
  return digammaOfInteger(k) - (xz + yz) + z;
}

/**
 * Frenzel–Pompe of each feature with the shared target given the columns `given`, on the compute
 * backend; prepared (tie-free, scaled) columns of equal length; nats, not clipped; 0 when n ≤ k.
 */
export async function frenzelPompeMutualInformation(
  compute: ComputeBackend,
  target: Float64Array,
  given: readonly Float64Array[],
  features: readonly Float64Array[],
  k: number,
): Promise<number[]> {
  if (features.length === 0) return [];
  if (target.length <= k) return features.map(() => 0);
  const counts = await compute.frenzelPompeCounts(target, given, features, k);
  return counts.map((featureCounts) => frenzelPompeFromCounts(featureCounts, k));
}

/** Frenzel–Pompe on prepared columns of equal length, synchronously with the reference counts; nats, not clipped. */
export function frenzelPompe(x: Float64Array, y: Float64Array, z: Float64Array, k: number): number {
  if (x.length <= k) return 0;
  return frenzelPompeFromCounts(frenzelPompeCountsReference(y, [z], [x], k)[0]!, k);
}

/** I(X;Y|Z) in nats, clipped at 0, for complete (no missing values) variables of equal length. */
export function conditionalMutualInformation(
  x: ConditionalVariable,
  y: ConditionalVariable,
  z: ConditionalVariable,
  options: { k?: number; seed?: number } = {},
): number {
  const k = options.k ?? 3;
  const seed = options.seed ?? 0;
  if (x.kind === 'discrete' && y.kind === 'discrete' && z.kind === 'discrete') {
    return Math.max(0, discreteConditionalMutualInformation(x.codes, y.codes, z.codes));
  }
  const prepared = [x, y, z].map((variable, index) => {
    const raw = variable.kind === 'continuous' ? variable.values : Float64Array.from(variable.codes);
    return prepareContinuous(raw, deriveSeed(seed, `conditional-${index}`));
  });
  if (prepared[0]!.constant || prepared[1]!.constant) return 0;
  if (prepared[2]!.constant) {
    // Conditioning on a constant is conditioning on nothing: I(X;Y|Z) = I(X;Y), here via a zero z.
    prepared[2]!.values.fill(0);
  }
  return Math.max(0, frenzelPompe(prepared[0]!.values, prepared[1]!.values, prepared[2]!.values, k));
}
