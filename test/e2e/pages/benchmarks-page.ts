// Page object of the Benchmarks view: open a saved `milens bench --json` report and read its rows.
import type { Locator, Page } from 'playwright-core';

export class BenchmarksPage {
  readonly fileInput: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.fileInput = page.getByLabel('Or open a saved report (JSON)');
    this.table = page.getByRole('table', { name: 'Benchmark operations' });
  }

  async open(file: string): Promise<string[][]> {
    await this.fileInput.setInputFiles(file);
    await this.table.waitFor();
    const rows = this.table.locator('tbody tr');
    const shown: string[][] = [];
    for (let index = 0; index < (await rows.count()); index += 1) {
      shown.push((await rows.nth(index).locator('th, td').allTextContents()).map((cell) => cell.replace(/\s+/g, ' ').trim()));
    }
    return shown;
  }
}
