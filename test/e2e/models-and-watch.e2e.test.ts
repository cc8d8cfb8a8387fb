// End to end, the app shell's background work: the System page's models panel downloading a model from a
// local mirror (MILENS_MODEL_BASE_URL / MILENS_MODEL_MANIFEST pointing at generated files with real
// checksums, served slowly enough that progress shows), a download cancelled part-way (the mirror holds the
// transfer open until then) and then completed, failed downloads shown in words (a 404, and a mirror that
// closes the connection part-way on every attempt), and
// the Search page refreshing a collection that `milens serve` re-indexed in the background after a file
// was written into its folder. Debian's Chromium through playwright-core; skipped without it.
// With MILENS_E2E_SCREENSHOTS=<folder>, screenshots of both pages are saved there for a visual check.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModel, type TestModel } from '../models/test-manifest.js';
import { chromiumMissing, openAppInChromium } from './chromium.js';
import type { AppShell } from './pages/app-shell.js';
import { SearchPage } from './pages/search-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { CollectionsPage } from './pages/collections-page.js';
import { missingBuild, startServeProcess, type ServeProcess } from './serve-process.js';

const SCREENSHOTS = process.env.MILENS_E2E_SCREENSHOTS;

/** Bytes per chunk and pause between chunks: about a second and a half for the test model's 3.3 MB. */
const CHUNK_BYTES = 64 * 1024;
const CHUNK_PAUSE_MS = 25;
/** A stalled transfer holds back the rest of a file after this many bytes: past the core's 1 MiB progress step, so progress shows. */
const STALL_AFTER_BYTES = 1.25 * 1024 * 1024;

interface Mirror {
  baseUrl: string;
  requests: string[];
  /** Model ids whose transfers stop after STALL_AFTER_BYTES and stay open (a stalled network) until taken out. */
  stalled: Set<string>;
  /** Model ids whose transfers are cut (the socket destroyed) after the first chunk, every time. */
  cut: Set<string>;
  close(): Promise<void>;
}

