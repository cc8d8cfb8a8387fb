// The measures by which milens' dense ranking is compared with raw cosine (scripts/eval/rank-eval.mjs and
// the tests): recall@k (a query counts when any of its true items is among the first k, as MS-COCO and
// Flickr30k recall is reported) and MAP (average precision over all of a query's true items), the skewness of the k-occurrence
// distribution (how often each item appears in the top-10 lists: large positive skew means hubs), and
// for "no match" the share of queries without a true item answered "nothing here" against the share of
// matching queries kept. Plus `evaluateRankers`, which runs both rankings over one collection.
import type { ComputeBackend } from '../../compute/kernels.js';
import { buildHubCorrection, correctionOffsets, type Float32Rows } from './hub-correction.js';
import { rankDense } from './dense-ranker.js';
import { DEFAULT_MATCH_RULE, type MatchRule } from './no-match.js';

/**
 * Ground truth per query: one true item (−1: none), as the synthetic generator gives it, or the list of
 * its true items (empty: none), as real data sets with several true items per query do.
 */
export type TruthLike = ArrayLike<number> | ReadonlyArray<readonly number[]>;

/** The truth as one set of true items per query. */
export function truthSets(truth: TruthLike): Array<Set<number>> {
  return Array.from({ length: truth.length }, (_, q) => {
    const entry = truth[q] as number | readonly number[];
    return new Set(typeof entry === 'number' ? (entry >= 0 ? [entry] : []) : entry);
  });
}

/** Share of queries with a true item that have one among the first k of their ranking. */
export function recallAt(rankings: ReadonlyArray<ArrayLike<number>>, truth: TruthLike, k: number): number {
  const sets = truthSets(truth);
  let hits = 0;
  let counted = 0;
  rankings.forEach((ranking, q) => {
    const relevant = sets[q]!;
    if (relevant.size === 0) return;
    counted++;
    for (let rank = 0; rank < Math.min(k, ranking.length); rank++) {
      if (relevant.has(ranking[rank]!)) {
        hits++;
        break;
      }
    }
  });
  return counted === 0 ? 0 : hits / counted;
}

/**
 * MAP over queries with a true item: the mean of average precision, (1/|R|) Σ over the true items
 * ranked of the precision at their rank (true items not ranked add 0). With one true item, 1 / rank.
 */
export function meanAveragePrecision(rankings: ReadonlyArray<ArrayLike<number>>, truth: TruthLike): number {
  const sets = truthSets(truth);
  let total = 0;
  let counted = 0;
  rankings.forEach((ranking, q) => {
    const relevant = sets[q]!;
    if (relevant.size === 0) return;
    counted++;
    let found = 0;
    let precisionSum = 0;
    for (let rank = 0; rank < ranking.length && found < relevant.size; rank++) {
      if (relevant.has(ranking[rank]!)) {
        found++;
        precisionSum += found / (rank + 1);
      }
    }
    total += precisionSum / relevant.size;
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
  /** Per query: its true item(s); −1 or an empty list for a query whose true items are not in the collection. */
  truth: TruthLike;
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

function measures(rankings: Int32Array[], answered: boolean[], truth: TruthLike, itemCount: number): RankerMeasures {
  let noMatch = 0;
  let noMatchCorrect = 0;
  let matching = 0;
  let kept = 0;
  truthSets(truth).forEach((relevant, q) => {
    if (relevant.size === 0) {
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
