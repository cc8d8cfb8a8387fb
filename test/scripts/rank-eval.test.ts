// scripts/eval/rank-eval.mjs on embeddings shaped like the judges' real data, written here as .npy files:
// MS-COCO-like text→image (five caption queries per image, each naming its image; float16 items, float32
// queries; a JSON truth with queries that have no true item) and image→text (image queries naming their
// five captions in a 2-D int64 .npy padded with −1), run as a real child process on the built core.
// Also the truth reader and the several-true-items recall and MAP on their own.
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dump } from 'npyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanAveragePrecision, recallAt } from '../../main/search/dense/evaluation.js';
import { readTruthFile, removeTrueItems } from '../../main/search/dense/truth-file.js';
import { SeededRandom } from '../../main/mi/random.js';
import { REPO_ROOT } from '../helpers/cli.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'eval', 'rank-eval.mjs');
const DIMENSION = 32;
const IMAGES = 120;
const CAPTIONS_PER_IMAGE = 5;
let root: string;

function unitRows(count: number, make: (row: number, d: number) => number): Float32Array {
  const rows = new Float32Array(count * DIMENSION);
  for (let row = 0; row < count; row++) {
    let norm = 0;
    for (let d = 0; d < DIMENSION; d++) {
      const value = make(row, d);
      rows[row * DIMENSION + d] = value;
      norm += value * value;
    }
    for (let d = 0; d < DIMENSION; d++) rows[row * DIMENSION + d]! /= Math.sqrt(norm);
  }
  return rows;
}

function toF16(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | mantissa;
}

/** A 2-D int64 .npy (npyjs writes floats; integers are written by hand: the header is the format's own). */
function int64Npy(values: number[], shape: [number, number]): Buffer {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(values.length * 8);
  values.forEach((value, i) => data.writeBigInt64LE(BigInt(value), i * 8));
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), data]);
}

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Measures {
  recall1: number;
  recall10: number;
  map: number;
  noMatchCorrect: number;
  matchingKept: number;
}
interface EvaluationLine {
  items: number;
  removed: number;
  queries: number;
  noMatchQueries: number;
  rawCosine: Measures;
  milens: Measures;
}

const files = { images: '', captions: '', captionsF16: '', textToImage: '', imageToText: '', badTruth: '' };
// Images: random directions; captions: their image plus noise (five per image), in another cone.
const random = new SeededRandom(7);
const images = unitRows(IMAGES, () => random.nextNormal());
const captions = unitRows(
  IMAGES * CAPTIONS_PER_IMAGE,
  (row, d) => images[Math.floor(row / CAPTIONS_PER_IMAGE) * DIMENSION + d]! * 4 + random.nextNormal() * 0.8,
);

beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'milens-rank-eval-')));
  const write = (name: string, content: ArrayBuffer | Buffer | string) => {
    const file = path.join(root, name);
    writeFileSync(file, typeof content === 'string' ? content : Buffer.from(content as ArrayBuffer));
    return file;
  };
  files.images = write('images-f16.npy', dump(Uint16Array.from(images, toF16), [IMAGES, DIMENSION], { dtype: 'f2' }));
  files.captions = write('captions.npy', dump(captions, [IMAGES * CAPTIONS_PER_IMAGE, DIMENSION]));
  // Text → image: each caption names its image; captions 3 and 4 say none (−1, []), caption 7 names two.
  const textToImage: Array<number | number[]> = Array.from({ length: IMAGES * CAPTIONS_PER_IMAGE }, (_, caption) =>
    Math.floor(caption / CAPTIONS_PER_IMAGE),
  );
  textToImage[3] = -1;
  textToImage[4] = [];
  textToImage[7] = [1, 2];
  files.textToImage = write('text-to-image.json', JSON.stringify(textToImage));
  // Image → text: each image names its five captions; image 0 has only three (−1 padding).
  const imageToText = Array.from({ length: IMAGES }, (_, image) =>
    Array.from({ length: CAPTIONS_PER_IMAGE }, (_, j) => (image === 0 && j >= 3 ? -1 : image * CAPTIONS_PER_IMAGE + j)),
  ).flat();
  files.imageToText = write('image-to-text.npy', int64Npy(imageToText, [IMAGES, CAPTIONS_PER_IMAGE]));
  files.badTruth = write(
    'bad-truth.json',
    JSON.stringify(Array.from({ length: IMAGES * CAPTIONS_PER_IMAGE }, (_, q) => (q === 3 ? IMAGES : 0))),
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('rank-eval on real-data shapes', () => {
  it('text → image: float16 items, float32 queries, a JSON truth with five captions per image and queries without one', async () => {
    const result = await runScript([
      '--synthetic-seeds',
      '0',
      '--items',
      files.images,
      '--queries',
      files.captions,
      '--truth',
      files.textToImage,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as EvaluationLine;
    expect(line.items + line.removed).toBe(IMAGES);
    expect(line.removed).toBeGreaterThan(0);
    expect(line.queries).toBe(IMAGES * CAPTIONS_PER_IMAGE);
    // Every caption of a removed image lost its match, and so did the two that had none.
    expect(line.noMatchQueries).toBeGreaterThanOrEqual(line.removed * CAPTIONS_PER_IMAGE - 5 + 2);
    // Captions near their image: both rankings find it; milens keeps the matching queries and is at least as good.
    expect(line.rawCosine.recall1).toBeGreaterThan(0.9);
    expect(line.milens.recall10).toBeGreaterThanOrEqual(line.rawCosine.recall10 - 0.02);
    expect(line.rawCosine.noMatchCorrect).toBe(0);
    expect(line.milens.matchingKept).toBeGreaterThan(0.8);
    expect(line.milens.noMatchCorrect).toBeGreaterThanOrEqual(0);
  });

  it('image → text: a 2-D int64 truth of five captions per image (−1 padded), removal by queries', async () => {
    const result = await runScript([
      '--synthetic-seeds',
      '0',
      '--items',
      files.captions,
      '--queries',
      files.images,
      '--truth',
      files.imageToText,
      '--remove-unit',
      'queries',
      '--remove-share',
      '0.3',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const line = JSON.parse(result.stdout.trim()) as EvaluationLine;
    // A chosen image loses all its captions: the removed captions are five per chosen image (three for image 0).
    expect(line.noMatchQueries).toBeGreaterThan(10);
    expect(line.removed).toBeGreaterThanOrEqual(line.noMatchQueries * CAPTIONS_PER_IMAGE - 2);
    expect(line.removed).toBeLessThanOrEqual(line.noMatchQueries * CAPTIONS_PER_IMAGE);
    expect(line.items + line.removed).toBe(IMAGES * CAPTIONS_PER_IMAGE);
    expect(line.rawCosine.recall1).toBeGreaterThan(0.9);
    expect(line.milens.map).toBeGreaterThan(0.5);
  });

  it('prints the file formats with --help and names the file and query of a bad truth entry', async () => {
    const help = await runScript(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("float16 ('<f2')");
    expect(help.stdout).toContain('padded with -1');
    const bad = await runScript([
      '--synthetic-seeds',
      '0',
      '--items',
      files.images,
      '--queries',
      files.captions,
      '--truth',
      files.badTruth,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('bad-truth.json: query 3 names item 120');
  });
});

describe('several true items per query', () => {
  it('counts recall when any true item is in the first k and averages precision over all true items', () => {
    const rankings = [Int32Array.from([5, 1, 2, 3]), Int32Array.from([4, 0, 9, 8]), Int32Array.from([7])];
    const truth = [[1, 3], [9], []];
    expect(recallAt(rankings, truth, 1)).toBe(0);
    expect(recallAt(rankings, truth, 2)).toBe(0.5);
    expect(recallAt(rankings, truth, 3)).toBe(1);
    // Query 0: true items at ranks 2 and 4 → (1/2 + 2/4) / 2 = 0.5; query 1: rank 3 → 1/3; query 2 has none.
    expect(meanAveragePrecision(rankings, truth)).toBeCloseTo((0.5 + 1 / 3) / 2, 12);
    // The single-item form gives the same as lists of one.
    expect(meanAveragePrecision(rankings, Int32Array.from([1, 9, -1]))).toBeCloseTo(meanAveragePrecision(rankings, [[1], [9], []]), 12);
  });

  it('reads the truth formats and removes items or whole queries', () => {
    const truth = readTruthFile(files.imageToText, IMAGES, IMAGES * CAPTIONS_PER_IMAGE);
    expect(truth[0]).toEqual([0, 1, 2]);
    expect(truth[1]).toEqual([5, 6, 7, 8, 9]);
    const json = readTruthFile(files.textToImage, IMAGES * CAPTIONS_PER_IMAGE, IMAGES);
    expect([json[3], json[4], json[7], json[12]]).toEqual([[], [], [1, 2], [2]]);
    expect(() => readTruthFile(files.textToImage, 10, IMAGES)).toThrow(/600 entries for 10 queries/);
    const items = { data: captions, count: IMAGES * CAPTIONS_PER_IMAGE, dimension: DIMENSION };
    const byQuery = removeTrueItems(items, truth, 0.5, 'queries', new SeededRandom(3));
    const emptied = byQuery.truth.filter((rows) => rows.length === 0).length;
    // Captions belong to one image each: exactly the emptied queries' captions were removed.
    const emptiedCaptions = truth.reduce((sum, rows, q) => sum + (byQuery.truth[q]!.length === 0 ? rows.length : 0), 0);
    expect(byQuery.removed).toBe(emptiedCaptions);
    expect(emptied).toBeGreaterThan(30);
    // Kept items are renumbered onto the kept rows: each query's remaining truth points at its own captions.
    byQuery.truth.forEach((rows) => rows.forEach((row) => expect(row).toBeLessThan(byQuery.items.count)));
    const byItem = removeTrueItems(items, truth, 0.2, 'items', new SeededRandom(3));
    expect(byItem.items.count + byItem.removed).toBe(items.count);
    // Removing single captions rarely empties a query of five.
    expect(byItem.truth.filter((rows) => rows.length === 0).length).toBeLessThan(5);
  });
});
