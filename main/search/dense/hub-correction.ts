// Hub correction: an item-side offset, computed ahead of time from a bank of queries, that discounts
// "hubs" (items near everything, which raw cosine ranks high for every query).
//
// Principle: PMI divides p(x|q) by the item's marginal p(x). Plain PMI takes p(x) = 1/N, but under
// the queries people actually write the marginal is p(x) = E_q p(x|q), and hubs take far more than
// 1/N of it. Estimated from a bank of M queries b (one step of Sinkhorn balancing, the "inverted
// softmax" of Smith et al. 2017 at the model's own temperature):
//
//   p̂(x) = (1/M) Σ_b exp(s(b, x) − L_b),   L_b = log Σ_x' exp s(b, x')   (the bank query's softmax)
//
// shrunk toward the uniform 1/N with as much weight on the prior as on the bank (a Dirichlet prior of
// total mass M: items the bank never reaches are boosted by at most ln 2), and used as the offset
//
//   h(x) = ln( (N p̂(x) + 1) / 2 )          (nats; 0 for an item of average popularity)
//
// so the ranked logit is z = scale · cos − h(x). Both sums run on the fused pass of the vector index:
// L_b with the items as the store, then p̂ with the bank as the store, the items as queries and L_b as
// its offsets. No query log is needed: the bank is text the app ships and embeds when a model is
// installed (bank-texts.ts), or for `milens rank` a given bank or the queries themselves (leave one out).
//
// Adding photos: each L_b grows by the new items' share (exact, from the new items alone) and the new
// items get their p̂ against the updated L_b. An old item's mass is dominated by the few bank queries
// nearest to it: the pass that computed it also kept its TOP_BANK_TERMS largest terms (which bank query,
// which logit), so those are recomputed exactly against the new L_b; only the rest of its mass is
// rescaled by the mean change of the bank's normalisers. `staleNats` bounds the error that leaves; a
// full rebuild resets it (docs/search.md).
import type { ComputeBackend, VectorIndex, VectorStore } from '../../compute/kernels.js';
import { f16DecodeTable } from '../../compute/reference/similarity-topk.js';
import { bankStandardScore, leaveOneOutMoments, runnerUp } from './no-match.js';

/** Bank terms kept per item for exact incremental updates. */
export const TOP_BANK_TERMS = 4;

/**
 * Candidates among which the no-match rule looks for a query's best bank-standardised score, for the
 * bank's runner-up null and for every query alike (no-match.ts): the fused pass's smallest candidate list.
 */
export const NULL_CANDIDATES = 64;

/** Weight of the uniform prior in the marginal estimate, as a share: p(x) = (1 − λ) p̂(x) + λ / N. */
export const HUB_PRIOR_SHARE = 0.5;

/** Rows of a float32 matrix (L2-normalised by whoever made it). */
export interface Float32Rows {
  data: Float32Array;
  count: number;
  dimension: number;
}

export interface HubCorrectionState {
  logitScale: number;
  bankSize: number;
  /** Per bank query: log Σ_x exp(scale · cos(b, x)) over the items as of the last update. */
  bankLogNormalisers: Float64Array;
  /** Per item: log Σ_b exp(scale · cos(b, x) − L_b), i.e. ln(M p̂(x)). */
  itemLogMass: Float64Array;
  /** Per item, its TOP_BANK_TERMS largest terms: the bank query (−1: none) and scale · cos(b, x). */
  topBank: Int32Array;
  topLogit: Float32Array;
  /** Per item: log of the rest of its mass (the terms not kept), −Infinity when there is none. */
  restLogMass: Float64Array;
  /**
   * Per item: mean and standard deviation of the bank's raw logits scale · cos(b, x): how generic
   * queries score this item (the "no match" rule's second null, no-match.ts). They do not depend on the
   * other items, so adding photos never makes them stale.
   */
  itemBankMean: Float32Array;
  itemBankDeviation: Float32Array;
  /** Largest error (nats) the incremental updates may have left in an old item's mass; 0 after a rebuild. */
  staleNats: number;
  /**
   * The no-match rule's null (no-match.ts): each bank query's second-best bank-standardised score among
   * its NULL_CANDIDATES best items, sorted ascending. It depends on every item, so adding photos makes
   * it stale: null until `attachRunnerUpNull` recomputes it over the whole store.
   */
  runnerUpNull: Float32Array | null;
}

const ITEM_QUERY_CHUNK = 2048;

