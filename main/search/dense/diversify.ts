// `--diversify`: re-ranks a result list by maximal marginal relevance (Carbonell & Goldstein 1998), so
// that the first page shows different things rather than many takes of one. Each step picks the
// candidate maximising
//   λ · bits / bestBits − (1 − λ) · max_{s ∈ selected} cos(candidate, s)
// with relevance in the list's own PMI (scaled by the best item's, so both terms lie near [0, 1]) and
// redundancy as image–image cosine. λ = 0.7 keeps relevance first.

export const DIVERSIFY_LAMBDA = 0.7;

/** The order (list positions) MMR picks; `cosine(a, b)` compares two list positions. */
export function diversifyOrder(bits: readonly number[], cosine: (a: number, b: number) => number, lambda = DIVERSIFY_LAMBDA): number[] {
  const count = bits.length;
  if (count === 0) return [];
  const best = Math.max(...bits.map((value) => Math.abs(value)), 1e-9);
  const redundancy = new Float64Array(count).fill(-Infinity);
  const chosen = new Uint8Array(count);
  const order: number[] = [];
  for (let step = 0; step < count; step++) {
    let pick = -1;
    let pickScore = -Infinity;
    for (let i = 0; i < count; i++) {
      if (chosen[i]) continue;
      const penalty = order.length === 0 ? 0 : redundancy[i]!;
      const score = (lambda * bits[i]!) / best - (1 - lambda) * penalty;
      if (score > pickScore) {
        pickScore = score;
        pick = i;
      }
    }
    chosen[pick] = 1;
    order.push(pick);
    for (let i = 0; i < count; i++) if (!chosen[i]) redundancy[i] = Math.max(redundancy[i]!, cosine(i, pick));
  }
  return order;
}
