// Page object of the Search page: the search box, its outcome, and the collections form.
import type { Locator, Page } from 'playwright-core';

export interface ShownResult {
  title: string;
  path: string;
  pmi: string;
}

export type SearchOutcome = { kind: 'results'; results: ShownResult[] } | { kind: 'nothing-matches' } | { kind: 'notice'; text: string };
export type AddFolderOutcome = { kind: 'indexed'; summary: string } | { kind: 'notice'; text: string };

export class SearchPage {
  readonly queryInput: Locator;
  readonly folderInput: Locator;

  constructor(readonly page: Page) {
    this.queryInput = page.getByLabel('Search query');
    this.folderInput = page.getByLabel('Folder', { exact: true });
  }

  /** Adds a folder as a collection; the page indexes it at once. */
  async addFolder(folder: string): Promise<AddFolderOutcome> {
    await this.folderInput.fill(folder);
    await this.folderInput.press('Enter');
    const summary = this.page.getByText(/^Indexed /);
    const notice = this.page.locator('.notice').filter({ hasText: /Adding the folder|Indexing/ });
    await summary.or(notice).first().waitFor({ timeout: 60_000 });
    if (await notice.isVisible()) return { kind: 'notice', text: (await notice.textContent()) ?? '' };
    return { kind: 'indexed', summary: (await summary.textContent()) ?? '' };
  }

  /** The "N documents · indexed …" line of a collection. */
  collectionSummary(name: string): Locator {
    return this.page
      .getByRole('list', { name: 'Collections' })
      .locator('li')
      .filter({ has: this.page.locator('strong', { hasText: name }) })
      .getByTestId('collection-summary');
  }

  /** Waits until the collection's line shows this many documents (a background re-index refreshes it). */
  async waitForDocumentCount(name: string, count: number, timeout = 15_000): Promise<void> {
    await this.collectionSummary(name)
      .filter({ hasText: new RegExp(`^\\s*${count} documents`) })
      .waitFor({ timeout });
  }

  /** The page's note about the latest background run that changed something. */
  get backgroundSummary(): Locator {
    return this.page.getByTestId('background-summary');
  }

  async collectionNames(): Promise<string[]> {
    return (await this.page.getByRole('list', { name: 'Collections' }).locator('li strong').allTextContents()).map((name) => name.trim());
  }

  async search(query: string): Promise<SearchOutcome> {
    await this.queryInput.fill(query);
    await this.queryInput.press('Enter');
    // The outcome is tagged with its query, so a previous search's results are never mistaken for this one's.
    const outcome = this.page.locator('.search-outcome').and(this.page.locator(`[data-query="${query.replaceAll('"', '\\"')}"]`));
    const results = outcome.getByRole('list', { name: 'Search results' });
    const nothing = outcome.getByText(/^Nothing here matches/);
    const notice = this.page.locator('.notice').filter({ hasText: 'Searching' });
    await outcome.or(notice).first().waitFor();
    if (await nothing.isVisible()) return { kind: 'nothing-matches' };
    if (await results.isVisible()) {
      const items = results.getByRole('listitem');
      const shown: ShownResult[] = [];
      for (let index = 0; index < (await items.count()); index += 1) {
        const item = items.nth(index);
        shown.push({
          title: ((await item.locator('.result-title').textContent()) ?? '').trim(),
          path: ((await item.locator('.result-path').textContent()) ?? '').trim(),
          pmi: ((await item.locator('.pmi').textContent()) ?? '').trim(),
        });
      }
      return { kind: 'results', results: shown };
    }
    return { kind: 'notice', text: (await notice.textContent()) ?? '' };
  }
}
