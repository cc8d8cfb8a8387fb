// "Nothing here matches": the rule that decides whether any item answers a query, and which items are
// listed. The principle is a null distribution of the best score. Nearly every item of a collection is
// unrelated to any one query; their logits form the query's background, summarised by the mean and
// standard deviation that the fused pass accumulates over every item. If no item matched, the best of
// the N logits would be the maximum of N background draws, which exceeds
//
//   t*(α) = mean + deviation · z*,   with  P(max of N standard normals > z*) = α,
//
// only with probability α. An item is a match when its logit clears t*; a query with no such item gets
// an empty list and "nothing here matches". α is therefore the share of queries that match nothing
// which still show something; it is set to 20 %, the product's goal (at least 80 % of such queries
// answered "nothing here"), not fitted to a data set. How many matching queries are kept then depends
// on how far the model lifts true matches above their background (docs/search.md has the measurements). The level adapts to the collection's size (z* grows like √(2 ln N)) and to each query's own
// spread, which raw cosine thresholds cannot do; hubs are already discounted in the logits it tests.
// `--min-bits B` replaces the rule by a plain cut-off on PMI bits.
import { logUpperTail, upperTailQuantile } from './normal-tail.js';

export const DEFAULT_NO_MATCH_SIGNIFICANCE = 0.2;

export type MatchRule = { kind: 'chance-maximum'; significance: number } | { kind: 'min-bits'; minBits: number };

export const DEFAULT_MATCH_RULE: MatchRule = { kind: 'chance-maximum', significance: DEFAULT_NO_MATCH_SIGNIFICANCE };

/** z* such that the maximum of `count` independent standard normals exceeds it with probability `significance`. */
export function chanceMaximumZ(count: number, significance: number): number {
  if (count < 1) return Infinity;
  // 1 − (1 − Q)^N = α  ⇔  Q = 1 − (1 − α)^(1/N) = −expm1(log1p(−α) / N)
  const logTail = Math.log(-Math.expm1(Math.log1p(-significance) / count));
  return upperTailQuantile(logTail);
}

/** The logit an item must exceed to count as a match (see the module comment). */
export function chanceMaximumLogit(mean: number, deviation: number, count: number, significance: number): number {
  return mean + deviation * chanceMaximumZ(count, significance);
}

/**
 * The probability that the best of `count` background items would score at least `logit` by chance:
 * the p-value of the best item as a match. Small means the query found something.
 */
export function chanceMaximumPValue(logit: number, mean: number, deviation: number, count: number): number {
  if (deviation <= 0) return logit > mean ? 0 : 1;
  const logTail = logUpperTail((logit - mean) / deviation);
  // 1 − (1 − Q)^N, computed without cancellation for small Q.
  return -Math.expm1(count * Math.log1p(-Math.exp(logTail)));
}
