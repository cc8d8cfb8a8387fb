// The LNC estimator (Gao, Ver Steeg & Galstyan 2015, "Efficient estimation of mutual information for
// strongly dependent variables", AISTATS): KSG-1 plus the local non-uniformity correction. KSG assumes
// the density is uniform in each point's k-NN max-norm box; at strong dependence the k neighbours lie
// along a thin diagonal, the box is mostly empty and KSG is biased low (by ~0.05–0.15 nats at ρ = 0.9 to
// 0.99 for n in the thousands). For each point, LNC aligns a box with the principal axes of its k nearest
// neighbours (offsets from the point itself, covariance / k, as the authors' code) and, where that
// box's volume V̄ is below α_k times the max-norm box's volume V, adds (1/n)·log(V / V̄):
//   I_LNC = I_KSG + (1/n) Σ_i [log V_i − log V̄_i] · [V̄_i < α_k V_i] − c_k.
// α_k is the 5 % quantile of V̄ / V for locally uniform points (the paper chooses α by simulation of
// uniform neighbourhoods too). With k as small as 3 even uniform neighbourhoods often look thin, and
// the published sum alone then adds c_k on average where nothing needs correcting (0.085 nats at k = 3,
// measured: +0.06 to +0.08 nats of bias on weakly dependent Gaussians). milens subtracts that mean,
// c_k = E_uniform[(log V − log V̄)·1(V̄ < α_k V)], so the correction is zero on average wherever KSG's
// local-uniformity assumption holds and positive only where neighbourhoods are thinner than uniform ones
// are (strong dependence). Both constants come from one simulation (scripts/eval/mi-accuracy.mjs
// --alpha). Two continuous variables only; k ≥ 2 (one neighbour spans no box).
import { invalidArgument } from '../api/errors.js';
import type { ComputeBackend } from '../compute/kernels.js';
import { ChebyshevTree } from '../compute/reference/chebyshev-tree.js';
import { ksgMutualInformation } from './knn-estimators.js';

export type ContinuousEstimator = 'ksg' | 'lnc';

/** The estimator option, checked: 'ksg' (default) or 'lnc'; LNC needs k ≥ 2. */
export function checkedContinuousEstimator(estimator: unknown, k: number): ContinuousEstimator {
  if (estimator === undefined || estimator === 'ksg') return 'ksg';
  if (estimator !== 'lnc')
    throw invalidArgument(`Unknown estimator "${String(estimator)}": expected "ksg" or "lnc"`, { argument: 'estimator' });
  if (k < 2)
    throw invalidArgument(`The lnc estimator needs k ≥ 2 (k neighbours must span a box) but k is ${k}`, { argument: 'k', value: k });
  return 'lnc';
}

/**
 * α_k (index k, from 2): the 5 % quantile of V̄ / V over points of a uniform sample, 2-D, Chebyshev
 * k-NN, measured on the ~190,000 interior points of 300,000 (seed 2015); beyond the table the last value (ratios concentrate as k grows,
 * so the quantile rises: the last value is conservative, it corrects less).
 */
export const ALPHA_BY_K: readonly number[] = [NaN, NaN, 0.0754, 0.2954, 0.4493, 0.5475, 0.6142, 0.6681, 0.7132, 0.7549, 0.7858];

/** c_k (index k, from 2): the mean correction on the same uniform sample, subtracted (see the header). */
export const UNIFORM_BASELINE_BY_K: readonly number[] = [NaN, NaN, 0.1793, 0.0854, 0.0553, 0.0413, 0.0333, 0.0278, 0.0237, 0.0205, 0.0181];

export function lncAlpha(k: number): number {
  return ALPHA_BY_K[Math.min(k, ALPHA_BY_K.length - 1)]!;
}

export function lncUniformBaseline(k: number): number {
  return UNIFORM_BASELINE_BY_K[Math.min(k, UNIFORM_BASELINE_BY_K.length - 1)]!;
}

/**
 * log(V̄_i / V_i) for every point: the PCA-aligned box of its k nearest neighbours (Chebyshev, the
 * point excluded) against their max-norm box, both spanned by the offsets from the point.
 */
export function logVolumeRatios(x: Float64Array, y: Float64Array, k: number): Float64Array {
  const n = x.length;
  const tree = new ChebyshevTree([x, y]);
  const neighbours = new Int32Array(k);
  const query = new Float64Array(2);
  const ratios = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    query[0] = x[i]!;
    query[1] = y[i]!;
    tree.kNearest(query, i, k, neighbours);
    let sxx = 0,
      sxy = 0,
      syy = 0,
      maxX = 0,
      maxY = 0;
    for (let m = 0; m < k; m++) {
      const dx = x[neighbours[m]!]! - x[i]!,
        dy = y[neighbours[m]!]! - y[i]!;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
      maxX = Math.max(maxX, Math.abs(dx));
      maxY = Math.max(maxY, Math.abs(dy));
    }
    // Principal axes of the 2 × 2 covariance (the 1/k scale does not change them).
    const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    const cos = Math.cos(angle),
      sin = Math.sin(angle);
    let along = 0,
      across = 0;
    for (let m = 0; m < k; m++) {
      const dx = x[neighbours[m]!]! - x[i]!,
        dy = y[neighbours[m]!]! - y[i]!;
      along = Math.max(along, Math.abs(dx * cos + dy * sin));
      across = Math.max(across, Math.abs(-dx * sin + dy * cos));
    }
    ratios[i] = Math.log(along) + Math.log(across) - (Math.log(maxX) + Math.log(maxY));
  }
  return ratios;
}

/** The LNC correction in nats (may be negative: the uniform baseline is subtracted) for prepared, tie-free columns. */
export function lncCorrection(x: Float64Array, y: Float64Array, k: number): number {
  const n = x.length;
  if (n <= k) return 0;
  const threshold = Math.log(lncAlpha(k));
  const ratios = logVolumeRatios(x, y, k);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const ratio = ratios[i]!;
    // A degenerate box (collinear or coincident neighbours: log 0) carries no usable volume ratio.
    if (ratio < threshold && Number.isFinite(ratio)) sum -= ratio;
  }
  return sum / n - lncUniformBaseline(k);
}

/** LNC MI of each feature with the shared target: KSG-1 from the backend plus the correction. */
export async function lncMutualInformation(
  compute: ComputeBackend,
  target: Float64Array,
  features: readonly Float64Array[],
  k: number,
): Promise<number[]> {
  const ksg = await ksgMutualInformation(compute, target, features, k);
  return ksg.map((value, f) => (target.length <= k ? value : value + lncCorrection(features[f]!, target, k)));
}
