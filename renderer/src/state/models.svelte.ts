// State of the models panel on the System page: the downloadable models of the manifest in force, what is
// installed, and downloads in progress followed through `modelDownloadProgress` events.
import type { ModelDownloadProgressEvent, ModelInfo } from '../../../main/api/contract.js';
import type { MilensClient } from '../lib/api-client.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';

export class ModelsState {
  models = $state<ModelInfo[] | null>(null);
  listError = $state<ApiCallError | null>(null);
  loading = $state(false);

  /** Downloads in flight, by model id, with their latest progress event (null until the first arrives). */
  downloads = $state<Record<string, ModelDownloadProgressEvent | null>>({});
  /** The latest failed download of each model. */
  downloadErrors = $state<Record<string, ApiCallError>>({});

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
    let installed = false;
    try {
      const info = await this.client.api.downloadModel(model.id);
      installed = info.installed;
      if (this.models) this.models = this.models.map((candidate) => (candidate.id === info.id ? info : candidate));
    } catch (error) {
      this.downloadErrors[model.id] = asApiCallError('downloadModel', error);
    } finally {
      delete this.downloads[model.id];
    }
    if (installed) await this.afterInstall();
  }
}
