// Smoke test of the Electron shell: launches the real app with Playwright's Electron driver on a temporary
// user-data folder and drives its window with the same page objects as the browser suite (test/e2e/pages):
// the app opens on Search with the query box focused, Settings is filled by the core over the preload
// bridge (and the page has nothing of Node), a folder typed in Collections is indexed by the core worker,
// and a search finds one of its notes. The app under test is MILENS_ELECTRON_BINARY (a packaged or unpacked
// app, as in the macOS workflow) or the electron package's binary on the built dist/; where neither exists
// (its binary is an optional download) the suite is skipped with the reason. Nothing here fakes Electron.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../e2e/serve-process.js';
import { AppShell } from '../e2e/pages/app-shell.js';
import { CollectionsPage } from '../e2e/pages/collections-page.js';
import { SearchPage } from '../e2e/pages/search-page.js';
import { SettingsPage } from '../e2e/pages/settings-page.js';
import { electronUnderTest, launchArguments } from './electron-under-test.js';

const target = electronUnderTest(process.env, REPOSITORY_ROOT);
if (target.reason && process.env.MILENS_REQUIRE_ELECTRON === '1')
  throw new Error(`MILENS_REQUIRE_ELECTRON=1, but there is no Electron to test: ${target.reason}`);

describe.skipIf(target.reason)(`the Electron shell${target.reason ? ` (skipped: ${target.reason})` : ` (${target.kind})`}`, () => {
  let application: ElectronApplication | undefined;
  let window: Page;
  let shell: AppShell;
  const userData = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'milens-electron-')));
  const notes = path.join(userData, 'notes');

  beforeAll(async () => {
    mkdirSync(notes);
    writeFileSync(path.join(notes, 'entropy.md'), '# Entropy\nThe entropy of a source bounds its lossless codes.\n');
    writeFileSync(path.join(notes, 'orchard.txt'), 'Apple harvest\n\nApples are picked in autumn.\n');
    application = await electron.launch({
      executablePath: target.executable!,
      args: launchArguments(target, REPOSITORY_ROOT),
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, MILENS_USER_DATA: userData, MILENS_HOME: userData },
    });
    window = await application.firstWindow();
    shell = new AppShell(window);
    await window.getByRole('navigation', { name: 'Views' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await application?.close();
    rmSync(userData, { recursive: true, force: true });
  });

  it('opens on Search with the query box focused', async () => {
    expect(window.url()).toMatch(/^app:\/\/milens\/index\.html/);
    expect(await shell.currentView()).toBe('Search');
    await expect.poll(() => shell.focusedId()).toBe('search-query');
  });

  it('shows Settings filled by the core over the preload bridge, and the page has nothing of Node', async () => {
    await shell.goTo('Settings');
    const settings = new SettingsPage(window);
    await settings.waitUntilLoaded();
    expect((await settings.backendRows()).map((row) => row.name)).toContain('typescript');
    expect((await settings.databasePath.textContent())?.trim()).toBe(path.join(userData, 'milens.sqlite'));
    expect(await window.evaluate(() => Object.keys((window as unknown as { milens: object }).milens).sort())).toEqual(['invoke', 'on']);
    expect(await window.evaluate(() => Object.keys((window as unknown as { milensDesktop: object }).milensDesktop).sort())).toEqual([
      'openItem',
      'pathForFile',
      'pickFolder',
      'revealItem',
    ]);
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  });

  it('indexes a folder typed in Collections', async () => {
    await shell.goTo('Collections');
    const collections = new CollectionsPage(window);
    const added = await collections.addFolder(notes);
    expect(added).toEqual({ kind: 'indexed', summary: expect.stringMatching(/^Indexed notes in [\d.]+ s: 2 added/) });
    await collections.waitForDocumentCount('notes', 2);
  });

  it('finds a note of that folder from Search', async () => {
    await shell.goTo('Search');
    const outcome = await new SearchPage(window).search('entropy lossless');
    expect(outcome.kind).toBe('results');
    expect(outcome.kind === 'results' && outcome.results[0]).toMatchObject({ path: path.join(notes, 'entropy.md') });
    expect(shell.cspViolations).toEqual([]);
  });
});
