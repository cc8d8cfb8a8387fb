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

/** Launches Chromium and opens the app at `url` (with its token) in a 1200 × 900 page. */
export async function openAppInChromium(url: string): Promise<OpenedApp> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const shell = new AppShell(page);
    await shell.open(url);
    return { browser, page, shell };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
