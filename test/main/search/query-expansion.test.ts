import { describe, expect, it } from 'vitest';
import { encodeTermVector } from '../../../db/repositories/text-index-repository.js';
import { feedbackTermWeights } from '../../../main/search/query-expansion.js';

const parameters = { feedbackPassages: 10, terms: 2, feedbackWeight: 0.5, minimumFeedbackPassages: 2 };

describe('feedback term weights', () => {
  it('keeps terms with positive PMI with the feedback set that occur in two passages, weighted by p(t|F)', () => {
    const feedback = [
      {
        termVector: encodeTermVector([
          [1, 3],
          [2, 1],
          [3, 1],
          [4, 5],
        ]),
        length: 10,
        score: 2,
      },
      {
        termVector: encodeTermVector([
          [1, 1],
          [2, 2],
          [3, 1],
        ]),
        length: 4,
        score: 2,
      },
    ];
    // Term 4 is in one passage only; term 3 is as common in the collection as in the feedback (PMI < 0).
    const background: Record<number, number> = { 1: 0.01, 2: 0.01, 3: 0.5, 4: 0.001 };
    const weights = feedbackTermWeights(feedback, (id) => background[id], parameters);
    expect([...weights.keys()].sort()).toEqual([1, 2]);
    const p1 = 0.5 * (3 / 10) + 0.5 * (1 / 4);
    const p2 = 0.5 * (1 / 10) + 0.5 * (2 / 4);
    expect(weights.get(1)).toBeCloseTo(p1 / (p1 + p2), 12);
    expect(weights.get(2)).toBeCloseTo(p2 / (p1 + p2), 12);
  });

  it('weights feedback passages by their posterior p(d|q) ∝ exp(score)', () => {
    const feedback = [
      {
        termVector: encodeTermVector([
          [1, 1],
          [2, 1],
        ]),
        length: 2,
        score: Math.log(3),
      },
      {
        termVector: encodeTermVector([
          [1, 1],
          [3, 1],
          [2, 0],
        ]),
        length: 2,
        score: 0,
      },
    ];
    const weights = feedbackTermWeights(feedback, () => 0.01, { ...parameters, minimumFeedbackPassages: 1, terms: 10 });
    // Posteriors 3/4 and 1/4: p(1|F) = 1/2, p(2|F) = 3/8, p(3|F) = 1/8.
    expect(weights.get(1)).toBeCloseTo(0.5, 12);
    expect(weights.get(2)).toBeCloseTo(0.375, 12);
    expect(weights.get(3)).toBeCloseTo(0.125, 12);
    expect(feedbackTermWeights([], () => 0.01, parameters).size).toBe(0);
  });
});
