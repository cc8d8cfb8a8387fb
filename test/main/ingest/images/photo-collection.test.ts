// Photos as items of a collection, end to end on real folders, a real SQLite file, the real worker pool
// and the generated TEST model (a real ONNX model run by onnxruntime; only its weights are synthetic):
// every format and every broken kind in one collection beside a document, named skip reasons, originals
// untouched, a second run that changes nothing, vectors keyed by content hash (a moved photo costs no
// model call), photos embedded once a model is installed and again when another model is in force.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../db/database.js';
import { fromFloat16 } from '../../../../db/repositories/float16.js';
import { ImageEmbeddingsRepository } from '../../../../db/repositories/image-embeddings-repository.js';
import { PhotosRepository } from '../../../../db/repositories/photos-repository.js';
import { imageSkipCodeOf } from '../../../../main/ingest/images/guards.js';
import type { ImageEmbedder } from '../../../../main/ingest/images/image-embedder.js';
import { ThumbnailCache } from '../../../../main/ingest/images/thumbnail-cache.js';
import { IndexingService } from '../../../../main/ingest/indexing-service.js';
import { openEmbedder, type Embedder } from '../../../../models/embedder.js';
import { makeTempFolder } from '../../../helpers/temp.js';
import { installTestModel, testColourEmbedding, testModelId } from '../../../models/test-model.js';
import { writeBrokenImages, writeGoodImages } from './image-fixtures.js';

let testModel: Embedder;
beforeAll(async () => {
  const installed = await installTestModel();
  testModel = await openEmbedder(installed.modelsFolder, testModelId, { manifest: installed.manifest });
});
afterAll(async () => testModel?.close());

/** The test model as the indexing service sees it, counting its calls (the model itself runs). */
function countingEmbedder(modelId = testModelId) {
  const counts = { calls: 0, inputs: 0 };
  const embedder: ImageEmbedder = {
    modelId,
    imagePreprocess: testModel.imagePreprocess,
    embedImages: async (inputs) => {
      counts.calls++;
      counts.inputs += inputs.length;
      return testModel.embedImages(inputs);
    },
  };
  return { embedder, counts };
}

function hashTree(folder: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) hashes[full] = `${createHash('sha256').update(readFileSync(full)).digest('hex')}:${statSync(full).mtimeMs}`;
    }
  };
  walk(folder);
  return hashes;
}

interface Setup {
  root: string;
  folder: string;
  db: Database;
  service: IndexingService;
  thumbnails: ThumbnailCache;
  /** The embedder the service finds at its next run (none: no model installed). */
  use(embedder: ImageEmbedder | undefined): void;
}

const opened: Database[] = [];
afterAll(() => opened.forEach((db) => db.close()));

function setup(): Setup {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'photos');
  mkdirSync(folder);
  const db = openDatabase(path.join(root, 'milens.sqlite'));
  opened.push(db);
  let current: ImageEmbedder | undefined;
  const thumbnailFolder = path.join(root, 'thumbnails');
  const service = new IndexingService(db, undefined, { thumbnailFolder, embedderSource: async () => current });
  return { root, folder, db, service, thumbnails: new ThumbnailCache(thumbnailFolder), use: (embedder) => (current = embedder) };
}

