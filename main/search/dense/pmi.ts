// Pointwise mutual information of a query and a stored embedding, from a CLIP-family model's logits.
// The model's logit is s(q, x) = scale · cos(q, x) + bias. Reading p(x|q) as the softmax of s over the
// collection C (|C| = N items, each a priori 1/N),
//
//   PMI(q; x) = log p(x|q) / p(x) = s(q, x) − log mean_{x' ∈ C} exp s(q, x')      (nats)
//
// and the bias cancels (it shifts every logit of a query alike), so only the scale matters. With an
// item-side hub correction h (hub-correction.ts) the logit is z = scale · cos − h(x) and the same
// formula applies to z: the softmax then divides each item by its estimated popularity before
// normalising. Bits are nats / ln 2. PMI ≤ log N: an item that takes all of the query's mass scores log2 N.

export const LN2 = Math.LN2;

/** The parts of a model that PMI needs, from its manifest. */
export interface LogitModel {
  /** The model id (shown in each result's `why`). */
  id: string;
  /** CLIP's exp(logit_scale), 100 for OpenAI CLIP; SigLIP's t. */
  logitScale: number;
  /** SigLIP's bias; 0 for CLIP. It cancels in PMI and is kept for the record. */
  logitBias: number;
}

export const DEFAULT_LOGIT_SCALE = 100;

export function natsToBits(nats: number): number {
  return nats / LN2;
}

/** PMI in nats of an item with logit z, given the query's log Σ exp over the N items of the collection. */
export function pmiNats(logit: number, logSumExp: number, itemCount: number): number {
  return logit - logSumExp + Math.log(itemCount);
}

/** What the collection-wide normaliser subtracts: log mean_x exp z(q, x), in nats. */
export function normaliserNats(logSumExp: number, itemCount: number): number {
  return logSumExp - Math.log(itemCount);
}

/** Mean and standard deviation of a query's logits over every item, from the fused pass's sums. */
export function backgroundMoments(sum: number, sumSquares: number, itemCount: number): { mean: number; deviation: number } {
  if (itemCount <= 0) return { mean: 0, deviation: 0 };
  const mean = sum / itemCount;
  const variance = Math.max(0, sumSquares / itemCount - mean * mean);
  return { mean, deviation: Math.sqrt(variance) };
}

/** Rounds for display and JSON (4 decimals). */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
