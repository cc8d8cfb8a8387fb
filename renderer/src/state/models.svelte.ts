// State of the models panel on the System page: the downloadable models of the manifest in force, what is
// installed, and downloads in progress followed through `modelDownloadProgress` events.
import type { ModelDownloadProgressEvent, ModelInfo } from '../../../main/api/contract.js';
import type { MilensClient } from '../lib/api-client.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';
import { newJobId } from '../lib/job-id.js';

export class ModelsState {
  models = $state<ModelInfo[] | null>(null);
  listError = $state<ApiCallError | null>(null);
  loading = $state(false);

  /** Downloads in flight, by model id, with their latest progress event (null until the first arrives). */
  downloads = $state<Record<string, ModelDownloadProgressEvent | null>>({});
  /** The latest failed download of each model. */
  downloadErrors = $state<Record<string, ApiCallError>>({});
  /** The job of each download in flight (for cancel). */
  downloadJobs = $state<Record<string, string>>({});
  /** Models whose latest download was cancelled (said in words beside the model until it is downloaded again). */
  cancelledDownloads = $state<Record<string, true>>({});

  /** Import from a folder: which model, from where, and how it went (one message, replaced each time). */
  importModelId = $state('');
  importFolder = $state('');
  importing = $state(false);
  importMessage = $state<{ tone: 'success' | 'error'; text: string } | null>(null);

  private readonly client: MilensClient;
  private readonly afterInstall: () => Promise<void>;

  /** `afterInstall` runs once a download has installed a model (the System page refreshes the doctor). */
  constructor(client: MilensClient, afterInstall: () => Promise<void> = async () => {}) {
    this.client = client;
    this.afterInstall = afterInstall;
  }

  /** Follows download progress; returns the function that stops following. */
  listen(): () => void {
    return this.client.on('modelDownloadProgress', (event) => {
      if (event.modelId in this.downloads) this.downloads[event.modelId] = event;
    });
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.models = await this.client.api.listModels();
      this.listError = null;
    } catch (error) {
      this.listError = asApiCallError('listModels', error);
    } finally {
      this.loading = false;
    }
  }

  async download(model: ModelInfo): Promise<void> {
    if (model.id in this.downloads) return;
    this.downloads[model.id] = null;
    delete this.downloadErrors[model.id];
    delete this.cancelledDownloads[model.id];
    let installed = false;
    const jobId = newJobId('download');
    this.downloadJobs[model.id] = jobId;
    try {
      const info = await this.client.api.downloadModel(model.id, { jobId });
      installed = info.installed;
      if (this.models) this.models = this.models.map((candidate) => (candidate.id === info.id ? info : candidate));
    } catch (error) {
      const failure = asApiCallError('downloadModel', error);
      // A cancel is what the person asked for, not an error; the partial files stay for the next try.
      if (failure.code === 'CANCELLED') this.cancelledDownloads[model.id] = true;
      else this.downloadErrors[model.id] = failure;
    } finally {
      delete this.downloads[model.id];
      delete this.downloadJobs[model.id];
    }
    if (installed) await this.afterInstall();
  }

  async cancelDownload(model: ModelInfo): Promise<void> {
    const jobId = this.downloadJobs[model.id];
    if (jobId) await this.client.api.cancelJob(jobId).catch(() => undefined);
  }

  async importFromFolder(): Promise<void> {
    const model = this.models?.find((candidate) => candidate.id === this.importModelId);
    if (!model || this.importFolder.trim() === '' || this.importing) return;
    this.importing = true;
    try {
      const report = await this.client.api.importModel(model.id, this.importFolder.trim());
      if (this.models) this.models = this.models.map((candidate) => (candidate.id === report.model.id ? report.model : candidate));
      this.importMessage = report.model.installed
        ? {
            tone: 'success',
            text: `${model.name} is installed (${report.imported.length} file${report.imported.length === 1 ? '' : 's'} imported, each checked).`,
          }
        : { tone: 'error', text: `${model.name} is not complete: still missing ${report.missing.join(', ')}.` };
      if (report.model.installed) await this.afterInstall();
    } catch (error) {
      this.importMessage = { tone: 'error', text: `Importing ${model.name} failed: ${asApiCallError('importModel', error).message}` };
    } finally {
      this.importing = false;
    }
  }
}
