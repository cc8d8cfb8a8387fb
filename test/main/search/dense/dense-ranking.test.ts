// The dense ranking on synthetic CLIP-shaped embeddings where the truth is known (planted hubs, bursts,
// queries with and without a true item): PMI's definition and bounds, plain PMI ordering equal to raw
// cosine, the hub correction raising recall@10 and cutting hubness, "no match" answering nothing for
// queries whose item is absent while keeping most matching ones, the incremental correction against a
// rebuild, bursts folded on the first page, and MMR diversification. Runs on the TypeScript reference
// backend and on the CPU addon where it is built.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../../../main/compute/index.js';
import type { ComputeBackend } from '../../../../main/compute/kernels.js';
import { foldBursts } from '../../../../main/search/dense/bursts.js';
import { rankDense } from '../../../../main/search/dense/dense-ranker.js';
import { diversifyOrder } from '../../../../main/search/dense/diversify.js';
import { evaluateRankers, kOccurrenceSkewness, recallAt } from '../../../../main/search/dense/evaluation.js';
import { buildHubCorrection, correctionOffsets, extendHubCorrection } from '../../../../main/search/dense/hub-correction.js';
import {
  DEFAULT_MATCH_RULE,
  bankStandardScore,
  chanceMaximumPValue,
  chanceMaximumZ,
  runnerUp,
  runnerUpPValue,
} from '../../../../main/search/dense/no-match.js';
import { logUpperTail, upperTailQuantile } from '../../../../main/search/dense/normal-tail.js';
import { SUBCATEGORY_SYNTHETIC, generateSynthetic } from '../../../../main/search/dense/synthetic-embeddings.js';
import { SeededRandom } from '../../../../main/mi/random.js';

const cpuAvailable = (await listBackends()).some((status) => status.name === 'cpu' && status.available);
const compute: ComputeBackend = cpuAvailable ? await getBackend('cpu') : getReferenceBackend();

function rows(data: Float32Array, count: number, dimension: number) {
  return { data, count, dimension };
}

function dot(a: Float32Array, aRow: number, b: Float32Array, bRow: number, dimension: number): number {
  let sum = 0;
  for (let d = 0; d < dimension; d++) sum += a[aRow * dimension + d]! * b[bRow * dimension + d]!;
  return sum;
}

describe('the normal tail behind the no-match rule', () => {
  it('matches known tail values and inverts them', () => {
    expect(Math.exp(logUpperTail(0))).toBeCloseTo(0.5, 6);
    expect(Math.exp(logUpperTail(3))).toBeCloseTo(0.0013499, 6);
    expect(logUpperTail(10)).toBeCloseTo(Math.log(7.6199e-24), 3);
    expect(upperTailQuantile(Math.log(0.0013499))).toBeCloseTo(3, 4);
  });

  it('puts the chance maximum where the best of N draws lands with probability α', () => {
    expect(chanceMaximumZ(1, 0.5)).toBeCloseTo(0, 4);
    // The median of the maximum of 10,000 standard normals: Q(z) = 1 − 0.5^(1/10⁴) = 6.931e-5, z = 3.8106.
    expect(chanceMaximumZ(10_000, 0.5)).toBeCloseTo(3.8106, 3);
    expect(chanceMaximumZ(1_000_000, 0.2)).toBeGreaterThan(chanceMaximumZ(1000, 0.2));
    const z = chanceMaximumZ(5000, 0.2);
    expect(chanceMaximumPValue(z, 0, 1, 5000)).toBeCloseTo(0.2, 4);
  });
});

