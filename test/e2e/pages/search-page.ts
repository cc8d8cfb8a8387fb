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

/** One tile of the photo grid. */
export interface ShownPhoto {
  path: string;
  /** The bits badge on the tile ("5.9 bits"). */
  bits: string;
  /** How many near-duplicates are folded into it (the "+N" badge), 0 without one. */
  folded: number;
}

export type SearchOutcome =
  { kind: 'results'; results: ShownResult[]; photos: ShownPhoto[] } | { kind: 'nothing-matches' } | { kind: 'notice'; text: string };

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
    const photoGrid = outcome.getByRole('list', { name: 'Photo results' });
    const nothing = outcome.getByRole('heading', { name: /^Nothing here matches/ });
    const notice = this.page.locator('.notice').filter({ hasText: 'Searching' });
    await results.or(photoGrid).or(nothing).or(notice).first().waitFor();
    if (await nothing.isVisible()) return { kind: 'nothing-matches' };
    if (await notice.isVisible()) return { kind: 'notice', text: (await notice.textContent()) ?? '' };
    const items = results.getByRole('listitem');
    const shown: ShownResult[] = [];
    const photos = (await photoGrid.count()) > 0 ? await this.photoTiles(query) : [];
    for (let index = 0; index < (await items.count()); index += 1) {
      const item = items.nth(index);
      shown.push({
        title: ((await item.locator('.result-title').textContent()) ?? '').trim(),
        path: (await item.locator('.result-path').getAttribute('data-path')) ?? '',
        pmi: ((await item.locator('.pmi').textContent()) ?? '').trim(),
        marked: (await item.locator('.result-snippet mark').allTextContents()).map((word) => word.toLowerCase()),
      });
    }
    return { kind: 'results', results: shown, photos };
  }

  /** The tiles of the photo grid of the search for `query`, in the order shown. */
  async photoTiles(query: string): Promise<ShownPhoto[]> {
    const tiles = this.outcome(query).getByRole('list', { name: 'Photo results' }).getByRole('listitem');
    const shown: ShownPhoto[] = [];
    for (let index = 0; index < (await tiles.count()); index += 1) {
      const tile = tiles.nth(index);
      const badge = tile.locator('.folded-badge');
      shown.push({
        path: (await tile.getAttribute('data-path')) ?? '',
        bits: ((await tile.locator('.bits-badge').textContent()) ?? '').trim(),
        folded: (await badge.count()) > 0 ? Number.parseInt(((await badge.textContent()) ?? '').replace('+', ''), 10) : 0,
      });
    }
    return shown;
  }

  photoTile(index: number): Locator {
    return this.page.getByRole('list', { name: 'Photo results' }).getByRole('listitem').nth(index);
  }

  /** Whether every thumbnail of the grid has loaded real pixels (not a broken image). */
  async thumbnailsLoaded(): Promise<{ count: number; loaded: number }> {
    const images = this.page.getByRole('list', { name: 'Photo results' }).locator('img');
    await expectImagesSettled(images);
    return images.evaluateAll((elements) => ({
      count: elements.length,
      loaded: elements.filter((element) => (element as HTMLImageElement).naturalWidth > 0).length,
    }));
  }

  /** Chooses Everything, Documents or Photos (the search, if any, runs again). */
  async chooseKind(label: 'Everything' | 'Documents' | 'Photos'): Promise<void> {
    await this.page.getByRole('radiogroup', { name: 'Kind' }).getByRole('radio', { name: label }).click();
  }

  /** On "nothing here matches": presses "Show weaker results" and waits for the weaker list. */
  async showWeaker(query: string): Promise<SearchOutcome> {
    await this.outcome(query).getByRole('button', { name: 'Show weaker results' }).click();
    await this.page
      .getByRole('note')
      .filter({ hasText: /^Weaker results are included/ })
      .waitFor();
    return this.readOutcome(query);
  }

  /** Opens the "why" panel of a photo tile; returns its text. */
  async openPhotoWhy(index: number): Promise<string> {
    await this.photoTile(index).getByRole('button', { name: /^Why / }).click();
    await this.whyPanel.waitFor();
    return ((await this.whyPanel.textContent()) ?? '').replace(/\s+/g, ' ');
  }

  /** A fact of the open "why" panel by its label ("Raw cosine"). */
  async whyFact(label: string): Promise<string> {
    const term = this.whyPanel.locator('dt').filter({ hasText: new RegExp(`^${label}$`) });
    return ((await term.locator('xpath=following-sibling::dd[1]').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  /** The file names listed under "Near-duplicates folded in" in the open "why" panel. */
  async whyFolded(): Promise<string[]> {
    const heading = this.whyPanel.getByRole('heading', { name: /^Near-duplicates folded in/ });
    if ((await heading.count()) === 0) return [];
    return (await heading.locator('xpath=following-sibling::ul[1]/li/code').allTextContents()).map((name) => name.trim());
  }

  /** Opens a photo's large preview by its tile. */
  async openPhotoPreview(index: number): Promise<{ title: string; position: string }> {
    await this.photoTile(index).locator('.photo-button').click();
    await this.preview.waitFor();
    return this.previewState();
  }

  /** Whether the preview shows a large image that has loaded. */
  async previewImageLoaded(): Promise<boolean> {
    const image = this.preview.locator('img.preview-image');
    await expectImagesSettled(image);
    return image.evaluate((element) => (element as HTMLImageElement).naturalWidth > 0);
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

/** Waits until every image of `images` has finished loading (or failed). */
async function expectImagesSettled(images: Locator): Promise<void> {
  await images.first().waitFor();
  await images.evaluateAll((elements) =>
    Promise.all(
      elements.map((element) => {
        const image = element as HTMLImageElement;
        // Lazy thumbnails below the fold load only once in view: ask for them now.
        image.loading = 'eager';
        if (image.complete) return undefined;
        return new Promise((resolve) => {
          image.addEventListener('load', resolve, { once: true });
          image.addEventListener('error', resolve, { once: true });
        });
      }),
    ),
  );
}
