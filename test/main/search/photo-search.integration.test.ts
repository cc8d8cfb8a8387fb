// Photo search end to end on real files: a folder of generated JPEGs (hues around the colour wheel, a
// burst of four near-identical red shots seconds apart, a blue photo from another camera, and a text
// note) indexed into a real SQLite file by the real indexing service and embedded by the generated TEST
// model (a real ONNX model run by onnxruntime whose embeddings mean colour; only its weights are
// synthetic), then searched through the API and the built CLI: ranking, bits, the folded burst, the
// why, "nothing here matches", an example image, +/- concepts, filters and one list for --kind all.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MilensApi, SearchResult } from '../../../main/api/contract.js';
import { createMilensCore, type MilensCore } from '../../../main/core/api.js';
import { closePhotoSearchEmbedders, openPhotoSearchEmbedderCount } from '../../../main/search/photo-search.js';
import { importModel } from '../../../models/import.js';
import { validateManifest } from '../../../models/manifest.js';
import { runMilens } from '../../helpers/cli.js';
// @ts-expect-error: plain JavaScript script shared with `npm run make:test-model`
import { makeTestModel, TEST_MODEL_ID } from '../../../scripts/make-test-model.mjs';

let home: string;
let folder: string;
let core: MilensCore;
let api: MilensApi;
let manifestPath: string;
const savedManifest = process.env.MILENS_MODEL_MANIFEST;

function hueToRgb(hueDegrees: number, saturation: number): [number, number, number] {
  const h = (((hueDegrees % 360) + 360) % 360) / 60;
  const c = saturation;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  const m = (1 - saturation) * 0.5;
  return [r + m, g + m, b + m].map((value) => Math.round(value * 255)) as [number, number, number];
}

async function writePhoto(
  file: string,
  rgb: [number, number, number],
  exif: { make: string; model: string; taken: string },
): Promise<void> {
  const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .withExif({ IFD0: { Make: exif.make, Model: exif.model }, IFD2: { DateTimeOriginal: exif.taken } })
    .toBuffer();
  writeFileSync(file, image);
}

beforeAll(async () => {
  // One folder for the suite (the per-test temp folders of helpers/temp.ts are removed after each test).
  home = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'milens-photo-search-')));
  const source = path.join(home, 'test-model');
  mkdirSync(source);
  manifestPath = (makeTestModel(source) as { manifestPath: string }).manifestPath;
  const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  const modelsFolder = path.join(home, 'models');
  const installed = await importModel({ modelsFolder, model: manifest[0]!, sources: [source] });
  expect(installed.model.installed).toBe(true);
  process.env.MILENS_MODEL_MANIFEST = manifestPath;

  folder = path.join(home, 'photos');
  mkdirSync(folder);
  // 36 nearly grey photos (the background: every hue, barely tinted), taken hours apart with one camera.
  for (let i = 0; i < 36; i++) {
    const hour = String(i % 24).padStart(2, '0');
    await writePhoto(path.join(folder, `grey-${String(i * 10).padStart(3, '0')}.jpg`), hueToRgb(i * 10 + 5, 0.012), {
      make: 'Canon',
      model: 'EOS R6',
      taken: `2023:0${1 + (i % 9)}:1${i % 10} ${hour}:00:00`,
    });
  }
  // A burst: four deep red shots a second apart, very slightly different.
  for (let shot = 0; shot < 4; shot++) {
    await writePhoto(path.join(folder, `burst-${shot}.jpg`), [250 - shot, 12 + shot, 10], {
      make: 'FUJIFILM',
      model: 'X100V',
      taken: `2024:05:01 10:20:3${shot}`,
    });
  }
  await writePhoto(path.join(folder, 'deep-blue.jpg'), [10, 20, 245], { make: 'FUJIFILM', model: 'X100V', taken: '2024:06:02 08:00:00' });
  // A few other saturated colours, days apart.
  for (const [file, hue] of [
    ['yellow.jpg', 60],
    ['green.jpg', 120],
    ['magenta.jpg', 300],
  ] as const) {
    await writePhoto(path.join(folder, file), hueToRgb(hue, 0.9), {
      make: 'Canon',
      model: 'EOS R6',
      taken: `2022:0${hue / 60}:01 12:00:00`,
    });
  }
  writeFileSync(path.join(folder, 'notes.txt'), 'Red paint\n\nThe red paint on the red door, red as a cherry.');
  core = createMilensCore({ databasePath: path.join(home, 'milens.sqlite'), modelsFolder });
  api = core.api;
  const report = await api.indexCollection(folder);
  expect(report.added).toBe(45);
}, 120_000);

