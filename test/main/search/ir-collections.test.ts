// Retrieval quality guard on two shared test collections (ADI, MED): milens' MAP must stay at least
// 1.05 × SQLite FTS5 bm25 over the same files, for the ranking at depth 1000 (showWeaker: the documents
// below 0 bits too, as FTS5 lists every match). The full four-collection comparison is
// scripts/eval/ir-eval.mjs. Skips when ../shared/datasets is absent (a fresh clone).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../db/database.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { SearchService } from '../../../main/search/search-service.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';
// @ts-expect-error: plain JavaScript helpers shared with the evaluation script
import { datasetsFolder, evaluate, loadCollection, writeCollectionFiles } from '../../../scripts/eval/test-collections.mjs';
// @ts-expect-error: plain JavaScript helpers shared with the evaluation script
import { runFts5Baseline } from '../../../scripts/eval/fts5-baseline.mjs';

interface Query {
  id: string;
  text: string;
}

const datasets = datasetsFolder(REPO_ROOT) as string | null;
if (!datasets) console.warn('ir-collections: skipped, ../shared/datasets/ir is absent');

const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

describe.skipIf(!datasets)('retrieval quality on shared collections', () => {
  for (const name of ['adi', 'med']) {
    it(`${name}: MAP at least 1.05 × FTS5 bm25`, async () => {
      const collection = loadCollection(datasets, name);
      const { documentsFolder } = writeCollectionFiles(collection, makeTempFolder());
      const db = openDatabase(path.join(makeTempFolder(), 'milens.sqlite'));
      open.push(db);
      await new IndexingService(db).indexFolder(documentsFolder);
      const service = new SearchService(db);
      const rankings = new Map<string, string[]>();
      for (const query of collection.queries as Query[]) {
        rankings.set(
          query.id,
          service.search({ query: query.text, limit: 1000, showWeaker: true }).results.map((result) => path.basename(result.path, '.txt')),
        );
      }
      const milens = evaluate(rankings, collection.qrels, collection.queries) as { map: number };
      const fts5 = evaluate(runFts5Baseline(documentsFolder, collection.queries), collection.qrels, collection.queries) as { map: number };
      expect(milens.map).toBeGreaterThanOrEqual(1.05 * fts5.map);
    });
  }
});
