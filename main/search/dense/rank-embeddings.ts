// `milens rank`'s engine: ranks items for queries given as embedding matrices computed elsewhere, with
// PMI in bits, the hub correction (from a given bank, else from the queries themselves, each query left
// out of its own correction) and the no-match rule or a plain bits cut-off.
import type { ComputeBackend } from '../../compute/kernels.js';
import { invalidArgument } from '../../api/errors.js';
import { buildHubCorrection, correctionOffsets, type Float32Rows } from './hub-correction.js';
import { rankDense, type DenseRankOptions, type DenseRanking } from './dense-ranker.js';
import { DEFAULT_MATCH_RULE, type MatchRule } from './no-match.js';

export interface RankEmbeddingsOptions {
  items: Float32Rows;
  queries: Float32Rows;
  bank?: Float32Rows;
  logitScale: number;
  limit: number;
  /** A plain cut-off in bits instead of the no-match rule. */
  minBits?: number;
  /** List the best `limit` items of every query, matched or not. */
  all?: boolean;
  hubCorrection?: boolean;
}

export interface RankEmbeddingsResult {
  rankings: DenseRanking[];
  /** Where the hub correction came from. */
  correction: 'bank' | 'queries, each left out of its own' | 'none';
}

export async function rankEmbeddings(compute: ComputeBackend, options: RankEmbeddingsOptions): Promise<RankEmbeddingsResult> {
  const { items, queries, bank } = options;
  if (queries.dimension !== items.dimension)
    throw invalidArgument(`The queries have ${queries.dimension} dimensions but the items have ${items.dimension}`);
  if (bank && bank.dimension !== items.dimension)
    throw invalidArgument(`The bank has ${bank.dimension} dimensions but the items have ${items.dimension}`);
  const store = { dtype: 'f32' as const, data: items.data, count: items.count, dimension: items.dimension };
  const index = await compute.createVectorIndex(store);
  try {
    const rule: MatchRule = options.minBits === undefined ? DEFAULT_MATCH_RULE : { kind: 'min-bits', minBits: options.minBits };
    const rankOptions: DenseRankOptions = {
      limit: options.limit,
      candidates: Math.max(options.limit, 64),
      logitScale: options.logitScale,
      rule,
      listing: options.all ? 'all' : 'matches',
    };
    let correction: RankEmbeddingsResult['correction'] = 'none';
    if (options.hubCorrection !== false && items.count > 0) {
      const state = await buildHubCorrection(compute, store, index, bank ?? queries, options.logitScale);
      rankOptions.offsets = correctionOffsets(state);
      rankOptions.itemBankMoments = { mean: state.itemBankMean, deviation: state.itemBankDeviation, runnerUpNull: state.runnerUpNull! };
      if (bank) correction = 'bank';
      else {
        correction = 'queries, each left out of its own';
        rankOptions.leaveOneOut = {
          itemLogMass: state.itemLogMass,
          bankSize: state.bankSize,
          queryLogNormalisers: state.bankLogNormalisers,
        };
      }
    }
    const rankings = await rankDense(index, queries.data, queries.count, rankOptions);
    return { rankings, correction };
  } finally {
    index.dispose();
  }
}