describe('dense ranking by PMI', () => {
  const data = generateSynthetic({ seed: 3, items: 2000, dimension: 64, matchingQueries: 200, noMatchQueries: 100, bursts: 20 });
  const { dimension } = data;
  const store = { dtype: 'f32' as const, data: data.items, count: data.itemCount, dimension };

  it('gives bits = log2 p(x|q)/p(x): the softmax sums to one, no item exceeds log2 N, and plain PMI orders as raw cosine', async () => {
    const small = { dtype: 'f32' as const, data: data.items.subarray(0, 300 * dimension), count: 300, dimension };
    const index = await compute.createVectorIndex(small);
    const query = data.queries.subarray(0, dimension);
    const [ranking] = await rankDense(index, query, 1, {
      limit: 300,
      candidates: 300,
      logitScale: 100,
      rule: DEFAULT_MATCH_RULE,
      listing: 'all',
    });
    const raw = await index.search(query, 1, 300);
    index.dispose();
    expect(ranking!.results.map((result) => result.item)).toEqual(Array.from(raw.indices));
    // Σ_x p(x|q) = Σ_x 2^bits / N = 1.
    const total = ranking!.results.reduce((sum, result) => sum + 2 ** result.bits, 0) / 300;
    expect(total).toBeCloseTo(1, 5);
    for (const result of ranking!.results) {
      expect(result.bits).toBeLessThanOrEqual(Math.log2(300) + 1e-9);
      expect(result.correctionBits).toBe(0);
      expect(result.cosine).toBeCloseTo(dot(query, 0, small.data, result.item, dimension), 4);
    }
  });

  it('hub correction from a bank raises recall@10 and lowers the k-occurrence skewness of planted hubs', async () => {
    const result = await evaluateRankers(compute, {
      items: rows(data.items, data.itemCount, dimension),
      queries: rows(data.queries, data.queryCount, dimension),
      truth: data.truth,
      bank: rows(data.bank, data.bankCount, dimension),
      logitScale: 100,
    });
    expect(result.milens.recall10).toBeGreaterThan(result.rawCosine.recall10);
    expect(result.milens.map).toBeGreaterThan(result.rawCosine.map);
    expect(result.milens.skewness10).toBeLessThan(result.rawCosine.skewness10 * 0.8);
    // Without a bank, the queries themselves (each left out of its own correction) do as well.
    const fromQueries = await evaluateRankers(compute, {
      items: rows(data.items, data.itemCount, dimension),
      queries: rows(data.queries, data.queryCount, dimension),
      truth: data.truth,
      logitScale: 100,
    });
    expect(fromQueries.milens.recall10).toBeGreaterThan(fromQueries.rawCosine.recall10);
  });

  it('without the hub correction ranks exactly as raw cosine (same recall, same hubs)', async () => {
    const result = await evaluateRankers(compute, {
      items: rows(data.items, data.itemCount, dimension),
      queries: rows(data.queries, data.queryCount, dimension),
      truth: data.truth,
      logitScale: 100,
      hubCorrection: false,
    });
    expect(result.milens.recall1).toBe(result.rawCosine.recall1);
    expect(result.milens.recall10).toBe(result.rawCosine.recall10);
    expect(result.milens.skewness10).toBeCloseTo(result.rawCosine.skewness10, 9);
  });

  it.each([
    ['plain', {}],
    ['sub-categories (near items remain for half of the no-match queries)', SUBCATEGORY_SYNTHETIC],
  ] as const)(
    'with the planted truth (%s): no-match queries return nothing, matching ones return their item',
    async (_, overrides) => {
      // The generator's default shape (5,000 items × 128), where queries are as vague as rank-eval's.
      const full = generateSynthetic({ seed: 4, ...overrides });
      const fullStore = { dtype: 'f32' as const, data: full.items, count: full.itemCount, dimension: full.dimension };
      const index = await compute.createVectorIndex(fullStore);
      const state = await buildHubCorrection(compute, fullStore, index, rows(full.bank, full.bankCount, full.dimension), 100);
      const rankings = await rankDense(index, full.queries, full.queryCount, {
        limit: 10,
        logitScale: 100,
        offsets: correctionOffsets(state),
        itemBankMoments: { mean: state.itemBankMean, deviation: state.itemBankDeviation, runnerUpNull: state.runnerUpNull! },
        rule: DEFAULT_MATCH_RULE,
      });
      index.dispose();
      let noMatch = 0;
      let answeredNothing = 0;
      let matching = 0;
      let listedTheirItem = 0;
      rankings.forEach((ranking, q) => {
        expect(ranking.rule).toBe('bank runner-up');
        // Nothing is listed without a match, and a match lists something.
        expect(ranking.results.length > 0).toBe(ranking.match);
        if (full.truth[q]! < 0) {
          noMatch++;
          if (ranking.results.length === 0) answeredNothing++;
        } else {
          matching++;
          if (ranking.results.some((result) => result.item === full.truth[q])) listedTheirItem++;
        }
      });
      // The rule's level: a query whose photo is absent is answered with probability about α (0.2).
      expect(answeredNothing / noMatch).toBeGreaterThan(0.75);
      expect(answeredNothing / noMatch).toBeLessThan(0.95);
      // The product's goal for matching queries (95 % kept), and most of them list the very item.
      expect(rankings.filter((ranking, q) => full.truth[q]! >= 0 && ranking.match).length / matching).toBeGreaterThan(0.95);
      expect(listedTheirItem / matching).toBeGreaterThan(0.7);
    },
    60_000,
  );

  it('answers "nothing here" to queries whose item is absent where the former rule did not, on the evaluation path too', async () => {
    const full = generateSynthetic({ seed: 4 });
    const result = await evaluateRankers(compute, {
      items: rows(full.items, full.itemCount, full.dimension),
      queries: rows(full.queries, full.queryCount, full.dimension),
      truth: full.truth,
      bank: rows(full.bank, full.bankCount, full.dimension),
      logitScale: 100,
    });
    expect(result.rawCosine.noMatchCorrect).toBe(0);
    // The former rule (background ⊕ bank witness) gave 0.74 / 0.92 here; the goal is 0.8 / 0.95.
    expect(result.milens.noMatchCorrect).toBeGreaterThanOrEqual(0.8);
    expect(result.milens.matchingKept).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it('leaves the decision to the background when the bank is too small to ever reject at α', async () => {
    const index = await compute.createVectorIndex(store);
    const query = data.items.slice(5 * dimension, 6 * dimension);
    const rankWith = async (bankCount: number) => {
      const state = await buildHubCorrection(
        compute,
        store,
        index,
        rows(data.bank.subarray(0, bankCount * dimension), bankCount, dimension),
        100,
      );
      const [ranking] = await rankDense(index, query, 1, {
        limit: 5,
        logitScale: 100,
        offsets: correctionOffsets(state),
        itemBankMoments: { mean: state.itemBankMean, deviation: state.itemBankDeviation, runnerUpNull: state.runnerUpNull! },
        rule: DEFAULT_MATCH_RULE,
      });
      return ranking!;
    };
    // Four runner-ups: p ≥ 1/5 = α always, so the bank rule could never answer; five can.
    const tiny = await rankWith(4);
    const enough = await rankWith(5);
    index.dispose();
    expect(tiny.rule).toBe('chance maximum');
    expect(tiny.match).toBe(true);
    expect(enough.rule).toBe('bank runner-up');
  });

  it('measures a standing against the bank: double-centred scores, runner-ups and their p-values', () => {
    // (raw − query mean − (item bank mean − mean of bank means)) / item bank spread
    expect(bankStandardScore(30, 20, 25, 21, 2)).toBeCloseTo((30 - 20 - 4) / 2, 12);
    expect(bankStandardScore(30, 20, 25, 21, 0)).toBeNaN();
    expect(runnerUp([3, Number.NaN, 9, 7, 1])).toBe(7);
    expect(runnerUp([4])).toBe(-Infinity);
    const sortedNull = Float32Array.from([1, 2, 3, 4]);
    expect(runnerUpPValue(2.5, sortedNull)).toBeCloseTo(3 / 5, 12);
    expect(runnerUpPValue(2, sortedNull)).toBeCloseTo(4 / 5, 12);
    expect(runnerUpPValue(5, sortedNull)).toBeCloseTo(1 / 5, 12);
    expect(runnerUpPValue(0, sortedNull)).toBe(1);
    expect(runnerUpPValue(Number.NaN, sortedNull)).toBe(1);
  });

  it('shows something for about α of queries about nothing at all, and nothing for the rest', async () => {
    const index = await compute.createVectorIndex(store);
    // 300 random directions: queries whose background is the whole collection (the null of the rule).
    const random = new SeededRandom(9);
    const count = 300;
    const queries = new Float32Array(count * dimension);
    for (let q = 0; q < count; q++) {
      let norm = 0;
      for (let d = 0; d < dimension; d++) {
        const value = random.nextNormal();
        queries[q * dimension + d] = value;
        norm += value * value;
      }
      for (let d = 0; d < dimension; d++) queries[q * dimension + d]! /= Math.sqrt(norm);
    }
    const rankings = await rankDense(index, queries, count, { limit: 10, logitScale: 100, rule: DEFAULT_MATCH_RULE });
    // An example image (item 5's own embedding) certainly matches.
    const matching = data.items.slice(5 * dimension, 6 * dimension);
    const [some] = await rankDense(index, matching, 1, { limit: 20, logitScale: 100, rule: DEFAULT_MATCH_RULE });
    index.dispose();
    const answered = rankings.filter((ranking) => ranking.match).length / count;
    expect(answered).toBeGreaterThan(0.1);
    expect(answered).toBeLessThan(0.3);
    for (const ranking of rankings) if (!ranking.match) expect(ranking.results).toEqual([]);
    expect(some!.match).toBe(true);
    for (const result of some!.results) expect(result.bits).toBeGreaterThan(some!.thresholdBits);
  });

  it('a plain --min-bits cut replaces the rule', async () => {
    const index = await compute.createVectorIndex(store);
    const query = data.queries.subarray(0, dimension);
    const [ranking] = await rankDense(index, query, 1, { limit: 50, logitScale: 100, rule: { kind: 'min-bits', minBits: 2 } });
    index.dispose();
    expect(ranking!.thresholdBits).toBe(2);
    expect(ranking!.results.every((result) => result.bits > 2)).toBe(true);
  });

  it('extends the correction incrementally close to a full rebuild', async () => {
    const firstCount = 1500;
    const bank = rows(data.bank, data.bankCount, dimension);
    const first = { dtype: 'f32' as const, data: data.items.subarray(0, firstCount * dimension), count: firstCount, dimension };
    const added = {
      dtype: 'f32' as const,
      data: data.items.subarray(firstCount * dimension),
      count: data.itemCount - firstCount,
      dimension,
    };
    const [firstIndex, addedIndex, wholeIndex] = await Promise.all([first, added, store].map((part) => compute.createVectorIndex(part)));
    const initial = await buildHubCorrection(compute, first, firstIndex!, bank, 100);
    const extended = await extendHubCorrection(compute, initial, added, addedIndex!, bank);
    const rebuilt = await buildHubCorrection(compute, store, wholeIndex!, bank, 100);
    [firstIndex, addedIndex, wholeIndex].forEach((index) => index!.dispose());
    for (let b = 0; b < bank.count; b++) expect(extended.bankLogNormalisers[b]).toBeCloseTo(rebuilt.bankLogNormalisers[b]!, 4);
    const a = correctionOffsets(extended);
    const r = correctionOffsets(rebuilt);
    let largest = 0;
    for (let x = 0; x < a.length; x++) largest = Math.max(largest, Math.abs(a[x]! - r[x]!));
    expect(largest).toBeLessThanOrEqual(extended.staleNats + 1e-4);
    // A third more photos at once: the kept bank terms hold the error to a fraction of a nat.
    expect(largest).toBeLessThan(0.4);
  });

  it('folds planted bursts so the first page shows each burst once, carrying the other shots', async () => {
    const index = await compute.createVectorIndex(store);
    const burstItem = data.burstOf.findIndex((burst) => burst === 2);
    // A query that describes the burst: its first shot's image embedding, as an example image.
    const query = data.items.slice(burstItem * dimension, (burstItem + 1) * dimension);
    const [ranking] = await rankDense(index, query, 1, { limit: 30, logitScale: 100, rule: DEFAULT_MATCH_RULE, listing: 'all' });
    index.dispose();
    const ranked = ranking!.results;
    const firstPageRaw = ranked.slice(0, 10).filter((result) => data.burstOf[result.item] === 2).length;
    expect(firstPageRaw).toBeGreaterThan(3);
    const groups = foldBursts(
      ranked.map((result) => ({ item: result.item, takenAtMs: data.takenAtMs[result.item]! })),
      (a, b) => dot(data.items, ranked[a]!.item, data.items, ranked[b]!.item, dimension),
    );
    const firstPage = groups.slice(0, 10);
    const burstLeaders = firstPage.filter((group) => data.burstOf[ranked[group[0]!]!.item] === 2);
    expect(burstLeaders).toHaveLength(1);
    expect(burstLeaders[0]!.length).toBe(firstPageRaw + ranked.slice(10).filter((result) => data.burstOf[result.item] === 2).length);
    // Nothing from different moments was folded together.
    for (const group of groups) {
      const bursts = new Set(group.map((position) => data.burstOf[ranked[position]!.item]));
      if (group.length > 1) expect(bursts.size).toBe(1);
    }
  });

  it('diversifies by MMR: near-duplicates give way to different items', () => {
    // Items 0–2 are copies (cosine 1), 3 and 4 differ; relevance favours the copies slightly.
    const bits = [10, 9.9, 9.8, 9, 8];
    const copies = new Set([0, 1, 2]);
    const cosine = (a: number, b: number) => (copies.has(a) && copies.has(b) ? 1 : 0.1);
    expect(diversifyOrder(bits, cosine).slice(0, 3)).toEqual([0, 3, 4]);
    expect(diversifyOrder(bits, () => 0)).toEqual([0, 1, 2, 3, 4]);
  });

  it('measures recall and hubness as defined', () => {
    const rankings = [Int32Array.from([3, 1, 2]), Int32Array.from([0, 1, 2]), Int32Array.from([1, 0, 2])];
    const truth = Int32Array.from([1, 0, -1]);
    expect(recallAt(rankings, truth, 1)).toBe(0.5);
    expect(recallAt(rankings, truth, 2)).toBe(1);
    // Item 1 is in all three lists, item 3 in one, item 4 in none: a right-skewed k-occurrence.
    expect(kOccurrenceSkewness(rankings, 5, 3)).toBeLessThan(kOccurrenceSkewness([rankings[0]!, rankings[0]!, rankings[0]!], 50, 3));
  });
});
