// Debian's Chromium for the end-to-end tests, driven through playwright-core: never a downloaded browser.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppShell } from './pages/app-shell.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when Chromium is installed. */
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;

export interface OpenedApp {
  browser: Browser;
  page: Page;
  shell: AppShell;
}

/** Launches Chromium and opens the app at `url` (with its token) in a 1280 × 800 page. */
export async function openAppInChromium(url: string): Promise<OpenedApp> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    // A context of its own: axe-core's Playwright runner opens helper pages in the page's context.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const shell = new AppShell(page);
    await shell.open(url);
    return { browser, page, shell };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
