// The interaction terms of the selection criteria, from one 3-way contingency table of discretised
// codes: I(Xk;Xj) and I(Xk;Xj|Y), Miller–Madow corrected so that features with different numbers of
// levels are compared on an equal footing. In nats.

export interface InteractionTerms {
  redundancy: number; // I(Xk; Xj)
  conditionalRedundancy: number; // I(Xk; Xj | Y)
}

/** Σ c log c and the number of occupied cells of a count array. */
function entropyParts(counts: Float64Array, length: number): [number, number] {
  let sum = 0,
    occupied = 0;
  for (let i = 0; i < length; i++) {
    const count = counts[i]!;
    if (count > 0) {
      sum += count * Math.log(count);
      occupied++;
    }
  }
  return [sum, occupied];
}

/** Miller–Madow entropy from Σ c log c and occupied cells. */
function millerMadow(n: number, [sum, occupied]: [number, number]): number {
  return Math.log(n) - sum / n + (occupied - 1) / (2 * n);
}

/** Reusable count buffers, grown on demand. */
export class InteractionScratch {
  joint = new Float64Array(0);
  pair = new Float64Array(0);
  ensure(jointCells: number, pairCells: number): void {
    if (this.joint.length < jointCells) this.joint = new Float64Array(jointCells);
    if (this.pair.length < pairCells) this.pair = new Float64Array(pairCells);
  }
}

/** Largest dense 3-way table; beyond it, cells are counted in a Map. */
const MAX_DENSE_CELLS = 1 << 21;

/**
 * Entropies that depend on one feature only (H(Xk), H(Xk,Y)) are passed in precomputed; this routine
 * counts the tables that involve the pair.
 */
export function interactionTerms(
  a: Int32Array,
  aLevels: number,
  b: Int32Array,
  bLevels: number,
  y: Int32Array,
  yLevels: number,
  entropies: { a: number; b: number; ay: number; by: number; y: number },
  scratch: InteractionScratch,
): InteractionTerms {
  const n = a.length;
  const pairCells = aLevels * bLevels;
  const jointCells = pairCells * yLevels;
  let hab: number, haby: number;
  if (jointCells <= MAX_DENSE_CELLS) {
    scratch.ensure(jointCells, pairCells);
    const joint = scratch.joint,
      pair = scratch.pair;
    joint.fill(0, 0, jointCells);
    pair.fill(0, 0, pairCells);
    for (let i = 0; i < n; i++) {
      const cell = a[i]! * bLevels + b[i]!;
      pair[cell]!++;
      joint[cell * yLevels + y[i]!]!++;
    }
    hab = millerMadow(n, entropyParts(pair, pairCells));
    haby = millerMadow(n, entropyParts(joint, jointCells));
  } else {
    const pair = new Map<number, number>(),
      joint = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const cell = a[i]! * bLevels + b[i]!;
      pair.set(cell, (pair.get(cell) ?? 0) + 1);
      const jointCell = cell * yLevels + y[i]!;
      joint.set(jointCell, (joint.get(jointCell) ?? 0) + 1);
    }
    hab = millerMadow(n, entropyParts(Float64Array.from(pair.values()), pair.size));
    haby = millerMadow(n, entropyParts(Float64Array.from(joint.values()), joint.size));
  }
  return {
    redundancy: entropies.a + entropies.b - hab,
    conditionalRedundancy: entropies.ay + entropies.by - haby - entropies.y,
  };
}

/** Miller–Madow entropy of one code array (or of a combined code array). */
export function codeEntropy(codes: Int32Array, levels: number): number {
  const counts = new Float64Array(levels);
  for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
  return millerMadow(codes.length, entropyParts(counts, levels));
}
