// Evaluation of milens' dense ranking against raw cosine, side by side in one run: recall@1/5/10 and MAP
// for text→image (a query counts for recall when any of its true items is in the first k), the skewness
// of the k-occurrence of items in the top-10 lists (hubness), and "no match": the share of queries
// whose true items were removed answered "nothing here" against the share of matching queries kept
// (raw cosine answers every query).
//
// Inputs: the synthetic CLIP-shaped generator (main/search/dense/synthetic-embeddings.ts: modality gap,
// topics, planted hubs and bursts; plain, and with sub-categories so that half of the no-match queries
// keep near items), and, when given, embeddings made elsewhere (formats in HELP below and docs/search.md).
// Usage: npm run build && node scripts/eval/rank-eval.mjs [--help] [options]
import { importBuilt, option } from '../bench/lib/common.mjs';

const HELP = `node scripts/eval/rank-eval.mjs [options]

Prints raw cosine against milens (PMI, hub correction, "no match"), side by side: recall@1/5/10, MAP,
k-occurrence skewness of the top-10 lists, no-match queries answered "nothing here", matching queries kept.

Synthetic data (always, unless --synthetic-seeds 0):
  --synthetic-seeds N    seeds 1..N of both generators (plain, sub-categories); default 5

Embeddings made elsewhere:
  --items items.npy      the collection, one embedding per row: a 2-D .npy of float32 ('<f4') or
                         float16 ('<f2'), C or Fortran order; rows are L2-normalised on load
  --queries queries.npy  the queries, same format and dimension (e.g. CLIP text embeddings)
  --truth truth.json|.npy   per query row, in order, its true item rows (counting from 0 in --items):
                         JSON: an array with one entry per query, each an item row, an array of item rows
                           (several true items, e.g. [[0], [0], [1, 2], -1, []]), or -1 / null / [] for none;
                         .npy of integers (int8..int64, uint8..uint64): 1-D, one item row per query (-1: none),
                           or 2-D (queries × m), each row the true items padded with -1
                         (MS-COCO text→image: 5 caption queries per image, each naming its image's row;
                          image→text: image queries naming their 5 caption rows)
  --bank bank.npy        queries for the hub correction and the no-match null, same format
                         (default: the queries themselves, each left out of its own correction)
  --logit-scale S        the model's logit scale (CLIP: 100, the default)
  --remove-share F       share removed to make no-match queries (default 0.25; 0 keeps the collection whole,
                         for truth files that already have queries without a true item)
  --remove-unit items|queries
                         items (default): each distinct true item is removed with probability F
                           (text→image: a removed image leaves its 5 captions without a match);
                         queries: each query is chosen with probability F and all its true items removed
                           (image→text: a chosen image loses all 5 of its captions)
  --seed N               seed of the removal (default 1)
  --json                 one JSON line per evaluation instead of tables`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}

const { getCompute } = await importBuilt('compute/index.js');
const { evaluateRankers } = await importBuilt('search/dense/evaluation.js');
const { generateSynthetic, SUBCATEGORY_SYNTHETIC } = await importBuilt('search/dense/synthetic-embeddings.js');
const { loadNpyRows } = await importBuilt('search/dense/npy-rows.js');
const { readTruthFile, removeTrueItems } = await importBuilt('search/dense/truth-file.js');
const { SeededRandom } = await importBuilt('mi/random.js');

const json = process.argv.includes('--json');
const compute = await getCompute();
const logitScale = Number(option('logit-scale', 100));
const seeds = Number(option('synthetic-seeds', 5));
const MEASURES = [
  ['recall@1', 'recall1'],
  ['recall@5', 'recall5'],
  ['recall@10', 'recall10'],
  ['MAP', 'map'],
  ['k-occurrence skewness (top 10)', 'skewness10'],
  ['no-match queries answered "nothing here"', 'noMatchCorrect'],
  ['matching queries kept', 'matchingKept'],
];
const summary = [];

function report(label, shape, result) {
  if (json) {
    console.log(JSON.stringify({ label, ...shape, bankSource: result.bankSource, rawCosine: result.rawCosine, milens: result.milens }));
    return;
  }
  console.log(`\n${label} (hub correction from: ${result.bankSource})`);
  console.table(
    MEASURES.map(([name, key]) => ({
      measure: name,
      'raw cosine': +result.rawCosine[key].toFixed(3),
      milens: +result.milens[key].toFixed(3),
    })),
  );
}

