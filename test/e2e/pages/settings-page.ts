// Page object of the Settings view: privacy, data folder, the compute backends, the downloadable models
// and the Diagnostics (the doctor's report).
import type { Locator, Page } from 'playwright-core';

export interface BackendRow {
  name: string;
  built: string;
  available: string;
  inUse: string;
  detail: string;
}

export interface ModelRow {
  id: string;
  name: string;
  size: string;
  licence: string;
  status: string;
  canDownload: boolean;
}

export class SettingsPage {
  readonly backendsTable: Locator;
  readonly databasePath: Locator;
  readonly modelsFolder: Locator;
  readonly modelsTable: Locator;

  constructor(readonly page: Page) {
    this.backendsTable = page.getByRole('table', { name: 'Compute backends' });
    this.databasePath = page.getByTestId('doctor-database-path');
    this.modelsFolder = page.getByTestId('doctor-models-folder');
    this.modelsTable = page.getByRole('table', { name: 'Models' });
  }

  /** Each model's row as shown: name, id, size, licence, status (installed / not installed / progress). */
  async modelRows(): Promise<ModelRow[]> {
    await this.modelsTable.waitFor();
    const rows = this.modelsTable.locator('tbody tr[data-model]');
    const result: ModelRow[] = [];
    for (let index = 0; index < (await rows.count()); index += 1) {
      const row = rows.nth(index);
      result.push({
        id: (await row.getAttribute('data-model')) ?? '',
        name: ((await row.locator('.model-name').textContent()) ?? '').trim(),
        size: ((await row.locator('td').nth(0).textContent()) ?? '').trim(),
        licence: ((await row.locator('td').nth(1).textContent()) ?? '').trim(),
        status: ((await row.locator('td').nth(2).textContent()) ?? '').replace(/\s+/g, ' ').trim(),
        canDownload: await row.getByRole('button', { name: /^Download / }).isVisible(),
      });
    }
    return result;
  }

  modelRow(id: string): Locator {
    return this.modelsTable.locator(`tr[data-model="${id}"]`);
  }

  async download(id: string): Promise<void> {
    await this.modelRow(id)
      .getByRole('button', { name: /^Download / })
      .click();
  }

  /** Waits until the model's row shows an installed model, or a failed download; says which. */
  async waitForDownloadEnd(id: string, timeout = 60_000): Promise<{ kind: 'installed' } | { kind: 'failed'; text: string }> {
    const row = this.modelRow(id);
    const installed = row.getByTestId('model-state').filter({ hasText: /^installed$/ });
    const failed = this.modelsTable.locator(`tr[data-model-error="${id}"] .notice`);
    await installed.or(failed).first().waitFor({ timeout });
    if (await failed.isVisible()) return { kind: 'failed', text: ((await failed.textContent()) ?? '').replace(/\s+/g, ' ').trim() };
    return { kind: 'installed' };
  }

  /** Imports a model from a folder with the Import form; returns the message shown. */
  async importModel(id: string, folder: string): Promise<string> {
    await this.page.getByLabel('Import', { exact: true }).selectOption(id);
    await this.page.getByLabel('from folder').fill(folder);
    await this.page.getByRole('button', { name: 'Import', exact: true }).click();
    const message = this.page.locator('.import-form ~ .status').filter({ hasText: / is installed | is not complete|^Importing .* failed/ });
    await message.waitFor({ timeout: 60_000 });
    return ((await message.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  /** Presses the Cancel button of a model's download in progress. */
  async cancelDownload(id: string): Promise<void> {
    await this.modelRow(id)
      .getByRole('button', { name: /^Cancel the download/ })
      .click();
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

  /** The classes of a backend's "Available" cell: 'bad' for a problem, 'info' for an expected absence. */
  async availabilityClass(name: string): Promise<string> {
    return (await this.backendsTable.locator(`tr[data-backend="${name}"] td`).nth(1).getAttribute('class')) ?? '';
  }

  async section(name: string): Promise<string> {
    return (await this.page.getByRole('region', { name, exact: true }).textContent()) ?? '';
  }
}
