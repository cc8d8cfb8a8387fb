// The measures by which milens' dense ranking is compared with raw cosine (scripts/eval/rank-eval.mjs and
// the tests): recall@k and MAP for queries with one true item, the skewness of the k-occurrence
// distribution (how often each item appears in the top-10 lists: large positive skew means hubs), and
// for "no match" the share of queries without a true item answered "nothing here" against the share of
// matching queries kept. Plus `evaluateRankers`, which runs both rankings over one collection.
import type { ComputeBackend } from '../../compute/kernels.js';
import { buildHubCorrection, correctionOffsets, type Float32Rows } from './hub-correction.js';
import { rankDense } from './dense-ranker.js';
import { DEFAULT_MATCH_RULE, type MatchRule } from './no-match.js';

/** Share of queries (those with truth ≥ 0) whose true item is among the first k of its ranking. */
export function recallAt(rankings: ReadonlyArray<ArrayLike<number>>, truth: ArrayLike<number>, k: number): number {
  let hits = 0;
  let counted = 0;
  rankings.forEach((ranking, q) => {
    if (truth[q]! < 0) return;
    counted++;
    for (let rank = 0; rank < Math.min(k, ranking.length); rank++) if (ranking[rank] === truth[q]) hits++;
  });
  return counted === 0 ? 0 : hits / counted;
}

/** MAP with one relevant item per query: the mean of 1 / rank (0 when it is not ranked). */
export function meanAveragePrecision(rankings: ReadonlyArray<ArrayLike<number>>, truth: ArrayLike<number>): number {
  let total = 0;
  let counted = 0;
  rankings.forEach((ranking, q) => {
    if (truth[q]! < 0) return;
    counted++;
    for (let rank = 0; rank < ranking.length; rank++) {
      if (ranking[rank] === truth[q]) {
        total += 1 / (rank + 1);
        break;
      }
    }
  });
  return counted === 0 ? 0 : total / counted;
}

/** Skewness of N_k(x), the number of top-k lists item x appears in, over all items (Radovanović et al. 2010). */
export function kOccurrenceSkewness(rankings: ReadonlyArray<ArrayLike<number>>, itemCount: number, k = 10): number {
  const occurrences = new Float64Array(itemCount);
  for (const ranking of rankings) for (let rank = 0; rank < Math.min(k, ranking.length); rank++) occurrences[ranking[rank]!]! += 1;
  let mean = 0;
  for (const value of occurrences) mean += value;
  mean /= itemCount;
  let second = 0;
  let third = 0;
  for (const value of occurrences) {
    second += (value - mean) ** 2;
    third += (value - mean) ** 3;
  }
  second /= itemCount;
  third /= itemCount;
  return second > 0 ? third / second ** 1.5 : 0;
}

export interface RankerMeasures {
  recall1: number;
  recall5: number;
  recall10: number;
  map: number;
  skewness10: number;
  /** Share of queries without a true item answered "nothing here". */
  noMatchCorrect: number;
  /** Share of queries with a true item that were answered (not "nothing here"). */
  matchingKept: number;
}

export interface EvaluationInput {
  items: Float32Rows;
  queries: Float32Rows;
  /** Per query: its true item, or −1 for a query whose true item is not in the collection. */
  truth: Int32Array;
  /** A bank of queries for the hub correction; absent: the queries themselves, leave one out. */
  bank?: Float32Rows;
  logitScale: number;
  rule?: MatchRule;
  hubCorrection?: boolean;
}

export interface EvaluationResult {
  rawCosine: RankerMeasures;
  milens: RankerMeasures;
  bankSource: 'bank' | 'queries (leave one out)' | 'none';
}

function measures(rankings: Int32Array[], answered: boolean[], truth: Int32Array, itemCount: number): RankerMeasures {
  let noMatch = 0;
  let noMatchCorrect = 0;
  let matching = 0;
  let kept = 0;
  truth.forEach((item, q) => {
    if (item < 0) {
      noMatch++;
      if (!answered[q]) noMatchCorrect++;
    } else {
      matching++;
      if (answered[q]) kept++;
    }
  });
  return {
    recall1: recallAt(rankings, truth, 1),
    recall5: recallAt(rankings, truth, 5),
    recall10: recallAt(rankings, truth, 10),
    map: meanAveragePrecision(rankings, truth),
    skewness10: kOccurrenceSkewness(rankings, itemCount, 10),
    noMatchCorrect: noMatch === 0 ? NaN : noMatchCorrect / noMatch,
    matchingKept: matching === 0 ? NaN : kept / matching,
  };
}

/** Ranks every query by raw cosine and by milens (PMI with hub correction and the no-match rule). */
export async function evaluateRankers(compute: ComputeBackend, input: EvaluationInput, depth = 100): Promise<EvaluationResult> {
  const { items, queries, truth, logitScale } = input;
  const store = { dtype: 'f32' as const, data: items.data, count: items.count, dimension: items.dimension };
  const index = await compute.createVectorIndex(store);
  try {
    const k = Math.min(depth, items.count);
    const raw = await index.search(queries.data, queries.count, k);
    const rawRankings = Array.from({ length: queries.count }, (_, q) => raw.indices.subarray(q * k, (q + 1) * k));
    const rawMeasures = measures(
      rawRankings,
      rawRankings.map(() => true),
      truth,
      items.count,
    );

    const useCorrection = input.hubCorrection ?? true;
    const bank = input.bank ?? queries;
    const bankSource = !useCorrection ? 'none' : input.bank ? 'bank' : 'queries (leave one out)';
    let offsets: Float32Array | undefined;
    let leaveOneOut: Parameters<typeof rankDense>[3]['leaveOneOut'];
    let itemBankMoments: Parameters<typeof rankDense>[3]['itemBankMoments'];
    if (useCorrection) {
      const state = await buildHubCorrection(compute, store, index, bank, logitScale);
      offsets = correctionOffsets(state);
      itemBankMoments = { mean: state.itemBankMean, deviation: state.itemBankDeviation, runnerUpNull: state.runnerUpNull! };
      if (!input.bank)
        leaveOneOut = { itemLogMass: state.itemLogMass, bankSize: state.bankSize, queryLogNormalisers: state.bankLogNormalisers };
    }
    const rankings = await rankDense(index, queries.data, queries.count, {
      limit: k,
      candidates: Math.max(k, 200),
      logitScale,
      ...(offsets ? { offsets } : {}),
      ...(leaveOneOut ? { leaveOneOut } : {}),
      ...(itemBankMoments ? { itemBankMoments } : {}),
      rule: input.rule ?? DEFAULT_MATCH_RULE,
      listing: 'all',
    });
    const milensRankings = rankings.map((ranking) => Int32Array.from(ranking.results, (result) => result.item));
    const milensMeasures = measures(
      milensRankings,
      rankings.map((ranking) => ranking.match),
      truth,
      items.count,
    );
    return { rawCosine: rawMeasures, milens: milensMeasures, bankSource };
  } finally {
    index.dispose();
  }
}