if (!json) console.log(`backend: ${compute.name}; logit scale ${logitScale}`);
for (const [generator, overrides] of [
  ['plain', {}],
  ['sub-categories', SUBCATEGORY_SYNTHETIC],
]) {
  for (let seed = 1; seed <= seeds; seed++) {
    const data = generateSynthetic({ seed, ...overrides });
    const rows = (values, count) => ({ data: values, count, dimension: data.dimension });
    for (const withBank of [true, false]) {
      const result = await evaluateRankers(compute, {
        items: rows(data.items, data.itemCount),
        queries: rows(data.queries, data.queryCount),
        truth: data.truth,
        ...(withBank ? { bank: rows(data.bank, data.bankCount) } : {}),
        logitScale,
      });
      const noMatchQueries = data.truth.filter((t) => t < 0).length;
      report(
        `synthetic (${generator}), seed ${seed}: ${data.itemCount} items × ${data.dimension} dims, ${data.hubs.size} planted hubs, ` +
          `${data.queryCount} text queries (${noMatchQueries} without their item)`,
        { generator, seed, items: data.itemCount, dimension: data.dimension, queries: data.queryCount, noMatchQueries },
        result,
      );
      summary.push({ generator, seed, bank: result.bankSource, result });
    }
  }
}

const itemsFile = option('items', undefined);
if (itemsFile) {
  const queriesFile = option('queries', undefined);
  const truthFile = option('truth', undefined);
  if (!queriesFile || !truthFile) throw new Error('--items needs --queries and --truth (see --help)');
  const items = loadNpyRows(itemsFile, '--items');
  const queries = loadNpyRows(queriesFile, '--queries');
  if (queries.dimension !== items.dimension)
    throw new Error(`--queries ${queriesFile} has ${queries.dimension} dimensions but --items ${itemsFile} has ${items.dimension}`);
  const truth = readTruthFile(truthFile, queries.count, items.count);
  const bankFile = option('bank', undefined);
  const bank = bankFile ? loadNpyRows(bankFile, '--bank') : undefined;
  const share = Number(option('remove-share', 0.25));
  const unit = option('remove-unit', 'items');
  if (!(share >= 0 && share < 1)) throw new Error(`--remove-share must be in [0, 1), not ${option('remove-share')}`);
  if (unit !== 'items' && unit !== 'queries') throw new Error(`--remove-unit must be items or queries, not ${unit}`);
  const reduced = removeTrueItems(items, truth, share, unit, new SeededRandom(Number(option('seed', 1))));
  const result = await evaluateRankers(compute, {
    items: reduced.items,
    queries,
    truth: reduced.truth,
    ...(bank ? { bank } : {}),
    logitScale,
  });
  const noMatchQueries = reduced.truth.filter((rows) => rows.length === 0).length;
  const trueItems = truth.reduce((sum, rows) => sum + rows.length, 0);
  report(
    `${itemsFile}: ${reduced.items.count} items × ${items.dimension} dims (${reduced.removed} removed, by ${unit}), ` +
      `${queries.count} queries (${noMatchQueries} without a true item; ${(trueItems / queries.count).toFixed(2)} true items per query before removal)`,
    {
      file: itemsFile,
      items: reduced.items.count,
      removed: reduced.removed,
      dimension: items.dimension,
      queries: queries.count,
      noMatchQueries,
    },
    result,
  );
}

if (!json && summary.length > 0) {
  const cell = (result, key) => `${result.rawCosine[key].toFixed(3)} → ${result.milens[key].toFixed(3)}`;
  console.log('\nsynthetic summary (raw cosine → milens)');
  console.log('| generator | seed | bank | recall@1 | recall@10 | MAP | skewness | no-match "nothing here" | matching kept |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { generator, seed, bank, result } of summary)
    console.log(
      `| ${generator} | ${seed} | ${bank} | ${cell(result, 'recall1')} | ${cell(result, 'recall10')} | ${cell(result, 'map')} | ` +
        `${cell(result, 'skewness10')} | ${result.milens.noMatchCorrect.toFixed(3)} | ${result.milens.matchingKept.toFixed(3)} |`,
    );
}
