// End to end: the real `milens serve` in a child process, driven by Debian's Chromium through
// playwright-core. Checks real content (the backends of this machine, the temporary database) and that
// the server refuses requests without the token. Never downloads a browser: skips without
// /usr/bin/chromium.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, openAppInChromium } from './chromium.js';
import type { AppShell } from './pages/app-shell.js';
import { SearchPage } from './pages/search-page.js';
import { SystemPage } from './pages/system-page.js';
import { TablesPage } from './pages/tables-page.js';
import { missingBuild, startServeProcess, type ServeProcess } from './serve-process.js';

describe.skipIf(chromiumMissing)(`the milens interface in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let folder: string;
  let databasePath: string;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let shell: AppShell;

  beforeAll(async () => {
    const buildProblem = missingBuild();
    if (buildProblem) throw new Error(buildProblem);
    folder = mkdtempSync(path.join(os.tmpdir(), 'milens-e2e-'));
    databasePath = path.join(folder, 'e2e.sqlite');
    serve = await startServeProcess(databasePath, folder);
    ({ browser, page, shell } = await openAppInChromium(serve.url));
  });

  afterAll(async () => {
    await browser?.close();
    const exitCode = serve ? await serve.stop() : 0;
    if (folder) rmSync(folder, { recursive: true, force: true });
    // A clean shutdown on SIGTERM closes the database and exits 0.
    expect(exitCode, serve?.stderr()).toBe(0);
  });

  it('opens on the System page and takes the token out of the address bar', async () => {
    expect(await shell.currentPage()).toBe('System');
    expect(page.url()).toBe(`${serve.origin}/`);
  });

  it('lists the compute backends of this machine', async () => {
    const system = new SystemPage(page);
    await system.waitUntilLoaded();
    const rows = await system.backendRows();
    const byName = new Map(rows.map((row) => [row.name, row]));
    expect(byName.get('typescript')).toMatchObject({ built: 'yes', available: 'yes' });
    expect(['yes', 'no']).toContain(byName.get('cpu')?.available);
    // Exactly one backend is in use, and it is an available one.
    const inUse = rows.filter((row) => row.inUse === 'in use');
    expect(inUse).toHaveLength(1);
    expect(inUse[0].available).toBe('yes');
  });

  it("shows the doctor's report on the temporary database", async () => {
    const system = new SystemPage(page);
    await system.waitUntilLoaded();
    expect((await system.databasePath.textContent())?.trim()).toBe(databasePath);
    expect((await system.modelsFolder.textContent())?.trim()).toBe(path.join(folder, 'models'));
    expect(await system.section('Platform')).toContain(`${os.cpus().length} threads`);
  });

  it('indexes a folder and searches it, with PMI in bits and a clear "nothing here matches"', async () => {
    const documents = path.join(folder, 'documents');
    mkdirSync(documents);
    writeFileSync(
      path.join(documents, 'entropy.md'),
      '# Entropy\nThe entropy of a source bounds the average length of any lossless code.\n',
    );
    writeFileSync(path.join(documents, 'garden.md'), '# Gardening\nTomatoes need sun, water and patience; prune them weekly.\n');
    writeFileSync(path.join(documents, 'bread.txt'), 'Bread needs flour, water, salt and yeast. Knead it for ten minutes.\n');
    // The page follows index progress over server-sent events, authenticated like every API call.
    const eventStream = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/events');
    await shell.goTo('Search');
    const events = await eventStream;
    expect(events.status()).toBe(200);
    expect(events.headers()['content-type']).toBe('text/event-stream; charset=utf-8');
    const search = new SearchPage(page);
    const added = await search.addFolder(documents);
    if (added.kind === 'notice') {
      // Collections are another engineer's work in progress: the page must still say why, calmly.
      expect(added.text).toMatch(/Adding the folder|Indexing/);
      return;
    }
    expect(added.summary).toMatch(/Indexed documents in .* 3 added/);
    expect(await search.collectionNames()).toEqual(['documents']);

    const found = await search.search('entropy of a lossless code');
    expect(found.kind).toBe('results');
    if (found.kind !== 'results') return;
    expect(found.results[0]).toMatchObject({ title: 'Entropy', path: path.join(documents, 'entropy.md') });
    expect(found.results[0].pmi).toMatch(/^PMI \d+\.\d bits$/);

    expect(await search.search('quantum chromodynamics')).toEqual({ kind: 'nothing-matches' });
  });

  it('scores a table, or says why it cannot', async () => {
    const csv = path.join(folder, 'table.csv');
    const lines = ['x,y,noise'];
    for (let index = 0; index < 200; index += 1) {
      const x = index / 100 - 1;
      lines.push(`${x},${x * x + 0.01 * Math.sin(index * 7)},${Math.sin(index * 13.7)}`);
    }
    writeFileSync(csv, `${lines.join('\n')}\n`);
    await shell.goTo('Tables');
    const outcome = await new TablesPage(page).estimate(csv, 'y');
    if (outcome.kind === 'notice') {
      expect(outcome.text).toMatch(/Estimating mutual information/);
    } else {
      expect(outcome.features.sort()).toEqual(['noise', 'x']);
      // y = x² is invisible to correlation over a symmetric range but not to mutual information.
      expect(outcome.highlighted).toContain('x');
    }
  });

  it('moves between pages with the keyboard alone', async () => {
    await shell.goToWithKeyboard('Tables');
    expect(await shell.currentPage()).toBe('Tables');
    await shell.goToWithKeyboard('System');
    expect(await shell.currentPage()).toBe('System');
  });

  it('keeps the page within its Content-Security-Policy', () => {
    expect(shell.cspViolations).toEqual([]);
    expect(shell.problems).toEqual([]);
  });

  it('refuses requests without the token', async () => {
    const page = await fetch(`${serve.origin}/`);
    expect(page.status).toBe(401);
    const api = await fetch(`${serve.origin}/api/listBackends`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"args":[]}',
    });
    expect(api.status).toBe(401);
    const events = await fetch(`${serve.origin}/api/events`);
    expect(events.status).toBe(401);
    const wrong = await fetch(`${serve.origin}/api/listBackends`, {
      method: 'POST',
      headers: { Authorization: 'Bearer not-the-token' },
      body: '{"args":[]}',
    });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${serve.origin}/api/listBackends`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${serve.token}` },
      body: '{"args":[]}',
    });
    expect(right.status).toBe(200);
  });
});
