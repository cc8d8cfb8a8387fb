// The one set of ranking parameters milens uses for every collection, with the reasons in
// docs/search.md (measured on four test collections, chosen as a rule rather than per collection).
import type { ExpansionParameters } from './query-expansion.js';

export interface SearchParameters {
  /** Dirichlet prior μ as a multiple of the index's average passage length (the rule scales with the data). */
  muPerAverageLength: number;
  /** Query-noise share λ of two-stage smoothing (0 = plain Dirichlet). */
  queryNoise: number;
  /**
   * k3 of the query-term saturation: a word typed c times weighs (k3 + 1) c / (k3 + c), at most k3 + 1
   * (so repeating a word cannot multiply the evidence; see docs/search.md).
   */
  queryTermSaturation: number;
  /** Pseudo-relevance feedback; null disables it. */
  expansion: ExpansionParameters | null;
  /**
   * Optional stricter cut in bits: when set, a result must also have log2 p(q|d)/p(q|C) > minimumBits
   * for the original query (0: more likely under the document than under the collection). Every result
   * must in any case carry positive evidence: a query term with positive PMI (see docs/search.md).
   */
  minimumBits: number | null;
}

export const DEFAULT_SEARCH_PARAMETERS: SearchParameters = {
  muPerAverageLength: 2,
  queryNoise: 0.65,
  queryTermSaturation: 3,
  expansion: { feedbackPassages: 10, terms: 30, feedbackWeight: 0.2, minimumFeedbackPassages: 2 },
  minimumBits: null,
};
