// Evaluation of milens' dense ranking against raw cosine, side by side in one run: recall@1/5/10 and MAP
// for text→image (one true item per query), the skewness of the k-occurrence of items in the top-10
// lists (hubness), and "no match": the share of queries whose true item was removed answered "nothing
// here" against the share of matching queries kept (raw cosine answers every query).
//
// Inputs: the synthetic CLIP-shaped generator (main/search/dense/synthetic-embeddings.ts: modality gap,
// topics, planted hubs and bursts), and, when given, embeddings made elsewhere:
//   --items items.npy --queries queries.npy --truth truth.json   (truth: per query its item's row, a JSON array
//   or a .npy of integers) [--bank bank.npy] [--logit-scale 100] [--remove-share 0.25] [--seed 1]
// For the .npy input a share of the items that queries point at is removed from the collection (seeded):
// the queries of removed items become the no-match queries, the others keep their (renumbered) item.
// Usage: npm run build && node scripts/eval/rank-eval.mjs [--synthetic-seeds 3] [.npy options]
import { readFileSync } from 'node:fs';
import { parse } from 'npyjs';
import { importBuilt, option } from '../bench/lib/common.mjs';

const { getCompute } = await importBuilt('compute/index.js');
const { evaluateRankers } = await importBuilt('search/dense/evaluation.js');
const { generateSynthetic } = await importBuilt('search/dense/synthetic-embeddings.js');
const { loadNpyRows } = await importBuilt('search/dense/npy-rows.js');
const { SeededRandom } = await importBuilt('mi/random.js');

const compute = await getCompute();
const logitScale = Number(option('logit-scale', 100));
const seeds = Number(option('synthetic-seeds', 3));
const MEASURES = [
  ['recall@1', 'recall1'],
  ['recall@5', 'recall5'],
  ['recall@10', 'recall10'],
  ['MAP', 'map'],
  ['k-occurrence skewness (top 10)', 'skewness10'],
  ['no-match queries answered "nothing here"', 'noMatchCorrect'],
  ['matching queries kept', 'matchingKept'],
];

function printSideBySide(label, result) {
  console.log(`\n${label} (hub correction from: ${result.bankSource})`);
  console.table(
    MEASURES.map(([name, key]) => ({
      measure: name,
      'raw cosine': +result.rawCosine[key].toFixed(3),
      milens: +result.milens[key].toFixed(3),
    })),
  );
}

function readTruth(file) {
  if (file.endsWith('.json')) return Int32Array.from(JSON.parse(readFileSync(file, 'utf8')));
  const bytes = readFileSync(file);
  const array = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return Int32Array.from(array.data, Number);
}

/** Removes a seeded share of the queried items; their queries become no-match queries (truth −1). */
function removeItems(items, truth, share, seed) {
  const random = new SeededRandom(seed);
  const queried = [...new Set(truth)].filter((item) => item >= 0);
  const removed = new Set(queried.filter(() => random.nextFloat() < share));
  const renumber = new Int32Array(items.count).fill(-1);
  const kept = [];
  for (let item = 0; item < items.count; item++) {
    if (removed.has(item)) continue;
    renumber[item] = kept.length;
    kept.push(item);
  }
  const data = new Float32Array(kept.length * items.dimension);
  kept.forEach((item, row) => data.set(items.data.subarray(item * items.dimension, (item + 1) * items.dimension), row * items.dimension));
  return {
    items: { data, count: kept.length, dimension: items.dimension },
    truth: Int32Array.from(truth, (item) => (item < 0 || removed.has(item) ? -1 : renumber[item])),
  };
}

console.log(`backend: ${compute.name}; logit scale ${logitScale}`);
for (let seed = 1; seed <= seeds; seed++) {
  const data = generateSynthetic({ seed });
  const rows = (values, count) => ({ data: values, count, dimension: data.dimension });
  for (const withBank of [true, false]) {
    const result = await evaluateRankers(compute, {
      items: rows(data.items, data.itemCount),
      queries: rows(data.queries, data.queryCount),
      truth: data.truth,
      ...(withBank ? { bank: rows(data.bank, data.bankCount) } : {}),
      logitScale,
    });
    printSideBySide(
      `synthetic, seed ${seed}: ${data.itemCount} items × ${data.dimension} dims, ${data.hubs.size} planted hubs, ` +
        `${data.queryCount} text queries (${data.truth.filter((t) => t < 0).length} without their item)`,
      result,
    );
  }
}

const itemsFile = option('items', undefined);
if (itemsFile) {
  const queriesFile = option('queries', undefined);
  const truthFile = option('truth', undefined);
  if (!queriesFile || !truthFile) throw new Error('--items needs --queries and --truth');
  const items = loadNpyRows(itemsFile, '--items');
  const queries = loadNpyRows(queriesFile, '--queries');
  const truth = readTruth(truthFile);
  if (truth.length !== queries.count) throw new Error(`--truth has ${truth.length} entries for ${queries.count} queries`);
  const bankFile = option('bank', undefined);
  const bank = bankFile ? loadNpyRows(bankFile, '--bank') : undefined;
  const share = Number(option('remove-share', 0.25));
  const reduced = removeItems(items, truth, share, Number(option('seed', 1)));
  const result = await evaluateRankers(compute, {
    items: reduced.items,
    queries,
    truth: reduced.truth,
    ...(bank ? { bank } : {}),
    logitScale,
  });
  printSideBySide(
    `${itemsFile}: ${reduced.items.count} items × ${items.dimension} dims (${items.count - reduced.items.count} removed), ` +
      `${queries.count} queries (${reduced.truth.filter((t) => t < 0).length} without their item)`,
    result,
  );
}