/** Rows [from, to) of a store as float32 queries (f16 and int8 decoded). */
export function storeRowsAsFloat32(store: VectorStore, from: number, to: number): Float32Array {
  const { dimension } = store;
  const out = new Float32Array((to - from) * dimension);
  if (store.dtype === 'f32') {
    out.set(store.data.subarray(from * dimension, to * dimension));
  } else if (store.dtype === 'f16') {
    const table = f16DecodeTable();
    const source = store.data;
    for (let i = 0, j = from * dimension; i < out.length; i++, j++) out[i] = table[source[j]!]!;
  } else {
    for (let row = from; row < to; row++) {
      const scale = store.scales[row]!;
      for (let d = 0; d < dimension; d++) out[(row - from) * dimension + d] = store.data[row * dimension + d]! * scale;
    }
  }
  return out;
}

/** ln Σ_x exp(scale · cos(b, x)) for each bank query over the indexed items. */
async function bankLogNormalisers(itemIndex: VectorIndex, bank: Float32Rows, logitScale: number): Promise<Float64Array> {
  if (bank.count === 0) return new Float64Array(0);
  return (await itemIndex.searchLogits(bank.data, bank.count, 1, { scale: logitScale })).logSumExp;
}

interface ItemMasses {
  logMass: Float64Array;
  topBank: Int32Array;
  topLogit: Float32Array;
  restLogMass: Float64Array;
  bankMean: Float32Array;
  bankDeviation: Float32Array;
}

/** ln Σ_b exp(scale · cos(b, x) − L_b) for every item of the store, with each item's largest terms. */
async function itemLogMasses(
  bankIndex: VectorIndex,
  normalisers: Float64Array,
  items: VectorStore,
  logitScale: number,
): Promise<ItemMasses> {
  const count = items.count;
  const terms = Math.min(TOP_BANK_TERMS, bankIndex.count);
  const masses: ItemMasses = {
    logMass: new Float64Array(count),
    topBank: new Int32Array(count * TOP_BANK_TERMS).fill(-1),
    topLogit: new Float32Array(count * TOP_BANK_TERMS),
    restLogMass: new Float64Array(count).fill(-Infinity),
    bankMean: new Float32Array(count),
    bankDeviation: new Float32Array(count),
  };
  if (terms === 0) return masses;
  const offsets = Float32Array.from(normalisers);
  for (let start = 0; start < count; start += ITEM_QUERY_CHUNK) {
    const stop = Math.min(count, start + ITEM_QUERY_CHUNK);
    const queries = storeRowsAsFloat32(items, start, stop);
    const result = await bankIndex.searchLogits(queries, stop - start, terms, { scale: logitScale, offsets });
    // The raw logits' moments need a pass without the offsets (Σ (s − L_b)² does not give Var s).
    const raw = await bankIndex.searchLogits(queries, stop - start, 1, { scale: logitScale });
    for (let q = 0; q < stop - start; q++) {
      const mean = raw.sum[q]! / bankIndex.count;
      masses.bankMean[start + q] = mean;
      masses.bankDeviation[start + q] = Math.sqrt(Math.max(0, raw.sumSquares[q]! / bankIndex.count - mean * mean));
    }
    for (let q = 0; q < stop - start; q++) {
      const item = start + q;
      const logMass = result.logSumExp[q]!;
      masses.logMass[item] = logMass;
      let kept = 0;
      for (let j = 0; j < terms; j++) {
        const bank = result.indices[q * terms + j]!;
        if (bank < 0) break;
        const term = result.scores[q * terms + j]!; // scale · cos − L_b
        masses.topBank[item * TOP_BANK_TERMS + j] = bank;
        masses.topLogit[item * TOP_BANK_TERMS + j] = term + normalisers[bank]!;
        kept += Math.exp(term - logMass);
      }
      const rest = 1 - kept;
      masses.restLogMass[item] = rest > 1e-9 ? logMass + Math.log(rest) : -Infinity;
    }
  }
  return masses;
}

