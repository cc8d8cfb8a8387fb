// Page object of the milens window frame: the navigation between views, the keyboard shortcuts, the
// CSP / console watch, screenshots of a view in both themes and sizes, and the axe accessibility check.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export type ViewName = 'Search' | 'Collections' | 'Tables' | 'Benchmarks' | 'Settings';

export const SCREEN_SIZES = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '800x600', width: 800, height: 600 },
  // A phone-narrow window: the layout must still hold.
  { name: '400x720', width: 400, height: 720 },
] as const;

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

export class AppShell {
  readonly problems: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      // A refused API call (a relative folder, a cancelled job) is an HTTP 4xx the browser logs; the page
      // shows it in words, so it is not a problem of the page itself.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) this.problems.push(message.text());
    });
    page.on('pageerror', (error) => this.problems.push(`uncaught: ${error.message}`));
  }

  /** Content-Security-Policy violations reported by Chromium. */
  get cspViolations(): string[] {
    return this.problems.filter((text) => /Content Security Policy|Refused to (load|execute|apply)/i.test(text));
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('navigation', { name: 'Views' }).waitFor();
  }

  async goTo(name: ViewName): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true }).click();
    await this.page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  }

  /** Reaches a view with the keyboard only: Tab until its link has focus, then Enter. */
  async goToWithKeyboard(name: ViewName, maximumTabs = 20): Promise<void> {
    await this.page.locator('body').focus();
    for (let tabs = 0; tabs < maximumTabs; tabs += 1) {
      await this.page.keyboard.press('Tab');
      const focused = await this.page.evaluate(() => {
        const element = document.activeElement;
        return element?.closest('nav') ? element.textContent?.trim() : null;
      });
      if (focused === name) {
        await this.page.keyboard.press('Enter');
        await this.page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
        return;
      }
    }
    throw new Error(`The ${name} link never received focus within ${maximumTabs} presses of Tab`);
  }

  async currentView(): Promise<string | null> {
    const text = await this.page.getByRole('navigation', { name: 'Views' }).locator('[aria-current="page"]').textContent();
    return text?.trim() ?? null;
  }

  /** The id of the focused element. */
  async focusedId(): Promise<string> {
    return this.page.evaluate(() => document.activeElement?.id ?? '');
  }

  /** Screenshots of the view as it is now, light and dark, at each size, into `folder` as `<view>-<theme>-<size>.png`. */
  async screenshots(folder: string, view: string): Promise<string[]> {
    mkdirSync(folder, { recursive: true });
    const written: string[] = [];
    const original = this.page.viewportSize();
    for (const colorScheme of ['light', 'dark'] as const) {
      await this.page.emulateMedia({ colorScheme });
      for (const size of SCREEN_SIZES) {
        await this.page.setViewportSize({ width: size.width, height: size.height });
        const file = path.join(folder, `${view}-${colorScheme}-${size.name}.png`);
        await this.page.screenshot({ path: file });
        written.push(file);
      }
    }
    await this.page.emulateMedia({ colorScheme: 'light' });
    if (original) await this.page.setViewportSize(original);
    return written;
  }

  /** Serious and critical axe-core violations on the page as it is now, in light and dark. */
  async seriousAccessibilityViolations(): Promise<AxeFinding[]> {
    const findings: AxeFinding[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      await this.page.emulateMedia({ colorScheme });
      const results = await new AxeBuilder({ page: this.page }).analyze();
      for (const violation of results.violations) {
        if (violation.impact !== 'serious' && violation.impact !== 'critical') continue;
        findings.push({
          id: `${colorScheme}: ${violation.id}`,
          impact: violation.impact,
          help: violation.help,
          targets: violation.nodes.map((node) => node.target.join(' ')),
        });
      }
    }
    await this.page.emulateMedia({ colorScheme: 'light' });
    return findings;
  }
}
