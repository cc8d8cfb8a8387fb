// The reference of the Frenzel–Pompe counts (conditional MI, ../kernels.ts FrenzelPompeCounts): for
// each point the k-th Chebyshev neighbour distance in the joint (x, y, z) space from a kd-tree, then the
// strict counts of other points within it in the (x, z), (y, z) and z subspaces from kd-trees of those.
// The oracle every native backend must match exactly (native/cpu/cmi.cc).
import type { FrenzelPompeCounts } from '../kernels.js';
import { ChebyshevTree } from './chebyshev-tree.js';

export function frenzelPompeCountsReference(
  target: Float64Array,
  given: readonly Float64Array[],
  features: readonly Float64Array[],
  k: number,
): FrenzelPompeCounts[] {
  const n = target.length;
  const dz = given.length;
  // Built once: the (y, z) and z trees do not depend on the feature.
  const targetTree = new ChebyshevTree([target, ...given]);
  const givenTree = new ChebyshevTree(given);
  return features.map((feature) => {
    const joint = new ChebyshevTree([feature, target, ...given]);
    const featureTree = new ChebyshevTree([feature, ...given]);
    const countXZ = new Int32Array(n),
      countYZ = new Int32Array(n),
      countZ = new Int32Array(n);
    const point = new Float64Array(2 + dz),
      sub = new Float64Array(1 + dz),
      z = new Float64Array(dz);
    for (let i = 0; i < n; i++) {
      point[0] = feature[i]!;
      point[1] = target[i]!;
      for (let d = 0; d < dz; d++) z[d] = point[2 + d] = given[d]![i]!;
      const eps = joint.kthNeighbourDistance(point, i, k);
      // eps = 0: no other point is strictly closer than 0; the trees would not count the point itself.
      if (!(eps > 0)) continue;
      sub.set(z, 1);
      sub[0] = feature[i]!;
      countXZ[i] = featureTree.countStrictlyWithin(sub, eps) - 1;
      sub[0] = target[i]!;
      countYZ[i] = targetTree.countStrictlyWithin(sub, eps) - 1;
      countZ[i] = givenTree.countStrictlyWithin(z, eps) - 1;
    }
    return { countXZ, countYZ, countZ };
  });
}
