// Cancelling an indexing run with a real AbortSignal (IndexOptions.signal, a job's `job.signal`): a signal
// that fired before the run starts stops it before anything is scanned; one that fires mid-run stops it
// between batches with the committed batches kept (and the index consistent), the next run finishing the
// job; the extraction running in the pool is stopped with its worker, and not reported as a skipped file;
// and a run cancelled during photo embedding (the generated TEST model, a real ONNX model run by
// onnxruntime) commits no vector of the cancelled model call, the next run embedding every photo.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../db/database.js';
import type { EmbedCallOptions, Embedder } from '../../../models/embedder.js';
import { openEmbedder } from '../../../models/embedder.js';
import type { ImageEmbedder } from '../../../main/ingest/images/image-embedder.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { WorkerPool } from '../../../main/ingest/isolation/worker-pool.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { installTestModel, testModelId } from '../../models/test-model.js';
import { indexInconsistencies } from './index-consistency.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function setup() {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'items');
  mkdirSync(folder);
  const db: Database = openDatabase(path.join(root, 'milens.sqlite'));
  cleanups.push(() => db.close());
  return { root, folder, db };
}

function count(db: Database, table: string): number {
  return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the run to be cancelled');
}

describe('cancelling an indexing run', () => {
  it('stops before scanning when the signal has already fired', async () => {
    const { folder, db } = setup();
    writeFileSync(path.join(folder, 'a.txt'), 'alpha\n');
    const service = new IndexingService(db);
    const collection = await service.addCollection(folder);
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(service.indexCollection(collection.id, { signal: controller.signal }));
    expect(error).toMatchObject({ code: 'CANCELLED', message: `Indexing of ${folder} was cancelled.` });
    expect(count(db, 'documents')).toBe(0);
  });

  it('stops between batches, keeps the committed ones, and the next run finishes', async () => {
    const { folder, db } = setup();
    const fileCount = 60;
    for (let index = 0; index < fileCount; index++) writeFileSync(path.join(folder, `n${index}.txt`), `note ${index} topic ${index % 7}\n`);
    const pool = new WorkerPool({ size: 1 });
    cleanups.push(() => pool.close());
    const controller = new AbortController();
    const service = new IndexingService(db, (event) => {
      // Once two batches of 10 are in, the person presses Cancel.
      if (event.processed >= 20) controller.abort();
    });
    const collection = await service.addCollection(folder);
    const error = await rejection(service.indexCollection(collection.id, { pool, batchSize: 10, signal: controller.signal }));
    expect(error.code).toBe('CANCELLED');
    const kept = count(db, 'documents');
    expect(kept).toBeGreaterThanOrEqual(20);
    expect(kept).toBeLessThan(fileCount);
    expect(kept % 10).toBe(0); // whole batches only
    expect(service.listCollections()[0]!.lastIndexedAt).toBeNull();
    expect(indexInconsistencies(db)).toEqual([]);

    const report = await service.indexCollection(collection.id, { pool, batchSize: 10 });
    expect(report).toMatchObject({ added: fileCount - kept, skipped: [] });
    expect(report.collection.documentCount).toBe(fileCount);
    expect(indexInconsistencies(db)).toEqual([]);
  });

  it('stops the extraction running in the pool with its worker, and does not list the file as skipped', async () => {
    const { folder, db } = setup();
    // ~16 MB of text in one paragraph: seconds of extraction, so it is surely running when the signal fires.
    const words: string[] = [];
    for (let index = 0; index < 3_000_000; index++) words.push(`w${(index % 100_000).toString(36)}`);
    writeFileSync(path.join(folder, 'long.txt'), words.join(' '));
    const pool = new WorkerPool({ size: 1 });
    cleanups.push(() => pool.close());
    const controller = new AbortController();
    const service = new IndexingService(db);
    const collection = await service.addCollection(folder);
    const running = service.indexCollection(collection.id, { pool, signal: controller.signal, extractionTimeoutMs: 600_000 });
    while (pool.pending === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const error = await rejection(running);
    expect(error.code).toBe('CANCELLED');
    expect(pool.stats).toMatchObject({ workersReplaced: 1, jobsFailed: 1, jobsCompleted: 0 });
    expect(count(db, 'documents')).toBe(0);
    expect(count(db, 'skipped_files')).toBe(0);
    // The pool goes on with a fresh worker.
    writeFileSync(path.join(folder, 'long.txt'), 'short now\n');
    expect((await service.indexCollection(collection.id, { pool })).added).toBe(1);
  });
});

describe('cancelling during photo embedding', () => {
  let model: Embedder;
  beforeAll(async () => {
    const installed = await installTestModel();
    model = await openEmbedder(installed.modelsFolder, testModelId, { manifest: installed.manifest });
  }, 120_000);
  afterAll(async () => model?.close());

  it('commits no vector of the cancelled model call, and the next run embeds every photo', async () => {
    const { root, folder, db } = setup();
    const photoCount = 40; // more than one model call (32 inputs each)
    for (let index = 0; index < photoCount; index++)
      await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: (index * 6) % 256, g: 128, b: 255 - index * 5 } } })
        .png()
        .toFile(path.join(folder, `p${index}.png`));
    let current: ImageEmbedder | undefined;
    const service = new IndexingService(db, undefined, {
      thumbnailFolder: path.join(root, 'thumbnails'),
      embedderSource: async () => current,
    });
    const collection = await service.addCollection(folder);
    // Indexed before a model was installed: the photos are in, without vectors.
    expect((await service.indexCollection(collection.id)).photos).toMatchObject({ added: photoCount, withoutVector: photoCount });

    // The model is installed; the run's embedding pass is cancelled while the model computes its first batch.
    const controller = new AbortController();
    const calls: Array<{ inputs: number; signal: AbortSignal | undefined }> = [];
    current = {
      modelId: model.modelId,
      imagePreprocess: model.imagePreprocess,
      embedImages: async (inputs: Float32Array[], call?: EmbedCallOptions) => {
        calls.push({ inputs: inputs.length, signal: call?.signal });
        const vectors = model.embedImages(inputs, call);
        controller.abort();
        return vectors;
      },
    };
    const error = await rejection(service.indexCollection(collection.id, { signal: controller.signal }));
    expect(error.code).toBe('CANCELLED');
    expect(calls).toEqual([{ inputs: 32, signal: controller.signal }]); // the signal reached the model call, and no second call ran
    expect(count(db, 'image_embeddings')).toBe(0);
    expect(count(db, 'photos')).toBe(photoCount);

    current = model;
    const report = await service.indexCollection(collection.id);
    expect(report.photos).toMatchObject({ embedded: photoCount, withoutVector: 0, unchanged: photoCount });
  }, 120_000);
});
