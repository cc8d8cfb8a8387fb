// Ranks stored embeddings for query embeddings by PMI in bits (pmi.ts), with the hub correction as the
// index's per-item offsets (hub-correction.ts) and the "no match" rule (no-match.ts). One fused pass of
// the resident vector index per batch of queries gives the top candidates by corrected logit, the
// softmax normaliser and the background's moments; nothing else reads the store.
import type { VectorIndex } from '../../compute/kernels.js';
import { NULL_CANDIDATES, leaveOneOutCorrectionNats, meanOf } from './hub-correction.js';
import {
  bankStandardScore,
  chanceMaximumLogit,
  chanceMaximumPValue,
  leaveOneOutMoments,
  runnerUpPValue,
  type MatchRule,
} from './no-match.js';
import { LN2, backgroundMoments, normaliserNats, pmiNats } from './pmi.js';

/** Which items of a query's ranking are listed. */
export type ListingRule =
  /** Items that clear the match rule (the default). */
  | 'matches'
  /** Every item with positive PMI (more likely under the query than a random item), match or not: "show weaker results". */
  | 'positive'
  /** Every candidate, best first, whether the query matched or not (`milens rank --all`, evaluations). */
  | 'all';

export interface DenseRankOptions {
  /** Results kept per query (at most 4096). */
  limit: number;
  /** Candidates fetched per query before re-ranking (≥ limit; default max(limit, 64)). */
  candidates?: number;
  logitScale: number;
  /** Per-item offsets in nats (the hub correction); absent for plain PMI. */
  offsets?: Float32Array;
  /**
   * For a bank made of the queries themselves: each query's own share is taken out of the correction
   * of its candidates (hub-correction.ts leaveOneOutCorrectionNats).
   */
  leaveOneOut?: { itemLogMass: Float64Array; bankSize: number; queryLogNormalisers: Float64Array };
  rule: MatchRule;
  listing?: ListingRule;
  /**
   * Per item (store row): mean and standard deviation of the bank's raw logits, and the bank's runner-up
   * null (hub-correction.ts). When given, the no-match rule is the bank's (no-match.ts): each of the
   * first NULL_CANDIDATES candidates' bank-standardised score against the null.
   */
  itemBankMoments?: { mean: Float32Array; deviation: Float32Array; runnerUpNull: Float32Array };
}

export interface RankedItem {
  item: number;
  bits: number;
  cosine: number;
  /** Bits the hub correction added (negative for a hub). */
  correctionBits: number;
}

export interface DenseRanking {
  /** Whether some item cleared the match rule. */
  match: boolean;
  results: RankedItem[];
  /** log2 mean exp of the corrected logits over the collection: what every item's bits had subtracted. */
  normaliserBits: number;
  /** Which rule decided `match` (no-match.ts). */
  rule: 'bank runner-up' | 'chance maximum' | 'min bits';
  /**
   * The min-bits cut-off, or the PMI (bits) the chance maximum of the query's background asks for (the
   * rule without a bank; with the bank, each item's own standing decides and this is for the record).
   */
  thresholdBits: number;
  /** The p-value of the query as a match (no-match.ts): its best candidate's. */
  bestPValue: number;
  itemCount: number;
}

interface Candidate {
  item: number;
  logit: number;
  offset: number;
}

/** log(exp(a) + Σ exp(add) − Σ exp(remove)), for small corrections to a large sum. */
function adjustLogSumExp(logSumExp: number, remove: readonly number[], add: readonly number[]): number {
  if (remove.length === 0) return logSumExp;
  let delta = 0;
  for (let i = 0; i < remove.length; i++) delta += Math.exp(add[i]! - logSumExp) - Math.exp(remove[i]! - logSumExp);
  return logSumExp + Math.log(Math.max(1e-300, 1 + delta));
}

const means = new WeakMap<Float32Array, number>();

/** The mean of a per-item array, computed once per array (offsets and bank means live as long as the index). */
function cachedMean(values: Float32Array): number {
  let mean = means.get(values);
  if (mean === undefined) {
    mean = meanOf(values);
    means.set(values, mean);
  }
  return mean;
}

