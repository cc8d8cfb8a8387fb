// The embedder on the generated test model (real ONNX graphs run by onnxruntime-node's CPU provider): names,
// batching, normalisation, the provider report, clear errors, shared sessions; and that its colour meaning
// survives the whole path (preprocessImage -> embedImages, embedTexts).
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openEmbedder } from '../../models/embedder.js';
import { DEFAULT_MODEL_ID, MODEL_MANIFEST, findModel } from '../../models/manifest.js';
import { openSessionCount } from '../../models/onnx-sessions.js';
import { preprocessImage } from '../../models/preprocess.js';
import { rejection } from '../helpers/errors.js';
import { makeTempFolder } from '../helpers/temp.js';
import { installTestModel, testModelId } from './test-model.js';

function dot(a: Float32Array, b: Float32Array): number {
  return a.reduce((sum, value, i) => sum + value * b[i], 0);
}

function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}

async function solid(r: number, g: number, b: number, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

describe('openEmbedder with the test model', () => {
  it('reports the model, its scoring and the provider in use with the reasons others are not', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const embedder = await openEmbedder(modelsFolder, testModelId, { manifest });
    try {
      expect(embedder.modelId).toBe('test-colour-clip');
      expect(embedder.dimension).toBe(4);
      expect([embedder.logitScale, embedder.logitBias, embedder.scoring]).toEqual([100, 0, 'softmax']);
      expect(embedder.imagePreprocess.size).toBe(224);
      // This machine has no GPU and is not a Mac: CPU, with both others explained.
      expect(embedder.provider.name).toBe('cpu');
      expect(embedder.provider.requested).toBe('auto');
      const reasons = Object.fromEntries(embedder.provider.notUsed.map((entry) => [entry.name, entry.reason]));
      expect(Object.keys(reasons).sort()).toEqual(process.platform === 'darwin' ? [] : ['coreml', 'cuda']);
      if (process.platform !== 'darwin') expect(reasons.coreml).toContain('macOS');
    } finally {
      await embedder.close();
    }
  });

  it('embeds texts as unit vectors that point at their colour, and texts without colour words away from every photo', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const embedder = await openEmbedder(modelsFolder, testModelId, { manifest });
    const [red, greenPhoto, nothing, empty] = await embedder.embedTexts(['red', 'A photo of something GREEN.', 'a photo of a dog', '']);
    for (const vector of [red, greenPhoto, nothing, empty]) expect(norm(vector)).toBeCloseTo(1, 5);
    expect(red[0]).toBeGreaterThan(0.99);
    expect(greenPhoto[0]).toBeCloseTo(-0.5, 3);
    expect(greenPhoto[1]).toBeCloseTo(Math.sqrt(3) / 2, 3);
    expect(Array.from(nothing)).toEqual([0, 0, 0, 1]);
    await embedder.close();
  });

  it('ranks solid colours by the query colour through preprocessImage and embedImages', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const embedder = await openEmbedder(modelsFolder, testModelId, { manifest });
    const colours: Array<[string, [number, number, number]]> = [
      ['red', [220, 30, 30]],
      ['green', [30, 200, 40]],
      ['blue', [20, 40, 230]],
      ['yellow', [230, 220, 30]],
      ['grey', [128, 128, 128]],
    ];
    const tensors = await Promise.all(
      colours.map(([, [r, g, b]]) => solid(r, g, b).then((png) => preprocessImage(png, embedder.imagePreprocess))),
    );
    const images = await embedder.embedImages(tensors);
    const queries = await embedder.embedTexts(colours.map(([name]) => name));
    queries.forEach((query, index) => {
      const scores = images.map((image) => dot(query, image));
      expect(scores.indexOf(Math.max(...scores)), colours[index][0]).toBe(index);
    });
    await embedder.close();
  });

  it('gives the same vectors in batches as one by one, in order', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const embedder = await openEmbedder(modelsFolder, testModelId, { manifest, imageBatchSize: 3, textBatchSize: 2 });
    const tensors = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        solid(30 * i, 255 - 30 * i, (90 * i) % 256).then((png) => preprocessImage(png, embedder.imagePreprocess)),
      ),
    );
    const batched = await embedder.embedImages(tensors);
    const single = await Promise.all(tensors.map(async (tensor) => (await embedder.embedImages([tensor]))[0]));
    expect(batched).toHaveLength(7);
    batched.forEach((vector, i) => expect(Array.from(vector)).toEqual(Array.from(single[i])));
    const texts = ['red', 'blue', 'green', 'pink', 'grey'];
    const textVectors = await embedder.embedTexts(texts);
    for (const [i, text] of texts.entries()) expect(Array.from(textVectors[i])).toEqual(Array.from((await embedder.embedTexts([text]))[0]));
    expect(await embedder.embedImages([])).toEqual([]);
    await embedder.close();
  });

  it('reports progress after each batch and stops between batches when its signal is aborted', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const embedder = await openEmbedder(modelsFolder, testModelId, { manifest, imageBatchSize: 2 });
    const tensor = await preprocessImage(await solid(200, 10, 10), embedder.imagePreprocess);
    const progress: Array<[number, number]> = [];
    await embedder.embedImages([tensor, tensor, tensor, tensor, tensor], { onBatch: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await rejection(
      embedder.embedImages([tensor, tensor, tensor, tensor, tensor], {
        signal: controller.signal,
        onBatch: (done) => {
          seen.push(done);
          controller.abort();
        },
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(seen).toEqual([2]);
    await embedder.close();
  });

  it('refuses a tensor of the wrong size naming its position, and calls after close', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const embedder = await openEmbedder(modelsFolder, testModelId, { manifest });
    const good = await preprocessImage(await solid(1, 2, 3), embedder.imagePreprocess);
    const error = await rejection(embedder.embedImages([good, new Float32Array(10)]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('photo 1');
    expect(error.message).toContain('150528');
    await embedder.close();
    expect((await rejection(embedder.embedTexts(['red']))).message).toContain('closed');
  });

  it('shares one session per encoder between embedders and releases it after the last close', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const before = openSessionCount();
    const first = await openEmbedder(modelsFolder, testModelId, { manifest });
    const second = await openEmbedder(modelsFolder, testModelId, { manifest });
    expect(openSessionCount()).toBe(before + 2);
    await first.close();
    expect(openSessionCount()).toBe(before + 2);
    expect((await second.embedTexts(['blue']))[0][0]).toBeCloseTo(-0.5, 3);
    await second.close();
    expect(openSessionCount()).toBe(before);
  });

  it('names the file when an installed encoder is damaged, and the graph names when the manifest disagrees, leaving no session open', async () => {
    const { modelsFolder, manifest } = await installTestModel();
    const before = openSessionCount();
    const wrongName = structuredClone(manifest[0]);
    wrongName.inference.image.output = 'pooled_output';
    const mismatch = await rejection(openEmbedder(modelsFolder, testModelId, { manifest: [wrongName] }));
    expect(mismatch.code).toBe('INVALID_ARGUMENT');
    expect(mismatch.message).toContain('returns image_embeds');
    expect(mismatch.message).toContain('pooled_output');
    expect(openSessionCount()).toBe(before);

    // Same size, other bytes: the receipt still counts it installed, ONNX Runtime refuses it.
    const textModel = path.join(modelsFolder, testModelId, 'text_model.onnx');
    writeFileSync(textModel, Buffer.alloc(statSync(textModel).size, 7));
    const damaged = await rejection(openEmbedder(modelsFolder, testModelId, { manifest }));
    expect(damaged.code).toBe('INVALID_ARGUMENT');
    expect(damaged.message).toContain(textModel);
    expect(openSessionCount()).toBe(before);
  });

  it('fails clearly for a model that is not installed, and defaults to CLIP ViT-B/32, never a test model', async () => {
    expect(DEFAULT_MODEL_ID).toBe('clip-vit-b32');
    expect(findModel(MODEL_MANIFEST, DEFAULT_MODEL_ID).testOnly).toBeUndefined();
    const error = await rejection(openEmbedder(makeTempFolder(), undefined, { manifest: MODEL_MANIFEST }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('milens models download clip-vit-b32');
    expect((await rejection(openEmbedder(makeTempFolder(), 'no-such-model', { manifest: MODEL_MANIFEST }))).code).toBe('INVALID_ARGUMENT');
  });
});
