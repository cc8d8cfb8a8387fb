// IR evaluation of milens against SQLite FTS5 bm25() on the four classic collections in
// ../shared/datasets/ir, side by side in one run. For each collection it writes one file per document
// (`<docid>.txt`, title then text) into a temp folder, runs `milens index` and
// `milens search --queries` through the real CLI (bin/milens.js, built by `npm run build`), builds the
// FTS5 baseline over the same files, and prints MAP, P@10 and nDCG@10 at depth 1000 (of the ranking:
// --show-weaker lists documents below 0 bits too, as FTS5 lists every match), the indexing
// time, the CLI time for all queries and the in-process time per query.
// Usage: npm run build && node scripts/eval/ir-eval.mjs [--json results.json] [--keep]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFts5Baseline } from './fts5-baseline.mjs';
import { COLLECTIONS, datasetsFolder, evaluate, loadCollection, writeCollectionFiles } from './test-collections.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'milens.js');
const datasets = datasetsFolder(root);
if (!datasets) {
  console.error('ir-eval: ../shared/datasets/ir is absent (a fresh clone has no ../shared); nothing to evaluate.');
  process.exit(0);
}
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
const keep = process.argv.includes('--keep');
const depth = 1000;

function milens(args) {
  return execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
}

function timed(work) {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

const { openDatabase } = await import(path.join(root, 'dist/db/database.js'));
const { SearchService } = await import(path.join(root, 'dist/main/search/search-service.js'));

const work = mkdtempSync(path.join(os.tmpdir(), 'milens-ir-eval-'));
const rows = [];
try {
  for (const name of COLLECTIONS) {
    const collection = loadCollection(datasets, name);
    const folder = path.join(work, name);
    const { documentsFolder, queriesFile } = writeCollectionFiles(collection, folder);
    const db = path.join(folder, 'milens.sqlite');

    const indexing = timed(() => JSON.parse(milens(['index', documentsFolder, '--db', db, '--json'])));
    if (indexing.value.added !== collection.documents.length) {
      throw new Error(
        `${name}: milens indexed ${indexing.value.added} of ${collection.documents.length} documents (skipped: ${JSON.stringify(indexing.value.skipped.slice(0, 3))})`,
      );
    }
    const searching = timed(() =>
      milens(['search', '--queries', queriesFile, '--db', db, '--limit', String(depth), '--show-weaker', '--json']),
    );
    const rankings = new Map();
    for (const line of searching.value.split('\n')) {
      if (!line.trim()) continue;
      const { id, results } = JSON.parse(line);
      rankings.set(
        id,
        results.map((result) => path.basename(result.path, '.txt')),
      );
    }
    const milensMetrics = evaluate(rankings, collection.qrels, collection.queries);

    // In-process latency: the same queries against an open database, as the app runs them.
    const database = openDatabase(db, { readonly: true });
    const service = new SearchService(database);
    for (const query of collection.queries.slice(0, 3)) service.search({ query: query.text, limit: 20 }); // warm the page cache
    const latencies = collection.queries
      .map((query) => timed(() => service.search({ query: query.text, limit: 20 })).ms)
      .sort((a, b) => a - b);
    database.close();

    const fts = timed(() => runFts5Baseline(documentsFolder, collection.queries, depth));
    const ftsMetrics = evaluate(fts.value, collection.qrels, collection.queries);
    rows.push({
      collection: name,
      documents: collection.documents.length,
      queries: collection.queries.length,
      milens: milensMetrics,
      fts5: ftsMetrics,
      mapRatio: milensMetrics.map / ftsMetrics.map,
      indexSeconds: indexing.ms / 1000,
      searchAllQueriesSeconds: searching.ms / 1000,
      queryMsMedian: latencies[Math.floor(latencies.length / 2)],
      queryMsP95: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))],
    });
  }
} finally {
  if (keep) console.error(`ir-eval: files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

// FTS5 bm25 MAP quoted in ../shared/datasets/README.md; our side-by-side run reproduces all but CISI.
const QUOTED_FTS5_MAP = { adi: 0.408, cisi: 0.207, med: 0.528, npl: 0.281 };
const f = (value) => value.toFixed(4);
console.log('collection  docs  queries |  milens MAP   P@10  nDCG@10 |   FTS5 MAP   P@10  nDCG@10 | MAP ratio');
for (const row of rows) {
  console.log(
    `${row.collection.padEnd(10)} ${String(row.documents).padStart(5)} ${String(row.queries).padStart(8)} | ${f(row.milens.map).padStart(11)} ${f(row.milens.p10)} ${f(row.milens.ndcg10).padStart(8)} | ${f(row.fts5.map).padStart(10)} ${f(row.fts5.p10)} ${f(row.fts5.ndcg10).padStart(8)} | ${row.mapRatio.toFixed(3).padStart(9)}`,
  );
}
console.log(
  `\nMAP / quoted FTS5 MAP: ${rows.map((row) => `${row.collection} ${(row.milens.map / QUOTED_FTS5_MAP[row.collection]).toFixed(3)}`).join(', ')}`,
);
console.log('\ncollection  index (s)  search --queries, all queries (s)  query in-process median / p95 (ms)');
for (const row of rows) {
  console.log(
    `${row.collection.padEnd(10)} ${row.indexSeconds.toFixed(2).padStart(10)} ${row.searchAllQueriesSeconds.toFixed(2).padStart(34)} ${`${row.queryMsMedian.toFixed(2)} / ${row.queryMsP95.toFixed(2)}`.padStart(37)}`,
  );
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(rows, null, 2)}\n`);
