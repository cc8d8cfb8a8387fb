// Conditional mutual information I(X;Y|Z). Continuous variables: the Frenzel–Pompe (2007) estimator,
// the KSG-1 construction conditioned on Z,
//   I(X;Y|Z) = ψ(k) − ⟨ψ(n_xz + 1) + ψ(n_yz + 1) − ψ(n_z + 1)⟩,
// with ε_i the Chebyshev distance to the k-th neighbour in (x, y, z) and n_· the strict counts of other
// points within ε_i in each subspace; searches use ./kd-tree.ts (O(n log n) for spread data).
// Discrete variables: the plug-in estimator of ./discrete.ts. Mixed: discrete codes pass through the tie
// rule (./tie-rule.ts), which leaves I(X;Y|Z) unchanged, and the continuous estimator is used.
import { digammaOfInteger } from './digamma.js';
import { discreteConditionalMutualInformation } from './discrete.js';
import { ChebyshevTree } from './kd-tree.js';
import { deriveSeed } from './random.js';
import { prepareContinuous } from './tie-rule.js';

export type ConditionalVariable = { kind: 'continuous'; values: Float64Array } | { kind: 'discrete'; codes: Int32Array };

/** Frenzel–Pompe on prepared (tie-free, scaled) columns of equal length; nats, not clipped. */
export function frenzelPompe(x: Float64Array, y: Float64Array, z: Float64Array, k: number): number {
  const n = x.length;
  if (n <= k) return 0;
  const joint = new ChebyshevTree([x, y, z]);
  const xz = new ChebyshevTree([x, z]);
  const yz = new ChebyshevTree([y, z]);
  const zTree = new ChebyshevTree([z]);
  const query3 = new Float64Array(3),
    query2 = new Float64Array(2),
    query1 = new Float64Array(1);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    query3[0] = x[i]!;
    query3[1] = y[i]!;
    query3[2] = z[i]!;
    const radius = joint.kthNeighbourDistance(query3, i, k);
    query2[0] = x[i]!;
    query2[1] = z[i]!;
    const countXZ = xz.countStrictlyWithin(query2, radius) - 1;
    query2[0] = y[i]!;
    const countYZ = yz.countStrictlyWithin(query2, radius) - 1;
    query1[0] = z[i]!;
    const countZ = zTree.countStrictlyWithin(query1, radius) - 1;
    sum += digammaOfInteger(countXZ + 1) + digammaOfInteger(countYZ + 1) - digammaOfInteger(countZ + 1);
  }
  return digammaOfInteger(k) - sum / n;
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
