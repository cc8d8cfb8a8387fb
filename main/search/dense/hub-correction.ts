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

/** Bank terms kept per item for exact incremental updates. */
export const TOP_BANK_TERMS = 4;

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
  /** Largest error (nats) the incremental updates may have left in an old item's mass; 0 after a rebuild. */
  staleNats: number;
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
  };
  if (terms === 0) return masses;
  const offsets = Float32Array.from(normalisers);
  for (let start = 0; start < count; start += ITEM_QUERY_CHUNK) {
    const stop = Math.min(count, start + ITEM_QUERY_CHUNK);
    const queries = storeRowsAsFloat32(items, start, stop);
    const result = await bankIndex.searchLogits(queries, stop - start, terms, { scale: logitScale, offsets });
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
  return {
    logitScale,
    bankSize: bank.count,
    bankLogNormalisers: normalisers,
    itemLogMass: masses.logMass,
    topBank: masses.topBank,
    topLogit: masses.topLogit,
    restLogMass: masses.restLogMass,
    staleNats: 0,
  };
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
  }
  return { ...state, bankLogNormalisers: updated, itemLogMass, topBank, topLogit, restLogMass, staleNats: state.staleNats + worstError };
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
