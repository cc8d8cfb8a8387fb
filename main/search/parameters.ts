// The one set of ranking parameters milens uses for every collection, with the reasons in
// docs/search.md (measured on four test collections, chosen as a rule rather than per collection).
import type { ExpansionParameters } from './query-expansion.js';

export interface SearchParameters {
  /** Dirichlet prior μ as a multiple of the index's average passage length (the rule scales with the data). */
  muPerAverageLength: number;
  /** Query-noise share λ of two-stage smoothing (0 = plain Dirichlet). */
  queryNoise: number;
  /** Pseudo-relevance feedback; null disables it. */
  expansion: ExpansionParameters | null;
  /**
   * "No match" threshold in bits: a result must make the query more likely than the collection does,
   * log2 p(q|d)/p(q|C) > minimumBits. 0 drops what is no more likely than an average document.
   */
  minimumBits: number;
}

export const DEFAULT_SEARCH_PARAMETERS: SearchParameters = {
  muPerAverageLength: 4,
  queryNoise: 0,
  expansion: { feedbackPassages: 10, terms: 20, feedbackWeight: 0.5, minimumFeedbackPassages: 2 },
  minimumBits: 0,
};
