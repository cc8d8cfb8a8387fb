// A generator of image and text embeddings shaped like a CLIP model's, where the truth is known: for
// the ranking's tests and for scripts/eval/rank-eval.mjs (never used by the app). Structure:
// - a modality gap: every image embedding shares one direction and every text another (CLIP's cone),
//   so text–image cosines sit near 0.1–0.35 as they do in real models;
// - topics: item contents cluster around topic centres, so related but wrong items exist;
// - hubs: a few items carry a component along the mean query direction, so raw cosine ranks them high
//   for every query (real CLIP collections show the same k-occurrence skew);
// - bursts: runs of near-identical shots taken seconds apart;
// - queries: a noisy text description of one item (its true match); "no match" queries describe
//   items that are then left out of the collection.
// - optionally (`subcategoryWeight` > 0), a finer class structure: each item also belongs to a
//   sub-category ("same kind of thing, another instance": another dog on another beach) of a few
//   items, as real collections and MS-COCO have. Then half of the no-match queries describe an item of
//   a sub-category that keeps its other members in the collection (semantically near items remain)
//   and half an item of a sub-category wholly absent (only same-topic items remain), and matching
//   queries compete with their true item's sub-category mates. With weight 0 (the default) the draws
//   are exactly those of the plain generator.
// Deterministic for a seed.
import { SeededRandom } from '../../mi/random.js';

export interface SyntheticOptions {
  seed: number;
  dimension: number;
  items: number;
  topics: number;
  /** Share of items made hubs. */
  hubShare: number;
  /** Weight of the hub component (0: no planted hubs). */
  hubStrength: number;
  /** Number of planted bursts and their size. */
  bursts: number;
  burstSize: number;
  /** Queries with a true item in the collection, and queries whose true item is left out. */
  matchingQueries: number;
  noMatchQueries: number;
  /** Standard deviation of a query's description noise relative to the content (larger: vaguer queries). */
  queryNoise: number;
  /** Weight of the sub-category centre in an item's content (0: no sub-categories, the plain generator). */
  subcategoryWeight: number;
  /** Mean number of collection items per sub-category. */
  subcategoryMeanSize: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  seed: 1,
  dimension: 128,
  items: 5000,
  topics: 60,
  hubShare: 0.01,
  hubStrength: 0.45,
  bursts: 40,
  burstSize: 8,
  matchingQueries: 400,
  noMatchQueries: 200,
  queryNoise: 1.1,
  subcategoryWeight: 0,
  subcategoryMeanSize: 4,
};

/** The variant with sub-categories (other instances of the same kind of thing), for the no-match study. */
export const SUBCATEGORY_SYNTHETIC: Partial<SyntheticOptions> = { subcategoryWeight: 0.7, subcategoryMeanSize: 4 };

export interface SyntheticCollection {
  dimension: number;
  /** Items in the collection, L2-normalised rows. */
  items: Float32Array;
  itemCount: number;
  /** Capture times (ms since the epoch); bursts are seconds apart, other shots hours apart. */
  takenAtMs: Float64Array;
  /** Burst id of each item, −1 for none. */
  burstOf: Int32Array;
  /** Items planted as hubs. */
  hubs: Set<number>;
  /** Queries, L2-normalised rows: matching ones first, then the no-match ones. */
  queries: Float32Array;
  queryCount: number;
  /** Per query: its true item (index into items), or −1 for a no-match query. */
  truth: Int32Array;
  /** A bank of generic queries drawn like the matching ones but about random items (for the hub correction). */
  bank: Float32Array;
  bankCount: number;
  /**
   * Per query: how many collection items share the sub-category of the item it describes, other than
   * that item (0 for every query of the plain generator).
   */
  subcategoryMates: Int32Array;
}

function normalise(vector: Float64Array): Float64Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

function gaussianVector(random: SeededRandom, dimension: number, scale = 1): Float64Array {
  const vector = new Float64Array(dimension);
  for (let i = 0; i < dimension; i++) vector[i] = random.nextNormal() * scale;
  return vector;
}

function combine(parts: Array<[Float64Array, number]>, dimension: number): Float64Array {
  const out = new Float64Array(dimension);
  for (const [vector, weight] of parts) for (let i = 0; i < dimension; i++) out[i] = out[i]! + weight * vector[i]!;
  return out;
}

