// Model calls: the downloadable models of the manifest in force, and downloading one into the context's
// models folder with progress events. A second download of a model already in progress joins the first.
import type { MilensApi, ModelDownloadOptions, ModelInfo } from '../api/contract.js';
import { invalidType } from '../api/errors.js';
import { downloadModel } from '../../models/download.js';
import { importModel } from '../../models/import.js';
import { normaliseFolderInput } from './folder-path.js';
import { describeModel } from '../../models/installed.js';
import { activeManifest, findModel, type ModelSpec } from '../../models/manifest.js';
import type { CoreContext } from './context.js';

/** Progress events are sent at most this often in bytes (at least 1/200 of the model), and at each file's end. */
const MINIMUM_PROGRESS_STEP = 1 << 20;

function readOptions(options: unknown): ModelDownloadOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw invalidType('options', 'an object', options);
  const { allowUnverified, jobId } = options as Record<string, unknown>;
  if (allowUnverified !== undefined && typeof allowUnverified !== 'boolean') {
    throw invalidType('options.allowUnverified', 'a boolean', allowUnverified);
  }
  if (jobId !== undefined && typeof jobId !== 'string') throw invalidType('options.jobId', 'a string', jobId);
  return { allowUnverified, jobId };
}

export function modelCalls(context: CoreContext): Pick<MilensApi, 'listModels' | 'downloadModel' | 'importModel'> {
  const inProgress = new Map<string, Promise<ModelInfo>>();

  return {
    listModels: async () => activeManifest().map((model) => describeModel(context.modelsFolder, model)),

    downloadModel: (id, options) => {
      if (typeof id !== 'string') return Promise.reject(invalidType('id', 'a model id (text)', id));
      let allowUnverified: boolean | undefined;
      let jobId: string | undefined;
      let model: ModelSpec;
      try {
        ({ allowUnverified, jobId } = readOptions(options));
        model = findModel(activeManifest(), id);
      } catch (error) {
        return Promise.reject(error);
      }
      const running = inProgress.get(id);
      if (running) return running;

      let lastSent = -Infinity;
      let lastFile = '';
      // A job too, so that the app can show the time left and cancel (the partial files are kept for resuming).
      const download = context.jobs
        .run(jobId, 'download', 'bytes', (job) =>
          downloadModel({
            modelsFolder: context.modelsFolder,
            model,
            allowUnverified,
            signal: job.signal,
            onProgress: ({ file, bytes, total }) => {
              job.progress({ done: bytes, total, message: file });
              const step = Math.max(MINIMUM_PROGRESS_STEP, total / 200);
              if (file === lastFile && bytes - lastSent < step && bytes !== total) return;
              lastFile = file;
              lastSent = bytes;
              context.emit('modelDownloadProgress', { modelId: id, file, bytes, total });
            },
          }),
        )
        .then(async (info) => {
          // Photos get vectors of the new model in the background (only where the app watches its collections).
          if (info.installed) (await import('./collection-calls.js')).embedPhotosInBackground(context);
          return info;
        })
        .finally(() => inProgress.delete(id));
      inProgress.set(id, download);
      return download;
    },

    importModel: async (id, folder) => {
      if (typeof id !== 'string') throw invalidType('id', 'a model id (text)', id);
      const model = findModel(activeManifest(), id);
      const result = await importModel({ modelsFolder: context.modelsFolder, model, sources: [normaliseFolderInput(folder, 'folder')] });
      // As after a download: photos get vectors of the newly installed model in the background.
      if (result.model.installed) (await import('./collection-calls.js')).embedPhotosInBackground(context);
      return result;
    },
  };
}
