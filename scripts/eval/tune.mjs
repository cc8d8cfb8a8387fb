// Parameter study for docs/search.md: indexes the four shared collections once (in-process, from the
// built dist/) and measures MAP for a grid of μ rules and expansion settings, all collections side by
// side, so one global setting can be chosen. Usage: npm run build && node scripts/eval/tune.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTIONS, datasetsFolder, evaluate, loadCollection, writeCollectionFiles } from './test-collections.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const datasets = datasetsFolder(root);
if (!datasets) {
  console.error('tune: ../shared/datasets/ir is absent; nothing to measure.');
  process.exit(0);
}
const { openDatabase } = await import(path.join(root, 'dist/db/database.js'));
const { IndexingService } = await import(path.join(root, 'dist/main/ingest/indexing-service.js'));
const { SearchService } = await import(path.join(root, 'dist/main/search/search-service.js'));

const feedback = (feedbackWeight) => ({ feedbackPassages: 10, terms: 30, feedbackWeight, minimumFeedbackPassages: 2 });
const grid = JSON.parse(process.env.TUNE_GRID ?? 'null') ?? [
  ...[1, 2, 4, 8].flatMap((mu) => [0, 0.65].map((noise) => ({ label: `mu=${mu}xavg noise=${noise}`, mu, noise }))),
  ...[0.1, 0.2, 0.3].map((weight) => ({ label: `mu=2xavg noise=0.65 prf=${weight}`, mu: 2, noise: 0.65, expansion: feedback(weight) })),
  { label: 'default + bits>0', mu: 2, noise: 0.65, expansion: feedback(0.2), minimumBits: 0 },
];

const work = mkdtempSync(path.join(os.tmpdir(), 'milens-tune-'));
const table = new Map(grid.map((setting) => [setting.label, {}]));
try {
  for (const name of COLLECTIONS) {
    const collection = loadCollection(datasets, name);
    const folder = path.join(work, name);
    const { documentsFolder } = writeCollectionFiles(collection, folder);
    const db = openDatabase(path.join(folder, 'milens.sqlite'));
    await new IndexingService(db).indexFolder(documentsFolder);
    for (const setting of grid) {
      const service = new SearchService(db, {
        muPerAverageLength: setting.mu,
        queryNoise: setting.noise ?? 0,
        expansion: setting.expansion ?? null,
        minimumBits: setting.minimumBits ?? null,
      });
      const rankings = new Map();
      for (const query of collection.queries) {
        const response = service.search({ query: query.text, limit: 1000 });
        rankings.set(
          query.id,
          response.results.map((result) => path.basename(result.path, '.txt')),
        );
      }
      table.get(setting.label)[name] = evaluate(rankings, collection.qrels, collection.queries).map;
    }
    db.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const target = { adi: 0.408 * 1.05, cisi: 0.207 * 1.05, med: 0.528 * 1.05, npl: 0.281 * 1.05 };
console.log(['setting'.padEnd(28), ...COLLECTIONS.map((name) => name.padStart(7)), '  min ratio'].join(''));
for (const [label, maps] of table) {
  const minRatio = Math.min(...COLLECTIONS.map((name) => maps[name] / (target[name] / 1.05)));
  console.log([label.padEnd(28), ...COLLECTIONS.map((name) => maps[name].toFixed(4).padStart(7)), `  ${minRatio.toFixed(3)}`].join(''));
}
