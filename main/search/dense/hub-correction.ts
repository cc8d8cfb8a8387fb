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
// items get their p̂ against the updated L_b; old items' masses are rescaled by the mean change of the
// bank's normalisers (exact when the new photos raise every bank query's normaliser alike).
// `staleNats` bounds the error that leaves; a full rebuild resets it (docs/search.md).
import type { ComputeBackend, VectorIndex, VectorStore } from '../../compute/kernels.js';
import { f16DecodeTable } from '../../compute/reference/similarity-topk.js';

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

/** ln Σ_b exp(scale · cos(b, x) − L_b) for items [from, to) of the store. */
async function itemLogMasses(
  bankIndex: VectorIndex,
  offsets: Float32Array,
  items: VectorStore,
  from: number,
  to: number,
  logitScale: number,
): Promise<Float64Array> {
  const masses = new Float64Array(to - from);
  for (let start = from; start < to; start += ITEM_QUERY_CHUNK) {
    const stop = Math.min(to, start + ITEM_QUERY_CHUNK);
    const queries = storeRowsAsFloat32(items, start, stop);
    const result = await bankIndex.searchLogits(queries, stop - start, 1, { scale: logitScale, offsets });
    masses.set(result.logSumExp, start - from);
  }
  return masses;
}

function asFloat32(values: Float64Array): Float32Array {
  return Float32Array.from(values);
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
  const itemLogMass = new Float64Array(items.count);
  if (bank.count > 0 && items.count > 0) {
    const bankIndex = await compute.createVectorIndex({ dtype: 'f32', data: bank.data, count: bank.count, dimension: bank.dimension });
    try {
      itemLogMass.set(await itemLogMasses(bankIndex, asFloat32(normalisers), items, 0, items.count, logitScale));
    } finally {
      bankIndex.dispose();
    }
  }
  return { logitScale, bankSize: bank.count, bankLogNormalisers: normalisers, itemLogMass, staleNats: 0 };
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
  // Each old item's mass is Σ_b exp(s − L_b); with every L_b raised by its own shift the exact new mass
  // would need s(b, x) again. The mean shift is applied to all: off by at most the spread of the shifts.
  const meanShift = state.bankSize > 0 ? shiftSum / state.bankSize : 0;
  const oldCount = state.itemLogMass.length;
  const itemLogMass = new Float64Array(oldCount + newItems.count);
  for (let x = 0; x < oldCount; x++) itemLogMass[x] = state.itemLogMass[x]! + meanShift;
  if (state.bankSize > 0 && newItems.count > 0) {
    const bankIndex = await compute.createVectorIndex({ dtype: 'f32', data: bank.data, count: bank.count, dimension: bank.dimension });
    try {
      itemLogMass.set(await itemLogMasses(bankIndex, asFloat32(updated), newItems, 0, newItems.count, state.logitScale), oldCount);
    } finally {
      bankIndex.dispose();
    }
  }
  const spread = state.bankSize > 0 ? Math.max(shiftHigh - meanShift, meanShift - shiftLow) : 0;
  return { ...state, bankLogNormalisers: updated, itemLogMass, staleNats: state.staleNats + spread };
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
