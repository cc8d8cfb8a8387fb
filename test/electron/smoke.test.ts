// Smoke test of the Electron shell: launches the real app with Playwright's Electron driver on a
// temporary user-data folder and checks that the window shows the System page filled by the core over
// the preload bridge. Where the Electron binary is absent (it is an optional download) the test is
// skipped with the reason; nothing here fakes Electron.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../e2e/serve-process.js';
import { SettingsPage } from '../e2e/pages/settings-page.js';
import { findElectronBinary } from '../../scripts/lib/electron-binary.mjs';

const binary = findElectronBinary();
const builtApp = ['dist/main/app/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html'].find(
  (file) => !existsSync(path.join(REPOSITORY_ROOT, file)),
);
const skipReason = binary.reason ?? (builtApp ? `${builtApp} is missing: run \`npm run build\` first` : undefined);

describe.skipIf(skipReason)(`the Electron shell${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let application: ElectronApplication | undefined;
  const userData = mkdtempSync(path.join(os.tmpdir(), 'milens-electron-'));

  afterAll(async () => {
    await application?.close();
    rmSync(userData, { recursive: true, force: true });
  });

  it('opens a window showing the System page, filled through the preload bridge', async () => {
    application = await electron.launch({
      executablePath: binary.path,
      args: [REPOSITORY_ROOT],
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, MILENS_USER_DATA: userData, MILENS_HOME: userData },
    });
    const window = await application.firstWindow();
    expect(window.url()).toBe('app://milens/index.html');
    // The app opens on Search; the backends and the database live in Settings.
    await window.locator('nav a[href="#/settings"]').click();
    const system = new SettingsPage(window);
    await system.waitUntilLoaded();
    const names = (await system.backendRows()).map((row) => row.name);
    expect(names).toContain('typescript');
    expect((await system.databasePath.textContent())?.trim()).toBe(path.join(userData, 'milens.sqlite'));
    // The page has the bridge and nothing of Node.
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
});