export function generateSynthetic(overrides: Partial<SyntheticOptions> = {}): SyntheticCollection {
  const options = { ...DEFAULT_SYNTHETIC, ...overrides };
  const { dimension } = options;
  const random = new SeededRandom(options.seed);
  const imageCone = normalise(gaussianVector(random, dimension));
  const textCone = normalise(gaussianVector(random, dimension));
  const topicCentres = Array.from({ length: options.topics }, () => normalise(gaussianVector(random, dimension)));
  const hubDirection = normalise(gaussianVector(random, dimension));

  // Contents: the collection's items plus the left-out items of the no-match queries.
  const totalContents = options.items + options.noMatchQueries;
  const contents: Float64Array[] = [];
  // Sub-categories: the collection's (drawn per item), then one fresh per odd no-match query.
  const useSubcategories = options.subcategoryWeight > 0;
  const collectionSubcategories = Math.max(1, Math.round(options.items / Math.max(1, options.subcategoryMeanSize)));
  const subcategoryCentres: Float64Array[] = [];
  const subcategoryTopic: number[] = [];
  const subcategoryOf = new Int32Array(totalContents).fill(-1);
  const subcategoryCentre = (s: number): Float64Array => {
    while (subcategoryCentres.length <= s) {
      subcategoryTopic.push(random.nextInt(options.topics));
      subcategoryCentres.push(normalise(gaussianVector(random, dimension)));
    }
    return subcategoryCentres[s]!;
  };
  const burstOf = new Int32Array(options.items).fill(-1);
  // Bursts start every `stride` items: items [b · stride, b · stride + burstSize) form burst b.
  const stride = Math.max(options.burstSize, Math.floor(options.items / Math.max(1, options.bursts)));
  for (let x = 0; x < totalContents; x++) {
    const burst = Math.floor(x / stride);
    const inBurst = x < options.items && burst < options.bursts && x % stride < options.burstSize;
    if (inBurst) burstOf[x] = burst;
    if (inBurst && x % stride > 0) {
      // A burst shot: the first shot's content and a little camera shake.
      const first = contents[burst * stride]!;
      contents.push(
        normalise(
          combine(
            [
              [first, 1],
              [gaussianVector(random, dimension, 0.12 / Math.sqrt(dimension)), 1],
            ],
            dimension,
          ),
        ),
      );
    } else if (useSubcategories) {
      let s: number;
      if (x < options.items) s = random.nextInt(collectionSubcategories);
      else if ((x - options.items) % 2 === 0) {
        // A no-match query whose sub-category keeps members in the collection: a collection item's.
        let donor = random.nextInt(options.items);
        while (subcategoryOf[donor]! < 0) donor = random.nextInt(options.items);
        s = subcategoryOf[donor]!;
      } else s = collectionSubcategories + (x - options.items);
      const centre = subcategoryCentre(s);
      subcategoryOf[x] = s;
      contents.push(
        normalise(
          combine(
            [
              [topicCentres[subcategoryTopic[s]!]!, 0.8],
              [centre, options.subcategoryWeight],
              [gaussianVector(random, dimension, 1 / Math.sqrt(dimension)), 1],
            ],
            dimension,
          ),
        ),
      );
    } else {
      const topic = topicCentres[random.nextInt(options.topics)]!;
      contents.push(
        normalise(
          combine(
            [
              [topic, 0.8],
              [gaussianVector(random, dimension, 1 / Math.sqrt(dimension)), 1],
            ],
            dimension,
          ),
        ),
      );
    }
  }

  const hubs = new Set<number>();
  const hubCount = Math.round(options.items * options.hubShare);
  while (hubs.size < hubCount && options.hubStrength > 0) hubs.add(random.nextInt(options.items));

  const items = new Float32Array(options.items * dimension);
  const takenAtMs = new Float64Array(options.items);
  let clock = Date.UTC(2024, 0, 1);
  for (let x = 0; x < options.items; x++) {
    const hub = hubs.has(x) ? options.hubStrength : 0;
    const image = normalise(
      combine(
        [
          [imageCone, 0.75],
          [contents[x]!, 0.55],
          [hubDirection, hub],
          [gaussianVector(random, dimension, 0.25 / Math.sqrt(dimension)), 1],
        ],
        dimension,
      ),
    );
    items.set(image, x * dimension);
    clock +=
      burstOf[x]! >= 0 && x > 0 && burstOf[x - 1] === burstOf[x] ? 1000 + random.nextInt(2000) : 3_600_000 + random.nextInt(50_000_000);
    takenAtMs[x] = clock;
  }

  // Text descriptions lean toward the hub direction a little (as real captions share generic words).
  const describe = (content: Float64Array): Float64Array =>
    normalise(
      combine(
        [
          [textCone, 0.8],
          [content, 0.45],
          [hubDirection, 0.12],
          [gaussianVector(random, dimension, (0.45 * options.queryNoise) / Math.sqrt(dimension)), 1],
        ],
        dimension,
      ),
    );
  const queryCount = options.matchingQueries + options.noMatchQueries;
  const queries = new Float32Array(queryCount * dimension);
  const truth = new Int32Array(queryCount);
  for (let q = 0; q < options.matchingQueries; q++) {
    const target = random.nextInt(options.items);
    truth[q] = target;
    queries.set(describe(contents[target]!), q * dimension);
  }
  for (let q = 0; q < options.noMatchQueries; q++) {
    truth[options.matchingQueries + q] = -1;
    queries.set(describe(contents[options.items + q]!), (options.matchingQueries + q) * dimension);
  }
  // Burst shots inherit their first shot's sub-category.
  for (let x = 0; x < options.items; x++) if (burstOf[x]! >= 0 && x % stride > 0) subcategoryOf[x] = subcategoryOf[x - (x % stride)]!;
  const membersOf = new Map<number, number>();
  for (let x = 0; x < options.items; x++) {
    const s = subcategoryOf[x]!;
    if (s >= 0) membersOf.set(s, (membersOf.get(s) ?? 0) + 1);
  }
  const subcategoryMates = Int32Array.from(truth, (item, q) => {
    const described = item >= 0 ? item : options.items + (q - options.matchingQueries);
    const s = subcategoryOf[described]!;
    if (s < 0) return 0;
    return (membersOf.get(s) ?? 0) - (item >= 0 ? 1 : 0);
  });
  const bankCount = Math.max(200, options.matchingQueries);
  const bank = new Float32Array(bankCount * dimension);
  for (let b = 0; b < bankCount; b++) bank.set(describe(contents[random.nextInt(options.items)]!), b * dimension);
  return {
    dimension,
    items,
    itemCount: options.items,
    takenAtMs,
    burstOf,
    hubs,
    queries,
    queryCount,
    truth,
    bank,
    bankCount,
    subcategoryMates,
  };
}
