// Page object of the Collections view: the add-a-folder form, the one status line, each collection's
// line with its progress, Cancel and Remove, and the undo bar.
import type { Locator, Page } from 'playwright-core';

export type AddFolderOutcome = { kind: 'indexed'; summary: string } | { kind: 'refused'; text: string } | { kind: 'other'; text: string };

export class CollectionsPage {
  readonly folderInput: Locator;
  readonly status: Locator;
  readonly list: Locator;

  constructor(readonly page: Page) {
    this.folderInput = page.getByLabel('Folder', { exact: true });
    this.status = page.getByTestId('status-line');
    this.list = page.getByRole('list', { name: 'Collections' });
  }

  async statusText(): Promise<string> {
    return ((await this.status.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  /** Types a folder and presses Enter; waits for the run to end (or the refusal). */
  async addFolder(folder: string, timeout = 60_000): Promise<AddFolderOutcome> {
    await this.folderInput.fill(folder);
    await this.folderInput.press('Enter');
    const done = this.status
      .locator('.status-success, .status-error, .status-info')
      .filter({ hasText: /^(Indexed |The folder was not added|Indexing .* (failed|was cancelled))/ });
    await done.first().waitFor({ timeout });
    const text = await this.statusText();
    if (text.startsWith('Indexed ')) return { kind: 'indexed', summary: text };
    if (text.startsWith('The folder was not added')) return { kind: 'refused', text };
    return { kind: 'other', text };
  }

  /** Types a folder and presses Enter without waiting for the run. */
  async startAdding(folder: string): Promise<void> {
    await this.folderInput.fill(folder);
    await this.folderInput.press('Enter');
  }

  /**
   * Types a folder, presses Enter, and waits for its indexing to show progress ("40 of 125 files · …")
   * and then to end; returns the progress line seen and the final status.
   */
  async addFolderWatchingProgress(
    folder: string,
    name: string,
    timeout = 120_000,
  ): Promise<{ progress: string; outcome: AddFolderOutcome }> {
    await this.startAdding(folder);
    const line = this.collection(name)
      .locator('.job-progress .job-line')
      .filter({ hasText: /^\d+ of \d+ files/ });
    await line.waitFor({ timeout });
    const progress = ((await line.textContent()) ?? '').trim();
    const done = this.status.locator('.status-success, .status-error').filter({ hasText: /^(Indexed |Indexing .* failed)/ });
    await done.first().waitFor({ timeout });
    const text = await this.statusText();
    return { progress, outcome: text.startsWith('Indexed ') ? { kind: 'indexed', summary: text } : { kind: 'other', text } };
  }

  /** Drops `names` (as files of a DataTransfer, the way a browser hands over a dropped folder) on the add-a-folder area. */
  async dropOnAddArea(names: string[]): Promise<void> {
    const zone = this.page.locator('.drop-zone');
    const dataTransfer = await this.page.evaluateHandle((fileNames) => {
      const transfer = new DataTransfer();
      for (const fileName of fileNames) transfer.items.add(new File([], fileName));
      return transfer;
    }, names);
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
  }

  get dropNote(): Locator {
    return this.page.locator('.drop-zone [role="status"]');
  }

  collection(name: string): Locator {
    return this.list.locator('li.collection').filter({ has: this.page.locator('.collection-name', { hasText: name }) });
  }

  /** The "N documents · indexed …" line of a collection. */
  collectionSummary(name: string): Locator {
    return this.collection(name).getByTestId('collection-summary');
  }

  async waitForDocumentCount(name: string, count: number, timeout = 15_000): Promise<void> {
    await this.collectionSummary(name)
      .filter({ hasText: new RegExp(`^\\s*${count} documents`) })
      .waitFor({ timeout });
  }

  async collectionNames(): Promise<string[]> {
    return (await this.list.locator('.collection-name').allTextContents()).map((name) => name.trim());
  }

  /** Waits for the collection's progress line to show files counted, then presses its Cancel. */
  async cancelIndexing(name: string): Promise<string> {
    const progress = this.collection(name).locator('.job-progress');
    await progress.filter({ hasText: /\d+ of \d+ files/ }).waitFor({ timeout: 30_000 });
    const line = ((await progress.locator('.job-line').textContent()) ?? '').trim();
    await progress.getByRole('button', { name: /^Cancel/ }).click();
    return line;
  }

  async remove(name: string): Promise<void> {
    await this.collection(name)
      .getByRole('button', { name: `Remove ${name}` })
      .click();
  }

  get undoBar(): Locator {
    return this.page.locator('.undo-bar');
  }
}