/** A mirror serving `/mirror/<model id>/<file>` in paced chunks, as a slow network would; 404 for anything else. */
async function startSlowMirror(models: TestModel[]): Promise<Mirror> {
  const stalled = new Set<string>();
  const cut = new Set<string>();
  const files = new Map<string, Buffer>();
  for (const model of models) for (const [name, bytes] of model.bytes) files.set(`/mirror/${model.spec.id}/${name}`, bytes);
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(pathname);
    const body = files.get(pathname);
    if (!body) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    const modelId = pathname.split('/')[2] ?? '';
    let offset = 0;
    const next = () => {
      if (response.destroyed) return;
      if (offset > 0 && cut.has(modelId)) {
        response.destroy();
        return;
      }
      if (offset >= STALL_AFTER_BYTES && stalled.has(modelId)) {
        setTimeout(next, CHUNK_PAUSE_MS);
        return;
      }
      const chunk = body.subarray(offset, offset + CHUNK_BYTES);
      offset += chunk.length;
      if (offset >= body.length) response.end(chunk);
      else response.write(chunk, () => setTimeout(next, CHUNK_PAUSE_MS));
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/mirror`,
    requests,
    stalled,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(chromiumMissing)(
  `models and background re-indexing in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    const served = testModel('tiny-clip');
    // In the manifest but on no mirror: its download fails with a 404.
    const missing = testModel('absent-clip');
    // On the mirror, but every transfer of it is cut part-way.
    const broken = testModel('broken-clip');
    let folder: string;
    let mirror: Mirror;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;
    let shell: AppShell;

    beforeAll(async () => {
      const buildProblem = missingBuild();
      if (buildProblem) throw new Error(buildProblem);
      folder = mkdtempSync(path.join(os.tmpdir(), 'milens-e2e-models-'));
      const manifest = path.join(folder, 'manifest.json');
      writeFileSync(manifest, JSON.stringify([served.spec, missing.spec, broken.spec]));
      mirror = await startSlowMirror([served, broken]);
      mirror.cut.add('broken-clip');
      serve = await startServeProcess(path.join(folder, 'e2e.sqlite'), folder, {
        env: { MILENS_MODEL_BASE_URL: mirror.baseUrl, MILENS_MODEL_MANIFEST: manifest },
      });
      ({ browser, page, shell } = await openAppInChromium(serve.url));
      if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    });

    afterAll(async () => {
      await browser?.close();
      const exitCode = serve ? await serve.stop() : 0;
      await mirror?.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
      expect(exitCode, serve?.stderr()).toBe(0);
    });

    it("lists the manifest's models with size, licence and state", async () => {
      await shell.goTo('Settings');
      const system = new SettingsPage(page);
      await system.waitUntilLoaded();
      const rows = await system.modelRows();
      expect(rows.map((row) => row.id)).toEqual(['tiny-clip', 'absent-clip', 'broken-clip']);
      expect(rows[0]).toMatchObject({
        name: 'Tiny test model tiny-clip',
        size: '3.3 MiB',
        licence: 'MIT',
        status: 'not installed',
        canDownload: true,
      });
      expect(await system.section('Models')).toMatch(/Installed\s*none/);
    });

    it('cancels a download part-way, says so, and leaves the model not installed', async () => {
      const system = new SettingsPage(page);
      const row = system.modelRow('tiny-clip');
      mirror.stalled.add('tiny-clip');
      await system.download('tiny-clip');
      // Part of the first file arrived, the rest is held back: progress shows part of the model, then Cancel.
      await row
        .locator('.download-figures')
        .filter({ hasText: /^\s*1\.\d MiB of 3\.3 MiB \([1-9]\d %\)\s*$/ })
        .waitFor({ timeout: 30_000 });
      await system.cancelDownload('tiny-clip');
      await row
        .getByRole('status')
        .filter({ hasText: /^Download cancelled\. What was fetched is kept/ })
        .waitFor({ timeout: 30_000 });
      mirror.stalled.delete('tiny-clip');
      expect(await row.getByTestId('model-state').textContent()).toBe('not installed');
      expect(await row.getByRole('button', { name: /^Download / }).isEnabled()).toBe(true);
      // A cancel is not an error: no error notice.
      expect(await system.modelsTable.locator('tr[data-model-error="tiny-clip"]').count()).toBe(0);
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'system-download-cancelled.png'), fullPage: true });
    });

    it('downloads a model with progress, then shows it installed, in the doctor too', async () => {
      const system = new SettingsPage(page);
      const row = system.modelRow('tiny-clip');
      await system.download('tiny-clip');
      // Progress from modelDownloadProgress events: bytes of the whole model and a percentage, part-way through.
      const figures = row.locator('.download-figures').filter({ hasText: /^\s*[\d.]+ (KiB|MiB) of 3\.3 MiB \([1-9]\d? %\)\s*$/ });
      await figures.waitFor({ timeout: 30_000 });
      expect(await row.getByRole('button', { name: /^Download / }).isDisabled()).toBe(true);
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'system-downloading.png'), fullPage: true });

      expect(await system.waitForDownloadEnd('tiny-clip')).toEqual({ kind: 'installed' });
      expect(await row.getByRole('button', { name: /^Download / }).count()).toBe(0);
      // Every file came from the mirror.
      expect(new Set(mirror.requests)).toEqual(new Set([...served.bytes.keys()].map((name) => `/mirror/tiny-clip/${name}`)));
      // The doctor's report is refreshed and lists the installed model.
      await page.getByRole('region', { name: 'Models', exact: true }).getByText('tiny-clip').waitFor();
      expect(await system.section('Models')).toMatch(/Installed\s*tiny-clip/);
    });

    it('shows a failed download in the error notice and leaves the model not installed', async () => {
      const system = new SettingsPage(page);
      await system.download('absent-clip');
      const outcome = await system.waitForDownloadEnd('absent-clip');
      expect(outcome.kind).toBe('failed');
      if (outcome.kind !== 'failed') return;
      expect(outcome.text).toMatch(/Downloading Tiny test model absent-clip failed\./);
      expect(outcome.text).toMatch(/404/);
      expect(outcome.text).toContain('NOT_FOUND');
      const rows = await system.modelRows();
      expect(rows.find((row) => row.id === 'absent-clip')).toMatchObject({ canDownload: true });
      expect(rows.find((row) => row.id === 'absent-clip')?.status).toMatch(/^not installed/);
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'system-models.png'), fullPage: true });
    });

    it('says in words when the mirror closes the connection part-way on every attempt', { timeout: 60_000 }, async () => {
      const system = new SettingsPage(page);
      await system.download('broken-clip');
      const outcome = await system.waitForDownloadEnd('broken-clip');
      expect(outcome.kind).toBe('failed');
      if (outcome.kind !== 'failed') return;
      expect(outcome.text).toMatch(/Downloading Tiny test model broken-clip failed\./);
      expect(outcome.text).toMatch(
        /Download failed after 3 attempt\(s\): the transfer of \S+\/broken-clip\/\S+ (ended|broke off) after \d+ of \d+ bytes/,
      );
      expect(outcome.text).not.toMatch(/\n\s+at |Error: /);
      expect((await system.modelRows()).find((row) => row.id === 'broken-clip')).toMatchObject({
        status: 'not installed',
        canDownload: true,
      });
    });

    it('refreshes a collection that was re-indexed in the background', async () => {
      const documents = path.join(folder, 'documents');
      mkdirSync(documents);
      writeFileSync(path.join(documents, 'bread.txt'), 'Bread needs flour, water, salt and yeast. Knead it for ten minutes.\n');
      writeFileSync(path.join(documents, 'garden.md'), '# Gardening\nTomatoes need sun, water and patience; prune them weekly.\n');
      await shell.goTo('Collections');
      const collections = new CollectionsPage(page);
      const added = await collections.addFolder(documents);
      expect(added).toMatchObject({ kind: 'indexed' });
      await collections.waitForDocumentCount('documents', 2);

      // No index call from here on: the server's watcher notices the file and re-indexes.
      writeFileSync(path.join(documents, 'leaves.md'), '# Leaves\nPhotosynthesis in chlorophyll turns light, water and air into sugar.\n');
      await collections.waitForDocumentCount('documents', 3);
      expect(await collections.statusText()).toBe('Updated documents in the background: 1 added, 0 updated, 0 removed.');
      await shell.goTo('Search');
      const search = new SearchPage(page);
      const found = await search.search('photosynthesis chlorophyll');
      expect(found.kind).toBe('results');
      if (found.kind !== 'results') return;
      expect(found.results[0]).toMatchObject({ title: 'Leaves', path: path.join(documents, 'leaves.md') });
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'search.png'), fullPage: true });
    });

    it('keeps the page within its Content-Security-Policy', () => {
      expect(shell.cspViolations).toEqual([]);
      expect(shell.problems).toEqual([]);
    });
  },
);
