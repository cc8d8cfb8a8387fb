// Page object of the Tables view: open a file, the columns it shows, the target, the MI report (sortable
// table and scatter), its progress / Cancel, and the feature selection.
import type { Locator, Page } from 'playwright-core';

export interface ShownColumn {
  name: string;
  kind: string;
  missing: string;
}

export interface ShownFeature {
  name: string;
  mi: number;
  pearson: number | null;
  missed: boolean;
}

export class TablesPage {
  readonly tablePath: Locator;
  readonly columnsTable: Locator;
  readonly featureTable: Locator;
  readonly permutations: Locator;

  constructor(readonly page: Page) {
    this.tablePath = page.getByLabel('CSV or Parquet file');
    this.columnsTable = page.getByRole('table', { name: 'Columns of the table' });
    this.featureTable = page.getByTestId('feature-table');
    this.permutations = page.getByLabel('Permutations');
  }

  async open(file: string): Promise<ShownColumn[]> {
    await this.tablePath.fill(file);
    await this.tablePath.press('Enter');
    await this.columnsTable.waitFor();
    const rows = this.columnsTable.locator('tbody tr');
    const shown: ShownColumn[] = [];
    for (let index = 0; index < (await rows.count()); index += 1) {
      const row = rows.nth(index);
      shown.push({
        name: ((await row.locator('th code').textContent()) ?? '').trim(),
        kind: ((await row.locator('select option:checked').textContent()) ?? '').trim(),
        missing: ((await row.locator('td').nth(2).textContent()) ?? '').trim(),
      });
    }
    return shown;
  }

  async chooseTarget(name: string): Promise<void> {
    await this.page.getByLabel(`Target: ${name}`).check();
  }

  get estimateButton(): Locator {
    return this.page.getByRole('button', { name: 'Estimate MI' });
  }

  /** Starts an estimate and waits for the report. */
  async estimate(): Promise<ShownFeature[]> {
    await this.estimateButton.click();
    await this.featureTable.waitFor({ timeout: 120_000 });
    return this.features();
  }

  async features(): Promise<ShownFeature[]> {
    const rows = this.featureTable.locator('tbody tr');
    const shown: ShownFeature[] = [];
    for (let index = 0; index < (await rows.count()); index += 1) {
      const row = rows.nth(index);
      const cells = await row.locator('td').allTextContents();
      const pearson = cells[1]?.trim();
      shown.push({
        name: ((await row.locator('th code').textContent()) ?? '').trim(),
        mi: Number.parseFloat(cells[0] ?? ''),
        pearson: pearson === '–' ? null : Number.parseFloat(pearson ?? ''),
        missed: (await row.getAttribute('class'))?.includes('missed-row') ?? false,
      });
    }
    return shown;
  }

  async sortBy(label: string): Promise<void> {
    await this.featureTable.getByRole('button', { name: new RegExp(`^${label}`) }).click();
  }

  progress(label: 'Estimating mutual information' | 'Selecting features'): Locator {
    return this.page.locator('.job-progress').filter({ has: this.page.getByRole('button', { name: `Cancel: ${label}` }) });
  }

  async select(method: string, count: number): Promise<string[]> {
    await this.page.getByLabel('Method').selectOption(method);
    await this.page.getByLabel('Features', { exact: true }).fill(String(count));
    await this.page.getByRole('button', { name: 'Select features' }).click();
    const list = this.page.getByRole('list', { name: 'Selected features' });
    await list.waitFor({ timeout: 120_000 });
    return (await list.locator('li code').allTextContents()).map((name) => name.trim());
  }
}