afterAll(async () => {
  await closePhotoSearchEmbedders();
  await core?.close();
  rmSync(home, { recursive: true, force: true });
  if (savedManifest === undefined) delete process.env.MILENS_MODEL_MANIFEST;
  else process.env.MILENS_MODEL_MANIFEST = savedManifest;
});

const name = (result: SearchResult | { path: string }) => path.basename(result.path);

describe('photo search', () => {
  it('ranks the reddest photo first by PMI bits and folds its burst into it, with the why', async () => {
    const response = await api.search({ query: 'red', kind: 'image', limit: 10 });
    expect(response.noMatch).toBe(false);
    const first = response.results[0]!;
    expect(name(first)).toMatch(/^burst-/);
    expect(first.kind).toBe('image');
    expect(first.folded!.map(name).sort()).toEqual(
      ['burst-0.jpg', 'burst-1.jpg', 'burst-2.jpg', 'burst-3.jpg'].filter((n) => n !== name(first)),
    );
    expect(response.results.filter((result) => name(result).startsWith('burst-'))).toHaveLength(1);
    expect(first.photo).toMatchObject({ cameraMake: 'FUJIFILM', cameraModel: 'X100V', format: 'jpeg' });
    expect(first.thumbnail).toEqual({ small: `/thumbnails/${first.itemId}/small`, large: `/thumbnails/${first.itemId}/large` });
    expect(first.why).toMatchObject({ model: TEST_MODEL_ID });
    expect(first.why!.cosine!).toBeGreaterThan(0.9);
    expect(first.why!.notes!.join(' ')).toMatch(/folded 3 near-duplicates/);
    // Bits: PMI ≤ log2 N over the 44 photos, ordered as shown, every one above zero.
    const bits = response.results.map((result) => result.bits);
    expect([...bits].sort((a, b) => b - a)).toEqual(bits);
    for (const value of bits) {
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThanOrEqual(Math.log2(44) + 1e-9);
    }
  });

  it('says nothing here matches for a text the model relates to no photo, unless weaker results are asked for', async () => {
    const response = await api.search({ query: 'a dog on the sofa', kind: 'image' });
    expect(response).toMatchObject({ results: [], noMatch: true });
  });

  it('finds photos like an example image, and combines words with + and -', async () => {
    const byImage = await api.search({ query: '', image: path.join(folder, 'deep-blue.jpg'), kind: 'image', limit: 3 });
    expect(name(byImage.results[0]!)).toBe('deep-blue.jpg');
    expect(byImage.results[0]!.why!.cosine!).toBeCloseTo(1, 2);
    const arithmetic = await api.search({ query: 'purple - blue', kind: 'image', limit: 5 });
    // purple (270°) minus blue (240°) points past magenta toward red (about 345°).
    expect(name(arithmetic.results[0]!)).toMatch(/^burst-/);
    expect(arithmetic.results[0]!.why!.notes!.join(' ')).toMatch(/query: \+ text "purple" − text "blue"/);
  });

  it('filters before ranking: the PMI is over the kept photos and the why says so', async () => {
    const filtered = await api.search({ query: 'blue', kind: 'image', filters: { camera: 'x100v' } });
    expect(filtered.results.map(name)).toEqual(['deep-blue.jpg']);
    expect(filtered.results[0]!.why!.notes!.join(' ')).toMatch(/camera contains "x100v" \(5 of 44 photos; PMI is computed over these\)/);
    // Over 5 photos, PMI is at most log2 5.
    expect(filtered.results[0]!.bits).toBeLessThanOrEqual(Math.log2(5) + 1e-9);
    const dated = await api.search({ query: 'red', kind: 'image', filters: { takenFrom: '2024-01-01' } });
    expect(dated.results.every((result) => result.photo!.takenAt!.startsWith('2024'))).toBe(true);
    await expect(api.search({ query: 'red', kind: 'image', filters: { hasLocation: 'yes' as unknown as boolean } })).rejects.toThrow(
      /filters.hasLocation/,
    );
  });

  it('interleaves documents and photos by bits for --kind all', async () => {
    const response = await api.search({ query: 'red', kind: 'all', limit: 50 });
    const kinds = new Set(response.results.map((result) => result.kind));
    expect(kinds).toEqual(new Set(['text', 'image']));
    const bits = response.results.map((result) => result.bits);
    expect([...bits].sort((a, b) => b - a)).toEqual(bits);
  });

  it('works from the command line: --kind image --json and --image', async () => {
    const env = { MILENS_HOME: home, MILENS_MODEL_MANIFEST: manifestPath };
    const db = path.join(home, 'milens.sqlite');
    const result = await runMilens(['search', 'red', '--kind', 'image', '--limit', '3', '--db', db, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const response = JSON.parse(result.stdout) as { results: Array<Record<string, unknown>> };
    expect(Object.keys(response.results[0]!)).toEqual([
      'path',
      'score',
      'bits',
      'kind',
      'snippet',
      'itemId',
      'photo',
      'thumbnail',
      'folded',
      'why',
    ]);
    expect(path.basename(response.results[0]!.path as string)).toMatch(/^burst-/);
    const readable = await runMilens(['search', 'red', '--kind', 'image', '--limit', '3', '--db', db, '--why'], { env });
    expect(readable.code, readable.stderr).toBe(0);
    const whyLines = readable.stdout.split('\n').filter((line) => line.trim().startsWith('why: '));
    expect(whyLines.length).toBe(response.results.length);
    const firstWhy = response.results[0]!.why as { model: string; cosine: number };
    expect(whyLines[0]).toContain(`model ${firstWhy.model}; cosine ${firstWhy.cosine.toFixed(3)}; hub correction`);
    expect(whyLines[0]).toContain('folded 3 near-duplicates');
    const byImage = await runMilens(['search', '--image', path.join(folder, 'deep-blue.jpg'), '--limit', '1', '--db', db, '--json'], {
      env,
    });
    expect(byImage.code, byImage.stderr).toBe(0);
    expect(path.basename((JSON.parse(byImage.stdout) as { results: Array<{ path: string }> }).results[0]!.path)).toBe('deep-blue.jpg');
    const missing = await runMilens(['search', '--image', path.join(folder, 'no-such.jpg'), '--db', db], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such.jpg');
  });
});

describe("the core's close()", () => {
  it('releases the model sessions photo search opened, and a new core on the same database searches again', async () => {
    const modelsFolder = path.join(home, 'models');
    const databasePath = path.join(home, 'milens.sqlite');
    const second = createMilensCore({ databasePath, modelsFolder });
    const before = await second.api.search({ query: 'red', kind: 'image', limit: 1 });
    expect(before.results).toHaveLength(1);
    expect(openPhotoSearchEmbedderCount()).toBeGreaterThan(0);
    await second.close();
    expect(openPhotoSearchEmbedderCount()).toBe(0);
    // Closing released the sessions, not the ability to search: a third core opens the model again.
    const third = createMilensCore({ databasePath, modelsFolder });
    try {
      const after = await third.api.search({ query: 'red', kind: 'image', limit: 1 });
      expect(after.results.map(name)).toEqual(before.results.map(name));
      expect(openPhotoSearchEmbedderCount()).toBeGreaterThan(0);
    } finally {
      await third.close();
    }
    expect(openPhotoSearchEmbedderCount()).toBe(0);
  });
});
