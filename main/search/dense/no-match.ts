// "Nothing here matches": the rule that decides whether any item answers a query, and which items are
// listed. The principle is a null distribution of the best score: what the best item of a query whose
// true item is absent scores. Such a query still finds near items (same kind of thing, another
// instance), so the null is not "random noise" but "the best of the rest", and the bank gives it:
//
// 1. The score. For query q and item x, the bank-standardised score
//      z(q, x) = ( s(q, x) − mean_x' s(q, x') − (μ_x − mean_x' μ_x') ) / σ_x
//    where s is the raw logit and μ_x, σ_x the mean and spread of the logits the bank's generic
//    captions give x (hub-correction.ts). It asks how far q stands out on x from what generic queries
//    give x, with q's own level and x's own popularity removed (double centring: it equals
//    scale · (q − b̄)·(x − x̄) / σ_x, b̄ and x̄ the mean caption and mean item). The query's statistic is
//    the largest z among its candidates (the fused pass's top items by corrected logit).
// 2. The null. Every bank caption is ranked the same way, against the other captions' moments (its own
//    logit left out, leaveOneOutMoments); its second-best z (its runner-up) is the best score of a query
//    whose best item has been taken away — exactly the situation of a query whose photo is not in the
//    collection, near items included. The M runner-ups are the empirical null. A query that is itself
//    one of the bank (`milens rank` without --bank) is measured against the other queries likewise.
// 3. The decision. p(q) = (1 + #{runner-ups ≥ the query's best z}) / (M + 1), a permutation-style
//    p-value; the query matches when p < α, and the items listed are those whose own z has p < α.
//
// α = 0.2 is the product's goal stated as a rate (at least 80 % of queries that match nothing answered
// "nothing here"): under the null, a query is answered with probability α. No constant is fitted to a
// data set; the bank brings its own null, so the rule follows the model, the collection and the bank.
// Without a bank (an example image, `milens rank --no-hub-correction`), or with one too small ever to
// reject (1/(M + 1) ≥ α), the rule falls back to the query's own background: if nothing matched, the best of the N logits would be the maximum of N
// background draws, which exceeds t*(α) = mean + deviation · z* only with probability α, where
// P(max of N standard normals > z*) = α (mean and deviation from the fused pass).
// `--min-bits B` replaces either rule by a plain cut-off on PMI bits. docs/search.md has the
// measurements (scripts/eval/no-match-study.mjs) behind the choice, against the alternatives tried.
import { logUpperTail, upperTailQuantile } from './normal-tail.js';

export const DEFAULT_NO_MATCH_SIGNIFICANCE = 0.2;

/**
 * `chance-maximum`: the bank's runner-up null where the bank's per-item moments and null are known, else
 * the chance maximum of the query's background (see the module comment). `min-bits`: a plain cut-off.
 */
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

/** Fisher's combination of two independent p-values: P(χ²₄ > −2 (ln p1 + ln p2)). */
export function fisherCombined(p1: number, p2: number): number {
  const statistic = -2 * (Math.log(Math.max(p1, 1e-300)) + Math.log(Math.max(p2, 1e-300)));
  return Math.min(1, Math.exp(-statistic / 2) * (1 + statistic / 2));
}

/**
 * The bank-standardised score of an item for a query (module comment, step 1), from the item's raw logit,
 * the query's mean raw logit over the collection, the item's bank mean and spread and the collection's
 * mean of bank means. NaN when the bank gives the item no spread (it then says nothing about it).
 */
export function bankStandardScore(
  rawLogit: number,
  queryMeanRawLogit: number,
  itemBankMean: number,
  collectionMeanBankMean: number,
  itemBankDeviation: number,
): number {
  if (!(itemBankDeviation > 0)) return NaN;
  return (rawLogit - queryMeanRawLogit - (itemBankMean - collectionMeanBankMean)) / itemBankDeviation;
}

/** The second largest of a list (−Infinity when it has fewer than two finite values). */
export function runnerUp(values: ArrayLike<number>): number {
  let best = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue;
    if (value > best) {
      second = best;
      best = value;
    } else if (value > second) second = value;
  }
  return second;
}

/**
 * p-value of a score against the bank's runner-up null (sorted ascending): (1 + #{null ≥ score}) / (M + 1).
 * 1 for a score that is not a number.
 */
export function runnerUpPValue(score: number, sortedNull: Float32Array): number {
  if (Number.isNaN(score)) return 1;
  // First position whose value is ≥ score (binary search).
  let low = 0;
  let high = sortedNull.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sortedNull[middle]! < score) low = middle + 1;
    else high = middle;
  }
  return (1 + sortedNull.length - low) / (sortedNull.length + 1);
}

/**
 * An item's bank mean and spread with one bank query's own logit taken out: a query that is also in the
 * bank (`milens rank` without --bank), and each bank caption when the null is made, is measured against
 * the other captions only. Spread 0 when fewer than two remain.
 */
export function leaveOneOutMoments(
  mean: number,
  deviation: number,
  bankSize: number,
  ownLogit: number,
): { mean: number; deviation: number } {
  if (bankSize < 3) return { mean, deviation: 0 };
  const rest = bankSize - 1;
  const restMean = (bankSize * mean - ownLogit) / rest;
  const restSecond = (bankSize * (deviation * deviation + mean * mean) - ownLogit * ownLogit) / rest;
  return { mean: restMean, deviation: Math.sqrt(Math.max(0, restSecond - restMean * restMean)) };
}
