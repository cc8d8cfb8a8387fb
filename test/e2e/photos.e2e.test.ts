// End to end, the heart of the product on real photos: the built `milens serve` in a child process, driven
// by Debian's Chromium. The generated TEST model (scripts/make-test-model.mjs: a real ONNX model whose
// embeddings mean colour; only its weights are synthetic) is imported in Settings, the 125 shared real
// photos (../shared/datasets/photos, copied into a temporary folder) and a folder of notes are indexed with
// progress shown, and "red" is searched: over these photos no query of the test model clears the
// chance-maximum "no match" rule (its colour cosines spread over the whole [-1, 1] range, so the best photo
// is never beyond chance), so the page says nothing here matches and "Show weaker results" brings the grid.
// The grid's order is the API's for the same request, its first photo the one the test model's arithmetic
// (the photos' mean colours, computed here from the files) puts first, each tile shows its bits and a
// loaded thumbnail; the why panel gives the model, the raw cosine (equal to the arithmetic's), the
// correction and the folded near-duplicates (each truly within the duplicate cosine of its leader); the kind
// filter (the shared photos carry no EXIF date, camera or place, so kind is the filter that means
// something here) moves between photos and notes; the large preview moves with the arrow keys and serves
// the file. Screenshots of the grid, the why panel and the preview in light and dark at 1280×800, 800×600
// and 400×720 go to test-artifacts/screenshots; axe-core checks each. Skips without Chromium, and without
// ../shared/datasets/photos (a fresh clone).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchRequest, SearchResponse } from '../../main/api/contract.js';
import { preprocessImage } from '../../models/preprocess.js';
import { sharedDataset } from '../models/shared-datasets.js';
import { chromiumMissing, openAppInChromium } from './chromium.js';
import type { AppShell } from './pages/app-shell.js';
import { CollectionsPage } from './pages/collections-page.js';
import { SearchPage, type ShownPhoto } from './pages/search-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { missingBuild, REPOSITORY_ROOT, startServeProcess, type ServeProcess } from './serve-process.js';
// @ts-expect-error: plain JavaScript script shared with `npm run make:test-model`
import { colourEmbedding, COLOUR_WORDS, makeTestModel, TEST_MODEL_ID } from '../../scripts/make-test-model.mjs';

const SCREENSHOTS = path.join(REPOSITORY_ROOT, 'test-artifacts', 'screenshots');
const sharedPhotos = sharedDataset('photos', 'photos.e2e');
const skipReason = chromiumMissing ?? (sharedPhotos ? undefined : 'the shared photos (../shared/datasets/photos) are absent');

/** The duplicate rule of main/search/dense/bursts.ts (photos without EXIF time fold only as duplicates), less float16 rounding. */
const DUPLICATE_COSINE_WITH_ROUNDING = 0.965;
/** How far the stored float16 vectors (from the indexed working image) may move a cosine from the arithmetic's. */
const COSINE_TOLERANCE = 2e-3;

interface TestModelEntry {
  inference: { image: { preprocess: Parameters<typeof preprocessImage>[1] } };
}

