// Page object of the Tables page: the table / target form, the feature table, and its notices.
import type { Locator, Page } from 'playwright-core';

export type EstimateOutcome = { kind: 'table'; features: string[]; highlighted: string[] } | { kind: 'notice'; text: string };

export class TablesPage {
  readonly tablePath: Locator;
  readonly target: Locator;
  readonly permutations: Locator;
  readonly estimateButton: Locator;

  constructor(readonly page: Page) {
    this.tablePath = page.getByLabel('CSV or Parquet file');
    this.target = page.getByLabel('Target column');
    this.permutations = page.getByLabel('Permutations');
    this.estimateButton = page.getByRole('button', { name: 'Estimate MI' });
  }

  async estimate(tablePath: string, target: string): Promise<EstimateOutcome> {
    await this.tablePath.fill(tablePath);
    await this.target.fill(target);
    await this.estimateButton.click();
    const table = this.page.getByTestId('feature-table');
    const notice = this.page.locator('.notice').filter({ hasText: 'Estimating mutual information' });
    await table.or(notice).first().waitFor();
    if (await notice.isVisible()) return { kind: 'notice', text: (await notice.textContent()) ?? '' };
    const names = (await table.locator('tbody th code').allTextContents()).map((name) => name.trim());
    const highlighted = (await table.locator('tbody tr.missed-row th code').allTextContents()).map((name) => name.trim());
    return { kind: 'table', features: names, highlighted };
  }
}
