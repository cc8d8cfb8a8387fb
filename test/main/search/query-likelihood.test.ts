// The scoring formula against the definitions it claims to implement.
import { describe, expect, it } from 'vitest';
import { absentTermPmi, scoreDocuments, termPmi, type WeightedTerm } from '../../../main/search/query-likelihood.js';

function postings(rows: Array<[passageId: number, tf: number, length: number, documentId: number]>): WeightedTerm['postings'] {
  return {
    passageIds: Int32Array.from(rows.map((row) => row[0])),
    termFrequencies: Int32Array.from(rows.map((row) => row[1])),
    passageLengths: Int32Array.from(rows.map((row) => row[2])),
    documentIds: Int32Array.from(rows.map((row) => row[3])),
  };
}

describe('query likelihood as pointwise mutual information', () => {
  it('is log p(w|d)/p(w|C) with the two-stage smoothed document model', () => {
    const mu = 50;
    const queryNoise = 0.4;
    const p = 0.002;
    for (const [tf, length] of [
      [0, 30],
      [1, 30],
      [5, 300],
    ]) {
      const documentModel = (1 - queryNoise) * ((tf + mu * p) / (length + mu)) + queryNoise * p;
      const expected = Math.log(documentModel / p);
      const actual = tf === 0 ? absentTermPmi(length, { mu, queryNoise }) : termPmi(tf, length, p, { mu, queryNoise });
      expect(actual).toBeCloseTo(expected, 12);
    }
  });

  it('reduces to the rank-equivalent Dirichlet form when the query noise is 0', () => {
    const mu = 100;
    const p = 0.001;
    expect(termPmi(3, 80, p, { mu, queryNoise: 0 })).toBeCloseTo(Math.log1p(3 / (mu * p)) + Math.log(mu / (80 + mu)), 12);
  });

  it('sums weighted PMI over query terms, counts absent terms, and keeps the best passage per document', () => {
    const smoothing = { mu: 20, queryNoise: 0.5 };
    const terms: WeightedTerm[] = [
      {
        termId: 1,
        weight: 2,
        collectionProbability: 0.01,
        postings: postings([
          [10, 3, 40, 100],
          [11, 1, 10, 100],
          [12, 1, 40, 200],
        ]),
      },
      { termId: 2, weight: 1, collectionProbability: 0.05, postings: postings([[12, 4, 40, 200]]) },
    ];
    const scores = scoreDocuments(terms, smoothing);
    const passage10 = 2 * termPmi(3, 40, 0.01, smoothing) + absentTermPmi(40, smoothing);
    const passage11 = 2 * termPmi(1, 10, 0.01, smoothing) + absentTermPmi(10, smoothing);
    const passage12 = 2 * termPmi(1, 40, 0.01, smoothing) + termPmi(4, 40, 0.05, smoothing);
    expect(scores.get(100)!.score).toBeCloseTo(Math.max(passage10, passage11), 12);
    expect(scores.get(100)!.passageId).toBe(passage10 > passage11 ? 10 : 11);
    expect(scores.get(200)).toMatchObject({ passageId: 12, positiveTerms: 2 });
    expect(scores.get(200)!.score).toBeCloseTo(passage12, 12);
  });

  it('gives a term negative PMI when a passage uses it less than the collection does', () => {
    // tf/|d| = 1/200 < p(w|C) = 0.05: the passage is evidence against the term.
    expect(termPmi(1, 200, 0.05, { mu: 10, queryNoise: 0.3 })).toBeLessThan(0);
    const scores = scoreDocuments([{ termId: 1, weight: 1, collectionProbability: 0.05, postings: postings([[1, 1, 200, 1]]) }], {
      mu: 10,
      queryNoise: 0.3,
    });
    expect(scores.get(1)!.positiveTerms).toBe(0);
  });
});