describe('photos in a collection', () => {
  it('indexes every format beside a document, skips each broken kind with its named reason, and a second run changes nothing', async () => {
    const { folder, db, service, thumbnails, use } = setup();
    const good = await writeGoodImages(folder);
    const broken = await writeBrokenImages(path.join(folder, 'broken'));
    writeFileSync(path.join(folder, 'trip-notes.txt'), 'Notes from the trip: the orchard, the river, the mountain.\n');
    symlinkSync(path.join(folder, 'nowhere.jpg'), path.join(folder, 'broken', 'dangling.jpg'));
    const before = hashTree(folder);
    const { embedder, counts } = countingEmbedder();
    use(embedder);

    const report = await service.indexFolder(folder);
    const goodCount = Object.keys(good.files).length;
    // plain.png and really-a-png.jpg hold the same bytes: one vector serves both.
    const distinctContents = new Set(Object.keys(good.files).map((name) => before[path.join(folder, name)].split(':')[0])).size;
    expect(distinctContents).toBe(goodCount - 1);
    expect(report.photos).toMatchObject({
      added: goodCount,
      skipped: Object.keys(broken).length,
      embedded: distinctContents,
      withoutVector: 0,
    });
    expect(report.added).toBe(goodCount + 1); // and the notes
    const reasons = Object.fromEntries(report.skipped.map((entry) => [path.relative(folder, entry.path), entry.reason]));
    for (const [name, code] of Object.entries(broken)) expect(imageSkipCodeOf(reasons[path.join('broken', name)] ?? ''), name).toBe(code);
    expect(reasons[path.join('broken', 'dangling.jpg')]).toBe('broken symbolic link');
    expect(Object.keys(reasons)).toHaveLength(Object.keys(broken).length + 1);
    // Each content hash ran through the model once, in one batch (fewer than 32 photos).
    expect(counts).toEqual({ calls: 1, inputs: distinctContents });

    const photos = new PhotosRepository(db).list();
    expect(photos.map((item) => path.relative(folder, item.path)).sort()).toEqual(Object.keys(good.files).sort());
    for (const item of photos) {
      const expected = good.files[path.basename(item.path)];
      expect(item.photo, item.path).toMatchObject(expected);
      expect(await thumbnails.has(item.contentHash), item.path).toBe(true);
      const small = await sharp(thumbnails.fileOf(item.contentHash, 'small')).metadata();
      expect(small.format).toBe('webp');
      expect([small.width, small.height]).toEqual([expected.width, expected.height]);
    }
    const oriented = photos.find((item) => item.path.endsWith('oriented.jpg'))!;
    expect(oriented.photo).toMatchObject({
      takenAt: '2024-05-01T10:20:30',
      takenAtOffset: '+02:00',
      cameraModel: 'X100V',
      latitude: 48.5,
      longitude: -2.25,
    });
    expect(
      photos
        .filter((item) => item.animated)
        .map((item) => path.basename(item.path))
        .sort(),
    ).toEqual(['animated.gif', 'animated.webp']);
    if (good.heicSkipReason) console.warn(`HEIC not covered here: ${good.heicSkipReason}`);

    // Nothing of the originals changed: bytes and mtimes.
    expect(hashTree(folder)).toEqual(before);

    const again = await service.indexFolder(folder);
    expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: goodCount + 1 });
    expect(again.photos).toMatchObject({
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: goodCount,
      skipped: Object.keys(broken).length,
      embedded: 0,
      modelCalls: 0,
    });
    // The same files skipped for the same kind of reason. The decoder's own words may differ between runs:
    // libvips keeps one error buffer for the process and the pool decodes in two threads (docs/photos.md).
    const kinds = (entries: typeof report.skipped) => entries.map((entry) => [entry.path, imageSkipCodeOf(entry.reason) ?? entry.reason]);
    expect(kinds(again.skipped)).toEqual(kinds(report.skipped));
    expect(counts.calls).toBe(1);
  });

  it('indexes photos without a model, embeds them once one is installed, keeps vectors of moved photos and re-embeds for a new model', async () => {
    const { folder, db, service, thumbnails, use } = setup();
    const colours: Record<string, string> = {
      'red.jpg': '#ff0000',
      'green.jpg': '#00c000',
      'blue.jpg': '#0000ff',
      'yellow.png': '#ffff00',
    };
    for (const [name, background] of Object.entries(colours)) {
      await sharp({ create: { width: 64, height: 48, channels: 3, background } }).toFile(path.join(folder, name));
    }
    const embeddings = new ImageEmbeddingsRepository(db);

    const withoutModel = await service.indexFolder(folder);
    expect(withoutModel.photos).toMatchObject({ added: 4, embedded: 0, modelCalls: 0, modelId: null, withoutVector: 4 });
    expect(embeddings.models()).toEqual([]);

    const first = countingEmbedder();
    use(first.embedder);
    const installed = await service.indexFolder(folder);
    expect(installed.photos).toMatchObject({ added: 0, unchanged: 4, embedded: 4, modelCalls: 1, modelId: testModelId, withoutVector: 0 });
    const resident = embeddings.residentVectors(testModelId);
    expect(resident.itemIds).toHaveLength(4);
    const photos = new PhotosRepository(db);
    const redId = photos.list().find((item) => item.path.endsWith('red.jpg'))!.itemId;
    const row = [...resident.itemIds].indexOf(redId);
    const stored = fromFloat16(resident.vectors.subarray(row * resident.dimension, (row + 1) * resident.dimension));
    const reference = testColourEmbedding([1, 0, 0]);
    const norm = Math.hypot(...reference);
    const cosine = stored.reduce((sum, value, index) => sum + (value * reference[index]) / norm, 0);
    expect(cosine).toBeGreaterThan(0.99);

    // Renamed and moved inside the collection: the same bytes keep their vector, no model call.
    mkdirSync(path.join(folder, 'album'));
    renameSync(path.join(folder, 'red.jpg'), path.join(folder, 'album', 'scarlet.jpg'));
    renameSync(path.join(folder, 'blue.jpg'), path.join(folder, 'navy.jpg'));
    const callsBefore = first.counts.calls;
    const moved = await service.indexFolder(folder);
    expect(moved.photos).toMatchObject({ added: 2, removed: 2, embedded: 0, modelCalls: 0, withoutVector: 0 });
    expect(first.counts.calls).toBe(callsBefore);
    const scarlet = photos.list().find((item) => item.path.endsWith('scarlet.jpg'))!;
    expect(embeddings.get(testModelId, scarlet.contentHash)).toBeDefined();
    expect(await thumbnails.has(scarlet.contentHash)).toBe(true);

    // A new photo: one call for it alone.
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff00ff' } }).toFile(path.join(folder, 'magenta.webp'));
    const added = await service.indexFolder(folder);
    expect(added.photos).toMatchObject({ added: 1, embedded: 1, modelCalls: 1 });

    // Another model in force (the same test network under another id stands for a newly installed model).
    const next = countingEmbedder('test-colour-clip-v2');
    use(next.embedder);
    const switched = await service.indexFolder(folder);
    expect(switched.photos).toMatchObject({ unchanged: 5, embedded: 5, modelCalls: 1, modelId: 'test-colour-clip-v2', withoutVector: 0 });
    expect(embeddings.coverage('test-colour-clip-v2')).toEqual({ embedded: 5, photos: 5 });

    // A deleted photo takes its vector and thumbnails with it at the end of the run.
    const green = photos.list().find((item) => item.path.endsWith('green.jpg'))!;
    renameSync(path.join(folder, 'green.jpg'), path.join(folder, '..', 'green-outside.jpg'));
    const removed = await service.indexFolder(folder);
    expect(removed.photos).toMatchObject({ removed: 1 });
    expect(embeddings.get(testModelId, green.contentHash)).toBeUndefined();
    expect(await thumbnails.has(green.contentHash)).toBe(false);
    expect(existsSync(thumbnails.fileOf(scarlet.contentHash, 'large'))).toBe(true);
  });
});
