// The embedding workloads of `milens bench`: one batch of photos through the image encoder, and one
// query through the text encoder, of the installed image–text model on every execution provider ONNX
// Runtime can use here. Where no real model is installed, the generated TEST model is used and every row
// says so: its figures measure the pipeline and the runtime, not a real model's cost.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { unavailable } from '../api/errors.js';
import { packageRoot } from '../system/package-info.js';
import type { Embedder } from '../../models/embedder.js';
import type { ModelManifest } from '../../models/manifest.js';
import type { ProviderName } from '../../models/onnx-sessions.js';
import type { BenchSize, PreparedOperation } from './workloads.js';

export interface EmbeddingWorkload {
  name: string;
  description: string;
  runsOn: 'onnx';
  /** One prepared operation per execution provider (restricted to `providers` when given). */
  prepareAll(size: BenchSize, modelsFolder: string, providers?: readonly string[]): Promise<PreparedOperation[]>;
}

interface BenchModel {
  modelsFolder: string;
  modelId: string;
  manifest?: ModelManifest;
  label: string;
  cleanup(): void;
}

/** The installed real model (the default one first), or the TEST model generated into a temporary folder. */
async function chooseModel(modelsFolder: string): Promise<BenchModel> {
  const { activeManifest, DEFAULT_MODEL_ID } = await import('../../models/manifest.js');
  const { installedModelIds } = await import('../../models/installed.js');
  const manifest = activeManifest();
  const real = installedModelIds(modelsFolder, manifest).filter((id) => !manifest.find((model) => model.id === id)?.testOnly);
  if (real.length > 0) {
    const modelId = real.includes(DEFAULT_MODEL_ID) ? DEFAULT_MODEL_ID : real[0];
    return { modelsFolder, modelId, label: `model ${modelId}`, cleanup: () => {} };
  }
  // The generator ships with the source tree (npm run make:test-model), not inside packaged apps.
  const generator = path.join(packageRoot(), 'scripts', 'make-test-model.mjs');
  let makeTestModel: (folder: string) => { manifestPath: string };
  try {
    ({ makeTestModel } = (await import(pathToFileURL(generator).href)) as { makeTestModel: typeof makeTestModel });
  } catch {
    throw unavailable(
      `No image–text model is installed in ${modelsFolder}, and the test-model generator (${generator}) is not part of this build: install a model to benchmark embedding.`,
    );
  }
  const { readFileSync } = await import('node:fs');
  const { validateManifest } = await import('../../models/manifest.js');
  const { importModel } = await import('../../models/import.js');
  const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-bench-model-'));
  const source = path.join(folder, 'source');
  const { manifestPath } = makeTestModel(source);
  const testManifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  const testModels = path.join(folder, 'models');
  await importModel({ modelsFolder: testModels, model: testManifest[0], sources: [source] });
  return {
    modelsFolder: testModels,
    modelId: testManifest[0].id,
    manifest: testManifest,
    label: `TEST model ${testManifest[0].id} (generated; no real model installed — not a real model's cost)`,
    cleanup: () => rmSync(folder, { recursive: true, force: true }),
  };
}

async function availableProviders(requested: readonly string[] | undefined): Promise<ProviderName[]> {
  const { providerPlan } = await import('../../models/onnx-sessions.js');
  const { order } = providerPlan({ provider: 'auto' });
  return requested && requested.length > 0 ? order.filter((name) => requested.includes(name)) : order;
}

/** A 640 × 480 photo-like image (smooth colour fields plus noise), made with sharp and preprocessed once. */
async function syntheticPhotoTensor(embedder: Embedder): Promise<Float32Array> {
  const { default: sharp } = await import('sharp');
  const { preprocessImage } = await import('../../models/preprocess.js');
  const width = 640;
  const height = 480;
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const noise = (state >>> 24) / 8;
      const at = (y * width + x) * 3;
      pixels[at] = Math.min(255, (x / width) * 200 + noise);
      pixels[at + 1] = Math.min(255, (y / height) * 200 + noise);
      pixels[at + 2] = Math.min(255, 120 + noise);
    }
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
  return preprocessImage(jpeg, embedder.imagePreprocess);
}

async function prepareEmbedding(
  kind: 'image' | 'text',
  size: BenchSize,
  modelsFolder: string,
  requested?: readonly string[],
): Promise<PreparedOperation[]> {
  const { openEmbedder } = await import('../../models/embedder.js');
  const model = await chooseModel(modelsFolder);
  const operations: PreparedOperation[] = [];
  try {
    for (const provider of await availableProviders(requested)) {
      const embedder = await openEmbedder(model.modelsFolder, model.modelId, {
        provider,
        ...(model.manifest ? { manifest: model.manifest } : {}),
      });
      const notes = [model.label];
      if (embedder.provider.name !== provider) notes.push(`asked for ${provider}, ONNX Runtime used ${embedder.provider.name}`);
      const backend = `onnx-${embedder.provider.name}`;
      if (kind === 'image') {
        const batch = size === 'full' ? 16 : 4;
        const tensor = await syntheticPhotoTensor(embedder);
        const inputs = Array.from({ length: batch }, () => tensor);
        operations.push({
          workload: 'image-embedding',
          backend,
          dataShape: `${batch} preprocessed photos per operation (${embedder.imagePreprocess.size} px, from a generated 640 × 480 JPEG), ${model.label}`,
          notes,
          async run() {
            const vectors = await embedder.embedImages(inputs);
            if (vectors.length !== batch) throw new Error('image-embedding returned the wrong number of vectors');
          },
          dispose: () => embedder.close(),
        });
      } else {
        const queries = ['a photo of a dog on the beach', 'red car', 'mountains at sunset', 'a birthday cake with candles'];
        let next = 0;
        operations.push({
          workload: 'text-embedding',
          backend,
          dataShape: `one query of 2–7 words per operation, ${model.label}`,
          notes,
          async run() {
            const [vector] = await embedder.embedTexts([queries[next++ % queries.length]]);
            if (vector.length !== embedder.dimension) throw new Error('text-embedding returned a vector of the wrong length');
          },
          dispose: () => embedder.close(),
        });
      }
    }
  } catch (error) {
    for (const operation of operations) await operation.dispose();
    model.cleanup();
    throw error;
  }
  // The temporary test model is removed with the last operation that uses it.
  const last = operations.at(-1);
  if (last) {
    const dispose = last.dispose;
    last.dispose = async () => {
      await dispose();
      model.cleanup();
    };
  } else model.cleanup();
  return operations;
}

export const EMBEDDING_WORKLOADS: readonly EmbeddingWorkload[] = [
  {
    name: 'image-embedding',
    description:
      'image encoder of the installed image–text model (the TEST model where none is installed) on each ONNX Runtime execution provider',
    runsOn: 'onnx',
    prepareAll: (size, modelsFolder, providers) => prepareEmbedding('image', size, modelsFolder, providers),
  },
  {
    name: 'text-embedding',
    description: 'text encoder of the installed image–text model for one query, on each ONNX Runtime execution provider',
    runsOn: 'onnx',
    prepareAll: (size, modelsFolder, providers) => prepareEmbedding('text', size, modelsFolder, providers),
  },
];
