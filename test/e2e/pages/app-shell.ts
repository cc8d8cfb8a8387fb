// Page object of the milens window frame: the navigation between pages and the CSP / console watch.
import type { Page } from 'playwright-core';

export type PageName = 'System' | 'Search' | 'Tables';

export class AppShell {
  readonly problems: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      // The API answers "pending" with a 5xx while other parts are wired; the browser logs those
      // failed requests, which are not problems of the page itself.
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
    await this.page.getByRole('navigation', { name: 'Pages' }).waitFor();
  }

  async goTo(name: PageName): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
    await this.page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  }

  /** Reaches a page with the keyboard only: Tab until its link has focus, then Enter. */
  async goToWithKeyboard(name: PageName, maximumTabs = 20): Promise<void> {
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

  async currentPage(): Promise<string | null> {
    return this.page.getByRole('navigation', { name: 'Pages' }).locator('[aria-current="page"]').textContent();
  }
}
