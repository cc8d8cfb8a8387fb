// Benchmark: photo and text embedding throughput with milens' generated TEST model (scripts/make-test-model.mjs:
// a few ReduceMean/MatMul/Gather nodes, not a real CLIP; its numbers measure milens' own path, not a neural
// network's cost), for each ONNX execution provider available here. Each row names its data shape and the
// ratio against its peer in the same run:
//   preprocess   photos -> float32 [3, 224, 224] (preprocessImage), against sharp's own one-pipeline cover resize
//                to 224 x 224 raw bytes (JPEG shrink-on-load, no normalisation, no Pillow-exact enlargement);
//   embedImages  batches of 16 preprocessed photos, against onnxruntime-node's own session.run of the same batches
//                on the main thread with the same session options (the peer blocks the event loop; milens runs
//                each session in a worker, so the ratio is the worker's cost);
//   embedTexts   one query per call (search latency) and batches of 64, against session.run of the same token ids.
// Photos: the 125 shared photos when ../shared/datasets/photos exists, otherwise 125 generated 500 x 375 JPEGs.
// Needs `npm run build`. Usage: node scripts/bench/embed.mjs [--repeats N]
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { makeTestModel, TEST_MODEL_ID } from '../make-test-model.mjs';
import { median, option } from './lib/common.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (module) => import(path.join(root, 'dist', 'models', module));
const { openEmbedder } = await dist('embedder.js');
const { preprocessImage } = await dist('preprocess.js');
const { importModel } = await dist('import.js');
const { validateManifest } = await dist('manifest.js');
const { providerPlan } = await dist('onnx-sessions.js');
const { loadClipTokenizer } = await dist('clip-tokenizer.js');
const ort = createRequire(import.meta.url)('onnxruntime-node');

const repeats = Number(option('repeats', 5));
const temporary = mkdtempSync(path.join(os.tmpdir(), 'milens-bench-embed-'));

async function timeMs(run) {
  await run(); // warm-up
  const samples = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

async function photoInputs() {
  const shared = path.resolve(root, '..', 'shared', 'datasets', 'photos');
  if (existsSync(shared)) {
    const files = readdirSync(shared)
      .filter((name) => /\.jpe?g$/i.test(name))
      .sort();
    return { label: `${files.length} shared JPEG photos (mostly 500x375)`, inputs: files.map((name) => path.join(shared, name)) };
  }
  const inputs = [];
  for (let i = 0; i < 125; i++) {
    const pixels = Buffer.alloc(500 * 375 * 3);
    for (let p = 0; p < pixels.length; p++) pixels[p] = (p * (i + 7) * 2654435761) >>> 24;
    inputs.push(
      await sharp(pixels, { raw: { width: 500, height: 375, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return { label: '125 generated 500x375 JPEGs (noise)', inputs };
}

function row(name, shape, count, elapsedMs, unit, peerName, peerMs) {
  const rate = (count / elapsedMs) * 1000;
  const ratio = peerMs / elapsedMs;
  console.log(`${name.padEnd(12)} ${shape.padEnd(58)} ${rate.toFixed(0).padStart(8)} ${unit.padEnd(9)} ${ratio.toFixed(2)}x ${peerName}`);
}

const source = path.join(temporary, 'source');
const { manifestPath } = makeTestModel(source);
const manifest = validateManifest(JSON.parse((await import('node:fs')).readFileSync(manifestPath, 'utf8')));
const modelsFolder = path.join(temporary, 'models');
await importModel({ modelsFolder, model: manifest[0], sources: [source] });
const { label, inputs } = await photoInputs();

console.log(
  `TEST MODEL ${TEST_MODEL_ID} (colour arithmetic, not a real CLIP); ${os.cpus().length} CPU threads, ${os.cpus()[0]?.model.trim()}`,
);
console.log(
  'row          data shape                                                     rate               ratio against peer (>1: milens faster)',
);

const spec = manifest[0].inference.image.preprocess;
const preprocessMs = await timeMs(async () => {
  for (const input of inputs) await preprocessImage(input, spec);
});
const sharpMs = await timeMs(async () => {
  for (const input of inputs) await sharp(input).rotate().resize(224, 224, { fit: 'cover', kernel: 'cubic' }).raw().toBuffer();
});
row('preprocess', `${label} -> [3,224,224]`, inputs.length, preprocessMs, 'photos/s', "sharp's own cover resize", sharpMs);

const tensors = [];
for (const input of inputs) tensors.push(await preprocessImage(input, spec));
const tokenizer = loadClipTokenizer(path.join(modelsFolder, TEST_MODEL_ID, 'tokenizer.json'));
const queries = Array.from({ length: 64 }, (_, i) => `a photo of something ${['red', 'green', 'blue', 'yellow'][i % 4]} number ${i}`);

const { order } = providerPlan({ provider: 'auto' });
for (const provider of order) {
  const embedder = await openEmbedder(modelsFolder, TEST_MODEL_ID, { manifest, provider, imageBatchSize: 16 });
  const used = embedder.provider.name;
  const images = await timeMs(() => embedder.embedImages(tensors));
  const oneQuery = await timeMs(async () => {
    for (const query of queries.slice(0, 16)) await embedder.embedTexts([query]);
  });
  const batchQueries = await timeMs(() => embedder.embedTexts(queries));
  await embedder.close();

  const entry = used === 'cuda' ? { name: 'cuda' } : used === 'coreml' ? { name: 'coreml' } : 'cpu';
  // The same session options as milens' sessions, so the ratio isolates the worker thread's cost.
  const options = { executionProviders: [entry], graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const vision = await ort.InferenceSession.create(path.join(modelsFolder, TEST_MODEL_ID, 'vision_model.onnx'), options);
  const text = await ort.InferenceSession.create(path.join(modelsFolder, TEST_MODEL_ID, 'text_model.onnx'), options);
  const size = 3 * 224 * 224;
  const directImages = await timeMs(async () => {
    for (let start = 0; start < tensors.length; start += 16) {
      const batch = tensors.slice(start, start + 16);
      const data = new Float32Array(batch.length * size);
      batch.forEach((tensor, i) => data.set(tensor, i * size));
      await vision.run({ pixel_values: new ort.Tensor('float32', data, [batch.length, 3, 224, 224]) });
    }
  });
  const ids = (texts) => {
    const data = new BigInt64Array(texts.length * 77);
    texts.forEach((query, row) => tokenizer.encodeContext(query, 77, 0).forEach((id, column) => (data[row * 77 + column] = BigInt(id))));
    return new ort.Tensor('int64', data, [texts.length, 77]);
  };
  const directOne = await timeMs(async () => {
    for (const query of queries.slice(0, 16)) await text.run({ input_ids: ids([query]) });
  });
  const directBatch = await timeMs(() => text.run({ input_ids: ids(queries) }));
  await vision.release();
  await text.release();

  row(
    `embedImages`,
    `[${provider}->${used}] ${tensors.length} photos, batches of 16 x [3,224,224]`,
    tensors.length,
    images,
    'photos/s',
    'ORT run on main thread',
    directImages,
  );
  row(
    `embedTexts`,
    `[${provider}->${used}] 1 query per call, 16 calls, [1,77] ids`,
    16,
    oneQuery,
    'queries/s',
    'ORT run on main thread',
    directOne,
  );
  row(
    `embedTexts`,
    `[${provider}->${used}] 64 queries in one call, [64,77] ids`,
    64,
    batchQueries,
    'texts/s',
    'ORT run on main thread',
    directBatch,
  );
}
rmSync(temporary, { recursive: true, force: true });
