// End to end: the real `milens serve` in a child process, driven by Debian's Chromium through
// playwright-core, one page object per view. A person's first hour: the app opens on Search, a relative
// folder is refused with the reason, a folder of notes is indexed and searched (highlighted words, the
// "why" panel, the preview with arrow keys, the file itself), an indexing run is cancelled, a table with a
// known non-linear column is scored and its features selected. Every view is photographed in light and
// dark at 1280×800 and 800×600 (test-artifacts/screenshots) and checked with axe-core. Never downloads a
// browser: skips without /usr/bin/chromium.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, openAppInChromium } from './chromium.js';
import type { AppShell } from './pages/app-shell.js';
import { BenchmarksPage } from './pages/benchmarks-page.js';
import { CollectionsPage } from './pages/collections-page.js';
import { SearchPage } from './pages/search-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { TablesPage } from './pages/tables-page.js';
import { missingBuild, REPOSITORY_ROOT, startServeProcess, type ServeProcess } from './serve-process.js';

const SCREENSHOTS = path.join(REPOSITORY_ROOT, 'test-artifacts', 'screenshots');

/** y = x² + a little noise over a symmetric range: MI sees it, Pearson does not; `linear` is plain linear, `noise` independent. */
function nonLinearTable(file: string, rows: number): void {
  const lines = ['x,linear,noise,y'];
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  for (let index = 0; index < rows; index += 1) {
    const x = random() * 2 - 1;
    const y = x * x + 0.05 * (random() - 0.5);
    const linear = 0.3 * y + 0.9 * (random() - 0.5);
    lines.push(`${x.toFixed(5)},${linear.toFixed(5)},${random().toFixed(5)},${y.toFixed(5)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe.skipIf(chromiumMissing)(`the milens app in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let folder: string;
  let databasePath: string;
  let documents: string;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let shell: AppShell;

  beforeAll(async () => {
    const buildProblem = missingBuild();
    if (buildProblem) throw new Error(buildProblem);
    folder = mkdtempSync(path.join(os.tmpdir(), 'milens-e2e-'));
    databasePath = path.join(folder, 'e2e.sqlite');
    documents = path.join(folder, 'documents');
    mkdirSync(documents);
    writeFileSync(
      path.join(documents, 'entropy.md'),
      '# Entropy\nThe entropy of a source bounds the average length of any lossless code.\n',
    );
    writeFileSync(
      path.join(documents, 'channels.md'),
      '# Channels\nThe capacity of a noisy channel is its largest mutual information; entropy again.\n',
    );
    writeFileSync(path.join(documents, 'garden.md'), '# Gardening\nTomatoes need sun, water and patience; prune them weekly.\n');
    writeFileSync(path.join(documents, 'bread.txt'), 'Bread needs flour, water, salt and yeast. Knead it for ten minutes.\n');
    serve = await startServeProcess(databasePath, folder);
    ({ browser, page, shell } = await openAppInChromium(serve.url));
  });

  afterAll(async () => {
    await browser?.close();
    const exitCode = serve ? await serve.stop() : 0;
    if (folder) rmSync(folder, { recursive: true, force: true });
    expect(exitCode, serve?.stderr()).toBe(0);
  });

  it('opens on Search with the query box focused and the token out of the address bar', async () => {
    expect(await shell.currentView()).toBe('Search');
    expect(page.url()).toBe(`${serve.origin}/`);
    expect(await shell.focusedId()).toBe('search-query');
    // Nothing indexed yet: the empty state says what to do next.
    await page.getByRole('link', { name: 'add a folder in Collections' }).waitFor();
    await shell.screenshots(SCREENSHOTS, 'search-empty');
  });

  it('refuses a relative folder with the reason, and indexes an absolute one', async () => {
    await shell.goTo('Collections');
    const collections = new CollectionsPage(page);
    const refused = await collections.addFolder('docs');
    expect(refused.kind).toBe('refused');
    expect(refused.kind === 'refused' && refused.text).toMatch(/"docs" is a relative path\. Type the full path/);
    expect(await collections.collectionNames()).toEqual([]);

    const added = await collections.addFolder(documents);
    expect(added).toEqual({ kind: 'indexed', summary: expect.stringMatching(/^Indexed documents in [\d.]+ s: 4 added, 0 updated/) });
    // One status line: the refusal was replaced, not stacked.
    expect(await collections.status.locator('.status').count()).toBe(1);
    expect(await collections.collectionNames()).toEqual(['documents']);
    await collections.waitForDocumentCount('documents', 4);
  });

  it('says in words that a browser cannot add a dropped folder, adds nothing, and waits for the typed path', async () => {
    const collections = new CollectionsPage(page);
    const before = await collections.collectionNames();
    // What Chromium hands a page for a dropped folder: a File with the folder's name and no path (the
    // absolute path exists only in the desktop app, through the preload's webUtils.getPathForFile).
    await collections.dropOnAddArea(['Holiday photos']);
    await collections.dropNote.waitFor();
    expect(((await collections.dropNote.textContent()) ?? '').trim()).toBe(
      'A browser does not tell milens where “Holiday photos” is on disk, so it cannot add a dropped folder. ' +
        'Type or paste its full path instead (in the desktop app, dropping works).',
    );
    expect(await page.locator('.drop-zone').getAttribute('class')).not.toMatch(/\bdragging\b/);
    expect(await shell.focusedId()).toBe('folder-path');
    expect(await collections.collectionNames()).toEqual(before);
    // The help line says so before any drop, too.
    await page.getByText('Dropping a folder works in the desktop app only: a browser does not reveal where files are.').waitFor();
  });

  it('cancels an indexing run part-way and keeps what was indexed', { timeout: 180_000 }, async () => {
    const many = path.join(folder, 'many');
    mkdirSync(many);
    for (let index = 0; index < 6000; index += 1)
      writeFileSync(path.join(many, `note-${index}.txt`), `Note ${index} about topic ${index % 97} and its ${index % 13} neighbours.\n`);
    const collections = new CollectionsPage(page);
    await collections.startAdding(many);
    const line = await collections.cancelIndexing('many');
    expect(line).toMatch(/^\d+ of 6000 files/);
    await collections.status.getByText(/^Indexing many was cancelled\./).waitFor({ timeout: 30_000 });
    const summary = (await collections.collectionSummary('many').textContent()) ?? '';
    const indexed = Number.parseInt(summary.trim(), 10);
    expect(indexed).toBeLessThan(6000);
    await shell.screenshots(SCREENSHOTS, 'collections');
  });

  it('removes a collection only after the undo window, and Undo keeps it', async () => {
    const collections = new CollectionsPage(page);
    await collections.remove('many');
    await collections.undoBar.waitFor();
    expect(await collections.collectionNames()).toEqual(['documents']);
    await collections.undoBar.getByRole('button', { name: 'Undo' }).click();
    expect(await collections.collectionNames()).toEqual(['documents', 'many']);
    expect(await collections.statusText()).toBe('many was kept.');
    await collections.remove('many');
    await collections.undoBar.getByRole('button', { name: 'Remove now' }).click();
    await collections.status.getByText(/^Removed many from milens/).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Collections' }).waitFor();
    await collections.collection('documents').waitFor();
    expect(await collections.collectionNames()).toEqual(['documents']);
  });

  it('searches with the words highlighted, keeps the query in the URL, and says when nothing matches', async () => {
    await shell.goTo('Search');
    const search = new SearchPage(page);
    const found = await search.search('entropy of a lossless code');
    expect(found.kind).toBe('results');
    if (found.kind !== 'results') return;
    expect(found.results[0]).toMatchObject({ title: 'Entropy', path: path.join(documents, 'entropy.md') });
    expect(found.results[0].pmi).toMatch(/^PMI \d+\.\d bits$/);
    expect(found.results[0].marked).toEqual(expect.arrayContaining(['entropy', 'lossless', 'code']));
    expect(page.url()).toBe(`${serve.origin}/#/search?q=entropy+of+a+lossless+code`);

    // Reload and back both keep what the address names.
    await page.reload();
    expect(await search.readOutcome('entropy of a lossless code')).toMatchObject({ kind: 'results' });
    expect(await search.search('quantum chromodynamics')).toEqual({ kind: 'nothing-matches' });
    await page.goBack();
    expect(await search.readOutcome('entropy of a lossless code')).toMatchObject({ kind: 'results' });
  });

  it('explains a result in the why panel and previews results with the arrow keys', async () => {
    const search = new SearchPage(page);
    const found = await search.search('entropy');
    expect(found.kind === 'results' && found.results.length).toBe(2);
    const why = await search.openWhy(0);
    expect(why).toMatch(/Ranked by \d+\.\d\d bits of pointwise mutual information/);
    expect(why).toMatch(/Model score -?\d+\.\d{3} nats/);
    await shell.screenshots(SCREENSHOTS, 'search-why');

    // ↓ moves between result titles.
    await search.result(0).locator('.result-title').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      ((await search.result(1).locator('.result-title').textContent()) ?? '').trim(),
    );

    const first = await search.openPreview(0);
    expect(first.position).toBe('1 of 2');
    await page.keyboard.press('ArrowRight');
    const second = await search.previewState();
    expect(second.position).toBe('2 of 2');
    expect(second.title).not.toBe(first.title);
    await page.keyboard.press('ArrowLeft');
    expect((await search.previewState()).title).toBe(first.title);
    await shell.screenshots(SCREENSHOTS, 'search-preview');
    await page.keyboard.press('Escape');
    await search.preview.waitFor({ state: 'hidden' });
  });

  it('serves the file of an indexed result, and nothing else', async () => {
    const search = new SearchPage(page);
    await search.search('tomatoes');
    const href = await search.openLink(0);
    expect(href).toMatch(/^\/files\/\d+$/);
    // The page's cookie authorises the same-origin link, as a click would.
    const file = await page.request.get(`${serve.origin}${href}`);
    expect(file.status()).toBe(200);
    expect(await file.text()).toContain('Tomatoes need sun');
    expect(file.headers()['content-security-policy']).toMatch(/^sandbox/);
    expect((await page.request.get(`${serve.origin}/files/999999`)).status()).toBe(404);
    expect((await fetch(`${serve.origin}${href}`)).status).toBe(401);
  });

  it('focuses the search box from anywhere with / and Ctrl+K', async () => {
    await shell.goTo('Tables');
    await page.locator('body').press('/');
    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    await expect.poll(() => shell.focusedId()).toBe('search-query');
    await shell.goTo('Settings');
    await page.keyboard.press('Control+k');
    await expect.poll(() => shell.focusedId()).toBe('search-query');
  });

  it(
    'shows the columns of a table first, then ranks the non-linear column first by MI where Pearson misses it',
    { timeout: 180_000 },
    async () => {
      const csv = path.join(folder, 'nonlinear.csv');
      nonLinearTable(csv, 2000);
      await shell.goTo('Tables');
      const tables = new TablesPage(page);
      const columns = await tables.open(csv);
      expect(columns.map((column) => column.name)).toEqual(['x', 'linear', 'noise', 'y']);
      expect(columns.every((column) => column.kind === 'continuous (inferred)' && column.missing === '0%')).toBe(true);
      await tables.chooseTarget('y');
      await tables.permutations.fill('37');
      const features = await tables.estimate();
      expect(features[0]).toMatchObject({ name: 'x', missed: true });
      expect(Math.abs(features[0].pearson ?? 1)).toBeLessThan(0.15);
      const linear = features.find((feature) => feature.name === 'linear');
      expect(Math.abs(linear?.pearson ?? 0)).toBeGreaterThan(Math.abs(features[0].pearson ?? 0));
      expect(await page.getByText('37 permutations').count()).toBe(1);
      expect(await page.locator('figure.chart canvas').count()).toBe(1);

      // Sorting by |Pearson| puts the linear column on top; MI again puts x there.
      await tables.sortBy('Pearson');
      expect((await tables.features())[0].name).toBe('linear');
      await tables.sortBy('MI');
      expect((await tables.features())[0].name).toBe('x');

      expect((await tables.select('mrmr', 2))[0]).toBe('x');
      await shell.screenshots(SCREENSHOTS, 'tables');

      // Conditional MI given a chosen column: the report says so, x still carries its information.
      await page.getByLabel('Given (conditional MI)').selectOption('noise');
      await tables.permutations.fill('0');
      await tables.estimateButton.click();
      await page.getByRole('heading', { name: 'Features by mutual information with y given noise' }).waitFor({ timeout: 50_000 });
      const conditional = await tables.features();
      expect(conditional.map((feature) => feature.name).sort()).toEqual(['linear', 'x']);
      expect(conditional[0].name).toBe('x');
      await page.getByLabel('Given (conditional MI)').selectOption('');
    },
  );

  it('warns before running on a continuous target marked discrete, or more features than exist', async () => {
    const tables = new TablesPage(page);
    await page.getByLabel('Kind of y').selectOption('discrete');
    await page.getByText(/^y looks continuous .* but is marked discrete/).waitFor();
    await page.getByLabel('Kind of y').selectOption('');
    await page.getByLabel('Features', { exact: true }).fill('9');
    await page.getByText('You asked for 9 features but the table has 3 besides the target.').waitFor();
    await page.getByLabel('Features', { exact: true }).fill('2');
    void tables;
  });

  it('cancels a long MI job', async () => {
    const csv = path.join(folder, 'long.csv');
    nonLinearTable(csv, 40_000);
    const tables = new TablesPage(page);
    await tables.open(csv);
    await tables.chooseTarget('y');
    await tables.permutations.fill('2000');
    await tables.estimateButton.click();
    const progress = tables.progress('Estimating mutual information');
    await progress.waitFor();
    await progress.getByRole('button', { name: /^Cancel/ }).click();
    await page.getByText(/^Estimate cancelled\.|^This run cannot be cancelled/).waitFor({ timeout: 60_000 });
    expect(await page.getByText('Estimate cancelled. Nothing was changed.').count()).toBe(1);
  });

  it('draws a bench report with intervals, and says when energy is unavailable', async () => {
    const report = path.join(folder, 'bench.json');
    const interval = (median: number, low: number, high: number) => ({ median, low, high });
    writeFileSync(
      report,
      JSON.stringify({
        milensVersion: '0.1.0',
        startedAt: '2026-12-02T10:00:00Z',
        finishedAt: '2026-12-02T10:05:00Z',
        machine: {
          os: 'linux',
          release: '6',
          arch: 'x64',
          cpuModel: 'Test CPU',
          cpuCount: 2,
          totalMemoryBytes: 1,
          powerSource: null,
          versions: {},
        },
        protocol: {
          trials: 5,
          warmups: 2,
          minWindowMs: 1000,
          intervalMethod: 'bootstrap of the median',
          order: 'interleaved',
          baseline: 'idle',
          size: 'full',
        },
        sources: [{ name: 'linux-rapl', available: false, reason: 'energy_uj is readable by root only', fix: 'sudo chmod a+r …' }],
        energyUnavailable: 'no energy counter could be read',
        results: [
          {
            workload: 'ksg-mi',
            backend: 'cpu',
            dataShape: '100,000 rows × 10 continuous features, k = 3',
            repetitions: 3,
            trials: 5,
            secondsPerOperation: interval(0.37, 0.352, 0.391),
            secondsSamples: [0.37],
            energy: [{ source: 'linux-rapl', available: false, reason: 'energy_uj is readable by root only' }],
            notes: [],
          },
        ],
        warnings: [],
      }),
    );
    await shell.goTo('Benchmarks');
    const rows = await new BenchmarksPage(page).open(report);
    expect(rows[0]).toEqual([
      'ksg-mi',
      '100,000 rows × 10 continuous features, k = 3',
      'cpu',
      '370 ms (352 ms–391 ms)',
      '',
      'linux-rapl unavailable: energy_uj is readable by root only',
    ]);
    await page.getByText('Energy unavailable: no energy counter could be read').waitFor();
    await shell.screenshots(SCREENSHOTS, 'benchmarks');
  });

  it('shows Settings with the backends of this machine, expected absences as information', async () => {
    await shell.goTo('Settings');
    const settings = new SettingsPage(page);
    await settings.waitUntilLoaded();
    expect((await settings.databasePath.textContent())?.trim()).toBe(databasePath);
    const rows = await settings.backendRows();
    expect(rows.find((row) => row.name.startsWith('typescript'))).toMatchObject({ built: 'yes', available: 'yes' });
    expect(rows.filter((row) => row.inUse === 'in use')).toHaveLength(1);
    if (process.platform !== 'darwin') expect(await settings.availabilityClass('metal')).toBe('info');
    await shell.screenshots(SCREENSHOTS, 'settings');
  });

  it('has no serious or critical accessibility violations on any view', { timeout: 300_000 }, async () => {
    const search = new SearchPage(page);
    const findings: Record<string, unknown[]> = {};
    await shell.goTo('Search');
    await search.search('entropy');
    await search.openWhy(0);
    findings.search = await shell.seriousAccessibilityViolations();
    for (const view of ['Collections', 'Tables', 'Benchmarks', 'Settings'] as const) {
      await shell.goTo(view);
      if (view === 'Settings') await new SettingsPage(page).waitUntilLoaded();
      findings[view] = await shell.seriousAccessibilityViolations();
    }
    expect(findings).toEqual({ search: [], Collections: [], Tables: [], Benchmarks: [], Settings: [] });
  });

  it('moves between views with the keyboard alone', async () => {
    await shell.goToWithKeyboard('Tables');
    expect(await shell.currentView()).toBe('Tables');
    await shell.goToWithKeyboard('Settings');
    expect(await shell.currentView()).toBe('Settings');
  });

  it('keeps the page within its Content-Security-Policy', () => {
    expect(shell.cspViolations).toEqual([]);
    expect(shell.problems).toEqual([]);
  });

  it('answers a page request without the token, or with a wrong one, with words', async () => {
    const missing = await fetch(`${serve.origin}/`);
    expect(missing.status).toBe(401);
    expect(await missing.text()).toMatch(/<h1>This address needs its access token<\/h1>/);
    const wrong = await fetch(`${serve.origin}/?token=not-the-token`);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toMatch(/old or wrong access token/);
    const api = await fetch(`${serve.origin}/api/listBackends`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${serve.token}` },
      body: '{"args":[]}',
    });
    expect(api.status).toBe(200);
  });
});
