// Photos in the app's watched collections, through the core as the app and the serve shell run it: a
// photo dropped into a watched folder is indexed in the background, and once an image–text model is
// installed the photos already indexed get its vectors in the background (embedPhotosInBackground, which
// a finished model download calls). The TEST model is installed into the core's models folder.
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexFinishedEvent } from '../../../../main/api/contract.js';
import { createMilensCore } from '../../../../main/core/api.js';
import { embedPhotosInBackground, startCollectionWatcher, stopCollectionWatcher } from '../../../../main/core/collection-calls.js';
import { ImageEmbeddingsRepository } from '../../../../db/repositories/image-embeddings-repository.js';
import { importModel } from '../../../../models/import.js';
import { validateManifest } from '../../../../models/manifest.js';
import { makeTempFolder } from '../../../helpers/temp.js';
// @ts-expect-error: plain JavaScript script shared with `npm run make:test-model`
import { makeTestModel, TEST_MODEL_ID } from '../../../../scripts/make-test-model.mjs';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function waitFor(
  events: IndexFinishedEvent[],
  predicate: (event: IndexFinishedEvent) => boolean,
  timeoutMs = 30_000,
): Promise<IndexFinishedEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = events.find(predicate);
      if (found) return resolve(found);
      if (Date.now() - started > timeoutMs) return reject(new Error(`no matching indexFinished event in ${JSON.stringify(events)}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

describe('watched photo collections', () => {
  it('index a photo dropped into the folder, and embed every photo once a model is installed', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'photos');
    mkdirSync(folder);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } }).toFile(path.join(folder, 'red.jpg'));
    const modelsFolder = path.join(root, 'models');
    const { manifestPath } = makeTestModel(path.join(root, 'model-files')) as { manifestPath: string };
    const previousManifest = process.env.MILENS_MODEL_MANIFEST;
    process.env.MILENS_MODEL_MANIFEST = manifestPath;
    cleanups.push(() => {
      if (previousManifest === undefined) delete process.env.MILENS_MODEL_MANIFEST;
      else process.env.MILENS_MODEL_MANIFEST = previousManifest;
    });

    const core = createMilensCore({ databasePath: path.join(root, 'milens.sqlite'), modelsFolder });
    cleanups.push(() => core.close());
    const events: IndexFinishedEvent[] = [];
    core.context.on('indexFinished', (event) => events.push(event));
    await core.api.addCollection(folder);
    await startCollectionWatcher(core.context, { debounceMs: 100 });
    cleanups.push(() => stopCollectionWatcher(core.context));
    await waitFor(events, (event) => event.ok && event.added === 1);

    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#0000ff' } }).toFile(path.join(folder, 'blue.png'));
    await waitFor(events, (event) => event.ok && event.added === 1 && event.unchanged === 1);
    const embeddings = new ImageEmbeddingsRepository(core.context.database());
    expect(embeddings.withoutVector(null)).toBe(2);

    const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
    await importModel({ modelsFolder, model: manifest[0], sources: [path.join(root, 'model-files')] });
    const before = events.length;
    embedPhotosInBackground(core.context);
    await waitFor(events, (event) => events.indexOf(event) >= before && event.ok && event.trigger === 'watch');
    expect(embeddings.coverage(TEST_MODEL_ID as string)).toEqual({ embedded: 2, photos: 2 });
  });
});