/** The mean (r, g, b) in [0, 1] of a preprocessed tensor, its normalisation undone. */
function meanColour(tensor: Float32Array, mean: number[], std: number[]): [number, number, number] {
  const plane = tensor.length / 3;
  const colour: [number, number, number] = [0, 0, 0];
  for (let channel = 0; channel < 3; channel++) {
    let sum = 0;
    for (let i = channel * plane; i < (channel + 1) * plane; i++) sum += tensor[i]!;
    colour[channel] = (sum / plane) * std[channel]! + mean[channel]!;
  }
  return colour;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The test text tower on one colour word: the unit vector of its hue plus the end token's 0.01. */
function colourQuery(word: string): number[] {
  const hue = (COLOUR_WORDS as Record<string, number | null>)[word];
  if (hue === undefined) throw new Error(`${word} is not a colour word of the test model`);
  return hue === null ? [0, 0, 1, 0.01] : [Math.cos((hue * Math.PI) / 180), Math.sin((hue * Math.PI) / 180), 0, 0.01];
}

/** The members of a group not reached from its first by steps between photos of at least the duplicate cosine. */
function unreachedByDuplicates(group: string[], embeddings: Map<string, number[]>): string[] {
  const reached = new Set([group[0]!]);
  for (let grew = true; grew;) {
    grew = false;
    for (const name of group) {
      if (reached.has(name)) continue;
      if ([...reached].some((other) => cosine(embeddings.get(name)!, embeddings.get(other)!) >= DUPLICATE_COSINE_WITH_ROUNDING)) {
        reached.add(name);
        grew = true;
      }
    }
  }
  return group.filter((name) => !reached.has(name));
}

describe.skipIf(skipReason)(`photo search end to end in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let folder: string;
  let photos: string;
  let notes: string;
  let modelSource: string;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let shell: AppShell;
  /** File name → the test model's image embedding of it, by the model's own arithmetic. */
  const embeddingOf = new Map<string, number[]>();

  async function apiSearch(request: SearchRequest): Promise<SearchResponse> {
    const reply = await fetch(`${serve.origin}/api/search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ args: [request] }),
    });
    const body = (await reply.json()) as { ok: boolean; value: SearchResponse };
    expect(body.ok).toBe(true);
    return body.value;
  }

  beforeAll(async () => {
    const buildProblem = missingBuild();
    if (buildProblem) throw new Error(buildProblem);
    folder = mkdtempSync(path.join(os.tmpdir(), 'milens-e2e-photos-'));
    photos = path.join(folder, 'photos');
    notes = path.join(folder, 'notes');
    modelSource = path.join(folder, 'test-model');
    mkdirSync(photos);
    mkdirSync(notes);
    for (const name of readdirSync(sharedPhotos!)) copyFileSync(path.join(sharedPhotos!, name), path.join(photos, name));
    writeFileSync(
      path.join(notes, 'door.md'),
      '# The red door\nThe red paint on the front door has faded; repaint it red before winter.\n',
    );
    writeFileSync(path.join(notes, 'bread.txt'), 'Bread needs flour, water, salt and yeast. Knead it for ten minutes.\n');
    writeFileSync(path.join(notes, 'garden.md'), '# Gardening\nTomatoes need sun, water and patience; prune them weekly.\n');
    const { entry, manifestPath } = makeTestModel(modelSource) as { entry: TestModelEntry; manifestPath: string };

    // The model's arithmetic on each photo, from the files themselves (CLIP's preprocessing, then the mean colour).
    const spec = entry.inference.image.preprocess;
    for (const name of readdirSync(photos)) {
      const tensor = await preprocessImage(path.join(photos, name), spec);
      embeddingOf.set(name, (colourEmbedding as (rgb: number[]) => number[])(meanColour(tensor, spec.mean, spec.std)));
    }

    serve = await startServeProcess(path.join(folder, 'e2e.sqlite'), folder, { env: { MILENS_MODEL_MANIFEST: manifestPath } });
    ({ browser, page, shell } = await openAppInChromium(serve.url));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    const exitCode = serve ? await serve.stop() : 0;
    if (folder) rmSync(folder, { recursive: true, force: true });
    expect(exitCode, serve?.stderr()).toBe(0);
  });

  it('installs the test model from a folder in Settings', async () => {
    await shell.goTo('Settings');
    const settings = new SettingsPage(page);
    await settings.waitUntilLoaded();
    expect((await settings.modelRows()).find((row) => row.id === TEST_MODEL_ID)).toMatchObject({ status: 'not installed' });
    expect(await settings.importModel(TEST_MODEL_ID, modelSource)).toMatch(/ is installed \(3 files imported, each checked\)\.$/);
    await settings
      .modelRow(TEST_MODEL_ID)
      .getByTestId('model-state')
      .filter({ hasText: /^installed$/ })
      .waitFor();
  });

  it('indexes the 125 photos and a folder of notes, with progress shown', { timeout: 240_000 }, async () => {
    await shell.goTo('Collections');
    const collections = new CollectionsPage(page);
    const photoRun = await collections.addFolderWatchingProgress(photos, 'photos');
    expect(photoRun.progress).toMatch(/^\d+ of 125 files · /);
    expect(photoRun.outcome).toEqual({
      kind: 'indexed',
      summary: expect.stringMatching(/^Indexed photos in [\d.]+ s: 125 added, 0 updated/),
    });
    await collections.waitForDocumentCount('photos', 125);
    const noteRun = await collections.addFolder(notes);
    expect(noteRun).toEqual({ kind: 'indexed', summary: expect.stringMatching(/^Indexed notes in [\d.]+ s: 3 added/) });
    expect(await collections.collectionNames()).toEqual(['notes', 'photos'].sort());
  });

  let weaker: ShownPhoto[] = [];
  let answer: SearchResponse;

  it('says nothing here matches "red" among the photos, and shows the weaker results as a grid in the model\'s order', async () => {
    await shell.goTo('Search');
    const search = new SearchPage(page);
    await search.chooseKind('Photos');
    expect(await search.search('red')).toEqual({ kind: 'nothing-matches' });
    expect(page.url()).toBe(`${serve.origin}/#/search?q=red&kind=image`);
    // The API agrees, and its weaker answer is what the page must show.
    expect(await apiSearch({ query: 'red', kind: 'image' })).toMatchObject({ results: [], noMatch: true });
    answer = await apiSearch({ query: 'red', kind: 'image', showWeaker: true });
    expect(answer.results.length).toBeGreaterThan(0);

    const outcome = await search.showWeaker('red');
    expect(outcome.kind).toBe('results');
    if (outcome.kind !== 'results') return;
    expect(page.url()).toBe(`${serve.origin}/#/search?q=red&kind=image&weaker=1`);
    weaker = outcome.photos;
    expect(outcome.results).toEqual([]);
    // The grid is the API's answer, in its order, each tile with its bits and its folded count.
    expect(weaker).toEqual(
      answer.results.map((result) => ({ path: result.path, bits: `${result.bits.toFixed(1)} bits`, folded: result.folded?.length ?? 0 })),
    );
    // The first photo is the one the test model's arithmetic makes reddest (within float16 rounding of the best).
    const query = colourQuery('red');
    const expected = [...embeddingOf].map(([name, embedding]) => ({ name, cosine: cosine(embedding, query) }));
    const best = Math.max(...expected.map((entry) => entry.cosine));
    const contenders = expected.filter((entry) => entry.cosine >= best - COSINE_TOLERANCE).map((entry) => entry.name);
    expect(contenders).toContain(path.basename(weaker[0]!.path));
    // Every photo shown or folded has positive evidence: cosine above the average photo's.
    const averageCosine = expected.reduce((sum, entry) => sum + entry.cosine, 0) / expected.length;
    for (const result of answer.results) expect(cosine(embeddingOf.get(path.basename(result.path))!, query)).toBeGreaterThan(averageCosine);

    // The shared photos carry no EXIF date, camera or place (the API says so), so the page offers no date,
    // camera or location filter for them; kind (and collection) remain.
    for (const result of answer.results)
      expect(result.photo).toMatchObject({ takenAt: null, cameraMake: null, cameraModel: null, latitude: null, longitude: null });
    const filters = page.getByRole('group', { name: 'Filters' });
    expect(await filters.getByRole('radio').allTextContents()).toEqual(['Everything', 'Documents', 'Photos']);
    expect(await filters.getByLabel('Collection').count()).toBe(1);
    for (const label of ['From', 'To', 'Camera', 'Has a location'])
      expect(await filters.getByLabel(label, { exact: true }).count()).toBe(0);

    const thumbnails = await search.thumbnailsLoaded();
    expect(thumbnails).toEqual({ count: weaker.length, loaded: weaker.length });
    await shell.screenshots(SCREENSHOTS, 'photos-grid');
  });

  it('explains the first photo: the test model, its raw cosine, the correction and the folded near-duplicates', async () => {
    const search = new SearchPage(page);
    const first = answer.results[0]!;
    const why = await search.openPhotoWhy(0);
    expect(why).toContain(`Why “${first.title ?? path.basename(first.path)}”`);
    expect(await search.whyFact('Ranked by')).toMatch(new RegExp(`^${first.bits.toFixed(2)} bits of pointwise mutual information`));
    expect(await search.whyFact('Model')).toBe(TEST_MODEL_ID);
    const rawCosine = Number.parseFloat(await search.whyFact('Raw cosine'));
    expect(rawCosine).toBe(first.why!.cosine);
    expect(Math.abs(rawCosine - cosine(embeddingOf.get(path.basename(first.path))!, colourQuery('red')))).toBeLessThan(COSINE_TOLERANCE);
    expect(await search.whyFact('Hub correction')).toMatch(/^[+−-]?\d+\.\d\d bits$/);
    expect(await search.whyFact('Normaliser')).toMatch(/^−\d+\.\d\d bits$/);

    const folded = await search.whyFolded();
    expect(folded).toEqual((first.folded ?? []).map((entry) => path.basename(entry.path)));
    // Folded because each is a near-duplicate in the model's own terms (no EXIF time here: duplicates only), the
    // relation closed transitively: every folded photo is reached from the leader by steps of duplicate cosine.
    expect(unreachedByDuplicates([path.basename(first.path), ...folded], embeddingOf)).toEqual([]);
    if (folded.length > 0) expect(why).toMatch(new RegExp(`folded ${folded.length} near-duplicates? \\(same burst or copies\\)`));
    await shell.screenshots(SCREENSHOTS, 'photos-why');
    expect(await shell.seriousAccessibilityViolations()).toEqual([]);
    await search.whyPanel.getByRole('button', { name: 'Close the why panel' }).click();
  });

  it('shows a photo large, moves with the arrow keys, and serves its file', async () => {
    const search = new SearchPage(page);
    const titleOf = (index: number) => answer.results[index]!.title ?? path.basename(answer.results[index]!.path);
    const count = answer.results.length;
    expect((await search.openPhotoPreview(0)).title).toBe(titleOf(0));
    expect((await search.previewState()).position).toBe(`1 of ${count}`);
    expect(await search.previewImageLoaded()).toBe(true);
    const facts = ((await search.preview.locator('dl.facts').textContent()) ?? '').replace(/\s+/g, ' ');
    const photo = answer.results[0]!.photo!;
    expect(facts).toContain(`${photo.width} × ${photo.height} jpeg`);
    if (count > 1) {
      await page.keyboard.press('ArrowRight');
      expect(await search.previewState()).toEqual({ title: titleOf(1), position: `2 of ${count}` });
      await page.keyboard.press('ArrowLeft');
    }
    expect(await search.previewState()).toEqual({ title: titleOf(0), position: `1 of ${count}` });
    // At the first result ← stays there.
    await page.keyboard.press('ArrowLeft');
    expect((await search.previewState()).position).toBe(`1 of ${count}`);
    await shell.screenshots(SCREENSHOTS, 'photos-preview');
    expect(await shell.seriousAccessibilityViolations()).toEqual([]);

    const href = await search.preview.getByRole('link', { name: /^Open / }).getAttribute('href');
    expect(href).toBe(`/files/${answer.results[0]!.itemId}`);
    const file = await page.request.get(`${serve.origin}${href}`);
    expect(file.status()).toBe(200);
    expect(file.headers()['content-type']).toMatch(/^image\/jpeg/);
    await page.keyboard.press('Escape');
    await search.preview.waitFor({ state: 'hidden' });
  });

  it('filters by kind and collection: everything shows the red note (photos stay below the match rule), the photos collection nothing, documents only the note', async () => {
    const search = new SearchPage(page);
    await search.chooseKind('Everything');
    await page.waitForURL(`${serve.origin}/#/search?q=red`);
    const everything = await search.readOutcome('red');
    expect(everything.kind).toBe('results');
    if (everything.kind !== 'results') return;
    expect(everything.results.map((result) => result.path)).toEqual([path.join(notes, 'door.md')]);
    expect(everything.results[0]!.marked).toContain('red');
    expect(everything.photos).toEqual([]);

    // The collection filter: only the notes, then all again.
    const collectionId = answer.results[0]!.collectionId;
    await page.getByRole('group', { name: 'Filters' }).getByLabel('Collection').selectOption({ label: 'photos' });
    await page.waitForURL(`${serve.origin}/#/search?q=red&c=${collectionId}`);
    expect(await search.readOutcome('red')).toEqual({ kind: 'nothing-matches' });
    await page.getByRole('group', { name: 'Filters' }).getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL(`${serve.origin}/#/search?q=red`);
    expect(await search.readOutcome('red')).toMatchObject({ kind: 'results', photos: [] });

    await search.chooseKind('Documents');
    await page.waitForURL(`${serve.origin}/#/search?q=red&kind=text`);
    const documents = await search.readOutcome('red');
    expect(documents.kind === 'results' && documents.results.map((result) => result.path)).toEqual([path.join(notes, 'door.md')]);

    // Photos again, with the weaker results: the grid comes back as it was.
    await search.chooseKind('Photos');
    await page.waitForURL(`${serve.origin}/#/search?q=red&kind=image`);
    expect(await search.readOutcome('red')).toEqual({ kind: 'nothing-matches' });
    const again = await search.showWeaker('red');
    expect(again.kind === 'results' && again.photos).toEqual(weaker);
  });

  it('finds nothing for words without a colour, even with the weaker results (the test model relates them to no photo)', async () => {
    const search = new SearchPage(page);
    expect(await search.search('a dog on the sofa')).toEqual({ kind: 'nothing-matches' });
    // Orthogonal to every photo: no photo has any evidence, so even the weaker list is empty.
    expect(await apiSearch({ query: 'a dog on the sofa', kind: 'image', showWeaker: true })).toMatchObject({ results: [] });
    await search.outcome('a dog on the sofa').getByRole('button', { name: 'Show weaker results' }).click();
    await page.waitForURL(/weaker=1$/);
    expect(await search.readOutcome('a dog on the sofa')).toEqual({ kind: 'nothing-matches' });
    expect(await search.outcome('a dog on the sofa').getByRole('button', { name: 'Show weaker results' }).count()).toBe(0);
  });

  it('keeps the page within its Content-Security-Policy', () => {
    expect(shell.cspViolations).toEqual([]);
    expect(shell.problems).toEqual([]);
  });
});
