// Page object of the Search view: the query box, its outcome (results, "nothing here matches"), the
// "why" panel and the large preview.
import type { Locator, Page } from 'playwright-core';

export interface ShownResult {
  title: string;
  path: string;
  pmi: string;
  /** The words marked in its snippet. */
  marked: string[];
}

export type SearchOutcome = { kind: 'results'; results: ShownResult[] } | { kind: 'nothing-matches' } | { kind: 'notice'; text: string };

export class SearchPage {
  readonly queryInput: Locator;
  readonly whyPanel: Locator;
  readonly preview: Locator;

  constructor(readonly page: Page) {
    this.queryInput = page.getByLabel('Search query');
    this.whyPanel = page.getByRole('complementary');
    this.preview = page.getByRole('dialog');
  }

  outcome(query: string): Locator {
    // The outcome is tagged with its query, so a previous search's results are never mistaken for this one's.
    return this.page.locator(`.search-outcome[data-query="${query.replaceAll('"', '\\"')}"]`);
  }

  async search(query: string): Promise<SearchOutcome> {
    await this.queryInput.fill(query);
    await this.queryInput.press('Enter');
    return this.readOutcome(query);
  }

  async readOutcome(query: string): Promise<SearchOutcome> {
    const outcome = this.outcome(query);
    const results = outcome.getByRole('list', { name: 'Search results' });
    const nothing = outcome.getByRole('heading', { name: /^Nothing here matches/ });
    const notice = this.page.locator('.notice').filter({ hasText: 'Searching' });
    await results.or(nothing).or(notice).first().waitFor();
    if (await nothing.isVisible()) return { kind: 'nothing-matches' };
    if (await notice.isVisible()) return { kind: 'notice', text: (await notice.textContent()) ?? '' };
    const items = results.getByRole('listitem');
    const shown: ShownResult[] = [];
    for (let index = 0; index < (await items.count()); index += 1) {
      const item = items.nth(index);
      shown.push({
        title: ((await item.locator('.result-title').textContent()) ?? '').trim(),
        path: (await item.locator('.result-path').getAttribute('data-path')) ?? '',
        pmi: ((await item.locator('.pmi').textContent()) ?? '').trim(),
        marked: (await item.locator('.result-snippet mark').allTextContents()).map((word) => word.toLowerCase()),
      });
    }
    return { kind: 'results', results: shown };
  }

  result(index: number): Locator {
    return this.page.getByRole('list', { name: 'Search results' }).getByRole('listitem').nth(index);
  }

  /** Opens the "why" panel of a result; returns its text. */
  async openWhy(index: number): Promise<string> {
    await this.result(index).getByRole('button', { name: /^Why / }).click();
    await this.whyPanel.waitFor();
    return ((await this.whyPanel.textContent()) ?? '').replace(/\s+/g, ' ');
  }

  /** Opens a result's large preview by its title; returns the dialog's heading and position ("1 of 3"). */
  async openPreview(index: number): Promise<{ title: string; position: string }> {
    await this.result(index).locator('.result-title').click();
    await this.preview.waitFor();
    return this.previewState();
  }

  async previewState(): Promise<{ title: string; position: string }> {
    return {
      title: ((await this.preview.getByRole('heading').first().textContent()) ?? '').trim(),
      position: ((await this.preview.getByText(/^\d+ of \d+$/).textContent()) ?? '').trim(),
    };
  }

  /** The "Open" link of a result (browser): its address. */
  async openLink(index: number): Promise<string | null> {
    return this.result(index)
      .getByRole('link', { name: /^Open / })
      .getAttribute('href');
  }
}