/** Computes the correction of every item of `items` (indexed as `itemIndex`) from a bank of queries. */
export async function buildHubCorrection(
  compute: ComputeBackend,
  items: VectorStore,
  itemIndex: VectorIndex,
  bank: Float32Rows,
  logitScale: number,
): Promise<HubCorrectionState> {
  const normalisers = await bankLogNormalisers(itemIndex, bank, logitScale);
  const masses = await withBankIndex(compute, bank, (bankIndex) => itemLogMasses(bankIndex, normalisers, items, logitScale));
  const state: HubCorrectionState = {
    logitScale,
    bankSize: bank.count,
    bankLogNormalisers: normalisers,
    itemLogMass: masses.logMass,
    topBank: masses.topBank,
    topLogit: masses.topLogit,
    restLogMass: masses.restLogMass,
    itemBankMean: masses.bankMean,
    itemBankDeviation: masses.bankDeviation,
    staleNats: 0,
    runnerUpNull: null,
  };
  return attachRunnerUpNull(state, itemIndex, bank);
}

/** Mean of a float32 array (0 when empty), in double precision. */
export function meanOf(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length === 0 ? 0 : sum / values.length;
}

/**
 * The state with its runner-up null computed (no-match.ts): every bank query ranked over the items
 * (`itemIndex`, the whole store the state describes) as queries are, by corrected logit; its second-best
 * bank-standardised score among its NULL_CANDIDATES first items, against the other bank queries'
 * moments (its own logit left out, as a query that is not in the bank is measured).
 */
export async function attachRunnerUpNull(
  state: HubCorrectionState,
  itemIndex: VectorIndex,
  bank: Float32Rows,
): Promise<HubCorrectionState> {
  const itemCount = itemIndex.count;
  if (bank.count === 0 || itemCount === 0) return { ...state, runnerUpNull: new Float32Array(0) };
  const offsets = correctionOffsets(state, itemCount);
  const k = Math.min(NULL_CANDIDATES, itemCount);
  const pass = await itemIndex.searchLogits(bank.data, bank.count, k, { scale: state.logitScale, offsets });
  const meanOffset = meanOf(offsets);
  const meanBankMean = meanOf(state.itemBankMean);
  const runnerUps: number[] = [];
  const scores = new Float64Array(k);
  for (let b = 0; b < bank.count; b++) {
    const queryMeanRaw = pass.sum[b]! / itemCount + meanOffset;
    for (let rank = 0; rank < k; rank++) {
      const item = pass.indices[b * k + rank]!;
      if (item < 0) {
        scores[rank] = NaN;
        continue;
      }
      // The caption is measured against the other captions: its own logit leaves the item's moments.
      const raw = pass.scores[b * k + rank]! + offsets[item]!;
      const others = leaveOneOutMoments(state.itemBankMean[item]!, state.itemBankDeviation[item]!, bank.count, raw);
      scores[rank] = bankStandardScore(raw, queryMeanRaw, others.mean, meanBankMean, others.deviation);
    }
    const second = runnerUp(scores);
    if (Number.isFinite(second)) runnerUps.push(second);
  }
  return { ...state, runnerUpNull: Float32Array.from(runnerUps).sort() };
}

async function withBankIndex<T>(compute: ComputeBackend, bank: Float32Rows, work: (index: VectorIndex) => Promise<T>): Promise<T> {
  const bankIndex = await compute.createVectorIndex({ dtype: 'f32', data: bank.data, count: bank.count, dimension: bank.dimension });
  try {
    return await work(bankIndex);
  } finally {
    bankIndex.dispose();
  }
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const top = Math.max(a, b);
  return top + Math.log(Math.exp(a - top) + Math.exp(b - top));
}

/**
 * Extends a correction to items appended to the store: `newItems` holds only the new rows (indexed as
 * `newIndex`). Returns the state for the whole, grown store (old items first).
 */
