// The whole photo path on the 125 real photos of ../shared/datasets/photos (skipped when absent): decode,
// EXIF, thumbnails, vectors from the TEST model and the store, beside a folder of broken files of every
// kind the guards name; then a second run that must change nothing. The photos are copied into a
// temporary collection (never into the repository) so that the broken files can sit beside them.
import { copyFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../db/database.js';
import { ImageEmbeddingsRepository } from '../../../../db/repositories/image-embeddings-repository.js';
import { PhotosRepository } from '../../../../db/repositories/photos-repository.js';
import { imageSkipCodeOf } from '../../../../main/ingest/images/guards.js';
import { ThumbnailCache } from '../../../../main/ingest/images/thumbnail-cache.js';
import { IndexingService } from '../../../../main/ingest/indexing-service.js';
import { openEmbedder, type Embedder } from '../../../../models/embedder.js';
import { makeTempFolder } from '../../../helpers/temp.js';
import { sharedDataset } from '../../../models/shared-datasets.js';
import { installTestModel, testModelId } from '../../../models/test-model.js';
import { writeBrokenImages } from './image-fixtures.js';

const photosFolder = sharedDataset('photos', 'real photos ingestion');

let testModel: Embedder | undefined;
beforeAll(async () => {
  if (!photosFolder) return;
  const installed = await installTestModel();
  testModel = await openEmbedder(installed.modelsFolder, testModelId, { manifest: installed.manifest });
});
afterAll(async () => testModel?.close());

describe.skipIf(!photosFolder)('the 125 real photos', () => {
  it('are decoded, described, thumbnailed, embedded and stored; broken files are skipped by name; a second run changes nothing', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'collection');
    const names = readdirSync(photosFolder!).filter((name) => !name.startsWith('.'));
    expect(names).toHaveLength(125);
    const broken = await writeBrokenImages(path.join(folder, 'broken'));
    for (const name of names) copyFileSync(path.join(photosFolder!, name), path.join(folder, name));

    const db = openDatabase(path.join(root, 'milens.sqlite'));
    let modelCalls = 0;
    const service = new IndexingService(db, undefined, {
      thumbnailFolder: path.join(root, 'thumbnails'),
      embedderSource: async () => ({
        modelId: testModelId,
        imagePreprocess: testModel!.imagePreprocess,
        embedImages: (inputs) => {
          modelCalls++;
          return testModel!.embedImages(inputs);
        },
      }),
    });
    try {
      const report = await service.indexFolder(folder);
      expect(report.photos).toMatchObject({
        added: 125,
        skipped: Object.keys(broken).length,
        embedded: 125,
        modelCalls: 4,
        withoutVector: 0,
      });
      expect(modelCalls).toBe(4); // 125 photos in batches of 32
      for (const entry of report.skipped) expect(imageSkipCodeOf(entry.reason), entry.path).toBe(broken[path.basename(entry.path)]);
      expect(report.skipped).toHaveLength(Object.keys(broken).length);

      const photos = new PhotosRepository(db).list();
      const thumbnails = new ThumbnailCache(path.join(root, 'thumbnails'));
      for (const item of photos) {
        const original = await sharp(path.join(photosFolder!, path.basename(item.path))).metadata();
        const upright = original.autoOrient ?? { width: original.width, height: original.height };
        expect(item.photo, item.path).toMatchObject({ format: original.format, width: upright.width, height: upright.height });
        const small = await sharp(thumbnails.fileOf(item.contentHash, 'small')).metadata();
        expect(Math.max(small.width!, small.height!), item.path).toBe(Math.min(256, Math.max(upright.width!, upright.height!)));
      }
      const resident = new ImageEmbeddingsRepository(db).residentVectors(testModelId);
      expect(resident.itemIds).toHaveLength(125);
      expect(resident.dimension).toBe(testModel!.dimension);

      const again = await service.indexFolder(folder);
      expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 125 });
      expect(again.photos).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 125, embedded: 0, modelCalls: 0 });
      // Same files, same kind of skip; the decoder's words may differ (one libvips error buffer, docs/photos.md).
      const kinds = (entries: typeof report.skipped) => entries.map((entry) => [entry.path, imageSkipCodeOf(entry.reason) ?? entry.reason]);
      expect(kinds(again.skipped)).toEqual(kinds(report.skipped));
      expect(modelCalls).toBe(4);
    } finally {
      db.close();
    }
  });
});
