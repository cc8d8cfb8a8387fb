// Page object of the System page: the backends table and the doctor's report.
import type { Locator, Page } from 'playwright-core';

export interface BackendRow {
  name: string;
  built: string;
  available: string;
  inUse: string;
  detail: string;
}

export class SystemPage {
  readonly backendsTable: Locator;
  readonly databasePath: Locator;
  readonly modelsFolder: Locator;

  constructor(readonly page: Page) {
    this.backendsTable = page.getByRole('table', { name: 'Compute backends' });
    this.databasePath = page.getByTestId('doctor-database-path');
    this.modelsFolder = page.getByTestId('doctor-models-folder');
  }

  async waitUntilLoaded(): Promise<void> {
    await this.backendsTable.waitFor();
    await this.databasePath.waitFor();
  }

  async backendRows(): Promise<BackendRow[]> {
    const rows = this.backendsTable.locator('tbody tr');
    const result: BackendRow[] = [];
    for (let index = 0; index < (await rows.count()); index += 1) {
      const row = rows.nth(index);
      const cells = await row.locator('th, td').allTextContents();
      const [name, built, available, inUse, detail] = cells.map((cell) => cell.trim());
      result.push({ name, built, available, inUse, detail });
    }
    return result;
  }

  async section(name: string): Promise<string> {
    return (await this.page.getByRole('region', { name }).textContent()) ?? '';
  }
}