export async function extendHubCorrection(
  compute: ComputeBackend,
  state: HubCorrectionState,
  newItems: VectorStore,
  newIndex: VectorIndex,
  bank: Float32Rows,
): Promise<HubCorrectionState> {
  if (bank.count !== state.bankSize)
    throw new Error(`the bank has ${bank.count} queries but the correction was built from ${state.bankSize}`);
  const added = await bankLogNormalisers(newIndex, bank, state.logitScale);
  const updated = new Float64Array(state.bankSize);
  let shiftSum = 0;
  let shiftLow = Infinity;
  let shiftHigh = -Infinity;
  for (let b = 0; b < state.bankSize; b++) {
    updated[b] = logAddExp(state.bankLogNormalisers[b]!, added[b]!);
    const shift = state.bankLogNormalisers[b]! - updated[b]!;
    shiftSum += shift;
    shiftLow = Math.min(shiftLow, shift);
    shiftHigh = Math.max(shiftHigh, shift);
  }
  // An old item's kept terms are recomputed against the new normalisers; the rest of its mass, whose
  // bank queries are not known, moves by the mean shift, off by at most the spread of the shifts.
  const meanShift = state.bankSize > 0 ? shiftSum / state.bankSize : 0;
  const spread = state.bankSize > 0 ? Math.max(shiftHigh - meanShift, meanShift - shiftLow) : 0;
  const oldCount = state.itemLogMass.length;
  const total = oldCount + newItems.count;
  const itemLogMass = new Float64Array(total);
  const topBank = new Int32Array(total * TOP_BANK_TERMS).fill(-1);
  const topLogit = new Float32Array(total * TOP_BANK_TERMS);
  const restLogMass = new Float64Array(total).fill(-Infinity);
  topBank.set(state.topBank);
  topLogit.set(state.topLogit);
  const itemBankMean = new Float32Array(total);
  const itemBankDeviation = new Float32Array(total);
  itemBankMean.set(state.itemBankMean);
  itemBankDeviation.set(state.itemBankDeviation);
  let worstError = 0;
  for (let x = 0; x < oldCount; x++) {
    let mass = -Infinity;
    for (let j = 0; j < TOP_BANK_TERMS; j++) {
      const b = state.topBank[x * TOP_BANK_TERMS + j]!;
      if (b < 0) break;
      mass = logAddExp(mass, state.topLogit[x * TOP_BANK_TERMS + j]! - updated[b]!);
    }
    const rest = state.restLogMass[x]! + meanShift;
    restLogMass[x] = rest;
    const combined = logAddExp(mass, rest);
    itemLogMass[x] = combined;
    if (rest > -Infinity) worstError = Math.max(worstError, Math.log1p(Math.exp(rest - combined) * Math.expm1(spread)));
  }
  if (state.bankSize > 0 && newItems.count > 0) {
    const masses = await withBankIndex(compute, bank, (bankIndex) => itemLogMasses(bankIndex, updated, newItems, state.logitScale));
    itemLogMass.set(masses.logMass, oldCount);
    topBank.set(masses.topBank, oldCount * TOP_BANK_TERMS);
    topLogit.set(masses.topLogit, oldCount * TOP_BANK_TERMS);
    restLogMass.set(masses.restLogMass, oldCount);
    itemBankMean.set(masses.bankMean, oldCount);
    itemBankDeviation.set(masses.bankDeviation, oldCount);
  }
  return {
    ...state,
    bankLogNormalisers: updated,
    itemLogMass,
    topBank,
    topLogit,
    restLogMass,
    itemBankMean,
    itemBankDeviation,
    staleNats: state.staleNats + worstError,
    // The null depends on every item: recomputed over the grown store by attachRunnerUpNull.
    runnerUpNull: null,
  };
}

/** h(x) in nats from an item's bank mass ln(M p̂(x)), for a collection of N items. */
export function correctionNats(itemLogMass: number, bankSize: number, itemCount: number): number {
  if (bankSize <= 0 || itemCount <= 0) return 0;
  const scaledMass = (itemCount / bankSize) * Math.exp(itemLogMass); // N p̂(x)
  return Math.log((1 - HUB_PRIOR_SHARE) * scaledMass + HUB_PRIOR_SHARE);
}

/** The offsets the vector index subtracts from each item's logit (see the module comment). */
export function correctionOffsets(state: HubCorrectionState, itemCount = state.itemLogMass.length): Float32Array {
  const offsets = new Float32Array(state.itemLogMass.length);
  for (let x = 0; x < offsets.length; x++) offsets[x] = correctionNats(state.itemLogMass[x]!, state.bankSize, itemCount);
  return offsets;
}

/**
 * h(x) with one bank query's own share removed: for `milens rank` without a bank, the queries are the
 * bank, and a query must not be corrected by its own pull on its true item (leave one out).
 */
export function leaveOneOutCorrectionNats(
  itemLogMass: number,
  bankSize: number,
  itemCount: number,
  ownLogit: number,
  ownLogNormaliser: number,
): number {
  if (bankSize <= 1) return 0;
  const remaining = Math.max(0, Math.exp(itemLogMass) - Math.exp(ownLogit - ownLogNormaliser));
  const scaledMass = (itemCount / (bankSize - 1)) * remaining;
  return Math.log((1 - HUB_PRIOR_SHARE) * scaledMass + HUB_PRIOR_SHARE);
}