/** Ranks `queryCount` L2-normalised queries (row-major) against the index. */
export async function rankDense(
  index: VectorIndex,
  queries: Float32Array,
  queryCount: number,
  options: DenseRankOptions,
): Promise<DenseRanking[]> {
  const itemCount = index.count;
  const limit = Math.min(options.limit, 4096);
  const candidatesWanted = Math.min(4096, Math.max(limit, options.candidates ?? Math.max(limit, 64)));
  const listing = options.listing ?? 'matches';
  const rankings: DenseRanking[] = [];
  if (itemCount === 0) {
    for (let q = 0; q < queryCount; q++) {
      rankings.push({
        match: false,
        results: [],
        rule: 'chance maximum',
        normaliserBits: 0,
        thresholdBits: Infinity,
        bestPValue: 1,
        itemCount,
      });
    }
    return rankings;
  }
  const k = Math.min(candidatesWanted, itemCount);
  const transform = options.offsets ? { scale: options.logitScale, offsets: options.offsets } : { scale: options.logitScale };
  const pass = await index.searchLogits(queries, queryCount, k, transform);
  // A null of M runner-ups cannot give a p-value below 1 / (M + 1): one too small to ever reject at α
  // (fewer than 1/α − 1 bank queries) leaves the decision to the query's background.
  const significance = options.rule.kind === 'chance-maximum' ? options.rule.significance : 0;
  const moments =
    options.itemBankMoments && 1 / (options.itemBankMoments.runnerUpNull.length + 1) < significance ? options.itemBankMoments : undefined;
  // The centring constants of the bank-standardised score (no-match.ts), once per call.
  const meanOffset = options.offsets ? cachedMean(options.offsets) : 0;
  const meanBankMean = moments ? cachedMean(moments.mean) : 0;
  for (let q = 0; q < queryCount; q++) {
    let candidates: Candidate[] = [];
    for (let rank = 0; rank < k; rank++) {
      const item = pass.indices[q * k + rank]!;
      if (item < 0) break;
      const offset = options.offsets ? options.offsets[item]! : 0;
      candidates.push({ item, logit: pass.scores[q * k + rank]!, offset });
    }
    let logSumExp = pass.logSumExp[q]!;
    const loo = options.leaveOneOut;
    if (loo && options.offsets) {
      const removed: number[] = [];
      const added: number[] = [];
      candidates = candidates.map((candidate) => {
        const rawLogit = candidate.logit + candidate.offset;
        const offset = leaveOneOutCorrectionNats(
          loo.itemLogMass[candidate.item]!,
          loo.bankSize,
          itemCount,
          rawLogit,
          loo.queryLogNormalisers[q]!,
        );
        removed.push(candidate.logit);
        added.push(rawLogit - offset);
        return { item: candidate.item, logit: rawLogit - offset, offset };
      });
      logSumExp = adjustLogSumExp(logSumExp, removed, added);
      candidates.sort((a, b) => b.logit - a.logit || a.item - b.item);
    }
    const { mean, deviation } = backgroundMoments(pass.sum[q]!, pass.sumSquares[q]!, itemCount);
    const bitsOf = (logit: number) => pmiNats(logit, logSumExp, itemCount) / LN2;
    const scored = candidates.map((candidate) => ({
      item: candidate.item,
      bits: bitsOf(candidate.logit),
      cosine: (candidate.logit + candidate.offset) / options.logitScale,
      correctionBits: candidate.offset === 0 ? 0 : -candidate.offset / LN2,
    }));
    // Each candidate's p-value as a match: with the bank, its bank-standardised score against the bank's
    // runner-up null (only the first NULL_CANDIDATES candidates, as the null was made); without, its
    // logit against the chance maximum of the query's background. An item the bank gives no spread is
    // judged by the background alone.
    const queryMeanRaw = mean + meanOffset;
    const pValueOf = (position: number): number => {
      const candidate = candidates[position]!;
      const backgroundP = () => chanceMaximumPValue(candidate.logit, mean, deviation, itemCount);
      if (!moments) return backgroundP();
      if (position >= NULL_CANDIDATES) return 1;
      const raw = candidate.logit + candidate.offset;
      let itemMean = moments.mean[candidate.item]!;
      let itemDeviation = moments.deviation[candidate.item]!;
      if (loo) {
        // The query is one of the bank: it is measured against the other queries (as the null was made).
        const others = leaveOneOutMoments(itemMean, itemDeviation, loo.bankSize, raw);
        itemMean = others.mean;
        itemDeviation = others.deviation;
      }
      const score = bankStandardScore(raw, queryMeanRaw, itemMean, meanBankMean, itemDeviation);
      return Number.isNaN(score) ? backgroundP() : runnerUpPValue(score, moments.runnerUpNull);
    };
    const pValues = candidates.map((_, position) => pValueOf(position));
    const bestPValue = pValues.length > 0 ? Math.min(...pValues) : 1;
    let thresholdBits: number;
    let isMatch: (position: number) => boolean;
    if (options.rule.kind === 'min-bits') {
      const minBits = options.rule.minBits;
      thresholdBits = minBits;
      isMatch = (position) => scored[position]!.bits > minBits;
    } else {
      const thresholdLogit = deviation > 0 ? chanceMaximumLogit(mean, deviation, itemCount, significance) : Infinity;
      thresholdBits = bitsOf(thresholdLogit);
      isMatch = (position) => pValues[position]! < significance;
    }
    const match = scored.some((_, position) => isMatch(position));
    let listed: RankedItem[];
    if (listing === 'all') listed = scored;
    else if (listing === 'positive') listed = scored.filter((entry) => entry.bits > 0);
    else listed = match ? scored.filter((_, position) => isMatch(position)) : [];
    rankings.push({
      match,
      results: listed.slice(0, limit),
      rule: options.rule.kind === 'min-bits' ? 'min bits' : moments ? 'bank runner-up' : 'chance maximum',
      normaliserBits: normaliserNats(logSumExp, itemCount) / LN2,
      thresholdBits,
      bestPValue,
      itemCount,
    });
  }
  return rankings;
}
