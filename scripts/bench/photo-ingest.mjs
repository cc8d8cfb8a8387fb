// Benchmark: photos per second through milens' photo ingestion (scan, read, hash, sniff, EXIF, one decode,
// two WebP thumbnails, the SQLite commits; the `image` jobs in the ingestion worker pool), against sharp
// alone on the same files in the same run:
//   peer "sharp alone, same outputs": for each file, sharp decodes (EXIF orientation applied), resizes and
//     encodes the same two WebP thumbnails (256 and 1024 px, same quality and effort), the way one would
//     write it with sharp: one pipeline per output from the file's bytes, `concurrency` files at a time;
//   row "sharp decode + resize only": the floor, decoding and resizing to the 1024 px working image alone.
// Then the pipeline with the TEST model (a real ONNX model, tiny network) computing and storing vectors.
// Each figure is the median of `--repeats` runs after one warm-up; every row names its data shape. CPU
// time (all threads of this process: main, pool workers, libvips) is printed too: on a shared machine the
// wall-clock rate moves with the other load, the CPU per photo much less.
// Data: the 125 real photos of ../shared/datasets/photos (ImageNet JPEGs, about 500 × 375, 110 kB) when
// present, and `--large` generated phone-sized photos (4000 × 3000 JPEG q90 of smooth noise, ~2-3 MB).
// Usage: node scripts/bench/photo-ingest.mjs [--large 12] [--real no] [--repeats 3] [--concurrency <pool size>]
// Needs `npm run build`.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { importBuilt, median, option, repo } from './lib/common.mjs';

const largeCount = Number(option('large', 12));
const repeats = Number(option('repeats', 3));

const { openDatabase } = await import(path.join(repo, 'dist', 'db', 'database.js'));
const { IndexingService } = await importBuilt('ingest/indexing-service.js');
const { imageJobPool } = await importBuilt('ingest/images/photo-indexing.js');
const { openEmbedder } = await import(path.join(repo, 'dist', 'models', 'embedder.js'));
const { importModel } = await import(path.join(repo, 'dist', 'models', 'import.js'));
const { validateManifest } = await import(path.join(repo, 'dist', 'models', 'manifest.js'));
const { makeTestModel, TEST_MODEL_ID } = await import(path.join(repo, 'scripts', 'make-test-model.mjs'));

const pool = imageJobPool();
const concurrency = Number(option('concurrency', pool.size));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'milens-bench-photos-'));
const WEBP = { quality: 80, effort: 2 };

async function makeLargePhotos(folder, count) {
  mkdirSync(folder, { recursive: true });
  for (let index = 0; index < count; index++) {
    // Smooth noise: random 40 × 30 pixels blown up, so the JPEG compresses like a photo, not like static.
    const seed = Buffer.alloc(40 * 30 * 3);
    for (let i = 0; i < seed.length; i++) seed[i] = (i * 2654435761 + index * 97) % 251;
    await sharp(seed, { raw: { width: 40, height: 30, channels: 3 } })
      .resize(4000, 3000, { kernel: 'cubic' })
      .jpeg({ quality: 90 })
      .toFile(path.join(folder, `phone-${index}.jpg`));
  }
}

async function forEachLimited(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function sharpSameOutputs(files) {
  await forEachLimited(files, concurrency, async (file) => {
    const bytes = readFileSync(file);
    await Promise.all([
      sharp(bytes).autoOrient().resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).webp(WEBP).toBuffer(),
      sharp(bytes).autoOrient().resize(256, 256, { fit: 'inside', withoutEnlargement: true }).webp(WEBP).toBuffer(),
    ]);
  });
}

async function sharpDecodeResize(files) {
  await forEachLimited(files, concurrency, async (file) => {
    await sharp(readFileSync(file)).autoOrient().resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer();
  });
}

let runNumber = 0;
async function pipeline(folder, embedderSource) {
  const run = path.join(scratch, `run-${runNumber++}`);
  mkdirSync(run);
  const db = openDatabase(path.join(run, 'milens.sqlite'));
  try {
    const service = new IndexingService(db, undefined, { thumbnailFolder: path.join(run, 'thumbnails'), embedderSource });
    // The product's default pools: text extraction's, and photos' own (imageJobPool).
    const report = await service.indexFolder(folder);
    if (report.photos.added === 0) throw new Error(`no photos indexed in ${folder}`);
    return report;
  } finally {
    db.close();
    rmSync(run, { recursive: true, force: true });
  }
}

/** Median photos per second (wall clock) and CPU milliseconds per photo (every thread of the process). */
async function measure(count, work) {
  await work();
  const rates = [];
  const cpuMs = [];
  for (let i = 0; i < repeats; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await work();
    rates.push(count / ((performance.now() - started) / 1000));
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs.push((cpu.user + cpu.system) / 1000 / count);
  }
  return { rate: median(rates), cpuMs: median(cpuMs) };
}

const datasets = [];
const shared = path.resolve(repo, '..', 'shared', 'datasets', 'photos');
if (option('real', 'yes') === 'no') {
  console.log('(--real no: real photos skipped)');
} else if (existsSync(shared)) {
  const folder = path.join(scratch, 'real');
  mkdirSync(folder);
  for (const name of readdirSync(shared)) copyFileSync(path.join(shared, name), path.join(folder, name));
  datasets.push({ shape: '125 real photos (ImageNet JPEG ~500×375, ~110 kB)', folder });
} else {
  console.log(`(${shared} is absent: real photos skipped)`);
}
if (largeCount > 0) {
  const folder = path.join(scratch, 'large');
  await makeLargePhotos(folder, largeCount);
  datasets.push({ shape: `${largeCount} generated phone photos (JPEG 4000×3000 q90)`, folder });
}

const modelFolder = path.join(scratch, 'test-model');
const { manifestPath } = makeTestModel(modelFolder);
const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
const modelsFolder = path.join(scratch, 'models');
await importModel({ modelsFolder, model: manifest[0], sources: [modelFolder] });
const testModel = await openEmbedder(modelsFolder, TEST_MODEL_ID, { manifest });

console.log(
  `photo ingestion, ${os.availableParallelism()} cores, image pool of ${pool.size} workers, peers at ${concurrency} files at a time, median of ${repeats}`,
);
console.log('data | row | photos/s | ratio vs sharp alone (same outputs) | CPU ms per photo | CPU ratio (peer / row)');
for (const { shape, folder } of datasets) {
  const files = readdirSync(folder).map((name) => path.join(folder, name));
  const peer = await measure(files.length, () => sharpSameOutputs(files));
  const floor = await measure(files.length, () => sharpDecodeResize(files));
  const ours = await measure(files.length, () => pipeline(folder, async () => undefined));
  const withModel = await measure(files.length, () => pipeline(folder, async () => testModel));
  const row = (name, value) =>
    console.log(
      `${shape} | ${name} | ${value.rate.toFixed(1)} | ${(value.rate / peer.rate).toFixed(2)}× | ${value.cpuMs.toFixed(1)} | ${(peer.cpuMs / value.cpuMs).toFixed(2)}×`,
    );
  row('sharp alone: decode, resize, two WebP thumbnails (peer)', peer);
  row('sharp alone: decode + resize only (floor)', floor);
  row('milens pipeline, no model', ours);
  row('milens pipeline + TEST model vectors', withModel);
}
await testModel.close();
await pool.close();
rmSync(scratch, { recursive: true, force: true });
