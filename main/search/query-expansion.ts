// Query expansion learned from the collection itself (pseudo-relevance feedback, a relevance model).
// The passages that best match the query form a feedback set F, each weighted by its posterior
// p(d|q) ∝ p(q|d) (the exponentiated PMI score). The feedback model is
// p(t|F) = Σ_d p(d|q) tf(t,d)/|d|. Candidate terms must have positive pointwise mutual information with
// the feedback set, log p(t|F)/p(t|C) > 0 (PPMI: they are more typical of what the query found than of
// the collection) and occur in at least two feedback passages; the most probable of them under p(t|F)
// are kept, renormalised, and mixed with the original query.
import { decodeTermVector } from '../../db/repositories/text-index-repository.js';

export interface ExpansionParameters {
  /** Feedback passages (the best-scoring ones). */
  feedbackPassages: number;
  /** Expansion terms kept. */
  terms: number;
  /** Weight of the feedback model in the mixed query (0 = no expansion). */
  feedbackWeight: number;
  /** A candidate must occur in at least this many feedback passages. */
  minimumFeedbackPassages: number;
}

export interface FeedbackPassage {
  termVector: Buffer;
  length: number;
  /** log p(q|d)/p(q|C) of the original query, nats: feedback passages are weighted by p(d|q). */
  score: number;
}

/** Term id → expansion weight (weights sum to 1). */
export function feedbackTermWeights(
  feedback: readonly FeedbackPassage[],
  collectionProbability: (termId: number) => number,
  parameters: ExpansionParameters,
): Map<number, number> {
  if (feedback.length === 0) return new Map();
  // p(d|q) ∝ p(q|d) ∝ exp(score) over the feedback set (scores are log-likelihood ratios against the same p(q|C)).
  const top = Math.max(...feedback.map((passage) => passage.score));
  const posteriors = feedback.map((passage) => Math.exp(passage.score - top));
  const normaliser = posteriors.reduce((sum, value) => sum + value, 0);
  const feedbackProbability = new Map<number, number>();
  const passageCounts = new Map<number, number>();
  feedback.forEach((passage, index) => {
    if (passage.length === 0) return;
    const weight = posteriors[index] / normaliser;
    for (const [termId, tf] of decodeTermVector(passage.termVector)) {
      feedbackProbability.set(termId, (feedbackProbability.get(termId) ?? 0) + (weight * tf) / passage.length);
      passageCounts.set(termId, (passageCounts.get(termId) ?? 0) + 1);
    }
  });
  const scored: Array<[number, number]> = [];
  for (const [termId, probability] of feedbackProbability) {
    if ((passageCounts.get(termId) ?? 0) < parameters.minimumFeedbackPassages) continue;
    const pmi = Math.log(probability / collectionProbability(termId));
    if (pmi > 0) scored.push([termId, probability]);
  }
  scored.sort((a, b) => b[1] - a[1]);
  const kept = scored.slice(0, parameters.terms);
  const total = kept.reduce((sum, [, weight]) => sum + weight, 0);
  return new Map(kept.map(([termId, weight]) => [termId, weight / total]));
}
