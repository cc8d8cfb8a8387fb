// Which image–text model photos are embedded with, and its embedder, opened once per process and
// reopened when the installed model changes. The model in force is MILENS_IMAGE_MODEL when set, else the
// default model (models/manifest.ts DEFAULT_MODEL_ID) when installed, else the first installed model of
// the manifest in force. Search uses the same rule (imageModelInForce), so it can say which model its
// photo results come from, and its vectors are the ones indexing stored.
import { openEmbedder, type Embedder } from '../../../models/embedder.js';
import { isModelInstalled } from '../../../models/installed.js';
import { DEFAULT_MODEL_ID, activeManifest, type ModelSpec } from '../../../models/manifest.js';
import type { ImageEmbedderSource } from './image-embedder.js';

/** The installed model photos are embedded with now, or undefined when none is installed. */
export function imageModelInForce(modelsFolder: string, env: NodeJS.ProcessEnv = process.env): ModelSpec | undefined {
  const manifest = activeManifest(env);
  const installed = manifest.filter((model) => isModelInstalled(modelsFolder, model));
  const wanted = env.MILENS_IMAGE_MODEL;
  if (wanted) return installed.find((model) => model.id === wanted);
  return installed.find((model) => model.id === DEFAULT_MODEL_ID) ?? installed[0];
}

/**
 * An embedder source for the indexing service: the embedder of the model in force, kept open between
 * runs; when another model is in force at the next run, the old one is closed and the new one opened
 * (photos then get vectors of the new model in that run's embedding pass).
 */
export function installedEmbedderSource(modelsFolder: string): ImageEmbedderSource & { close(): Promise<void> } {
  let current: { modelId: string; embedder: Promise<Embedder> } | undefined;
  const source = async () => {
    const model = imageModelInForce(modelsFolder);
    if (current && current.modelId !== model?.id) {
      const previous = current;
      current = undefined;
      await (await previous.embedder.catch(() => undefined))?.close();
    }
    if (!model) return undefined;
    if (!current) {
      const opening = openEmbedder(modelsFolder, model.id);
      current = { modelId: model.id, embedder: opening };
      // A model that fails to open is retried on the next run rather than cached as broken.
      opening.catch(() => {
        if (current?.embedder === opening) current = undefined;
      });
    }
    return current.embedder;
  };
  return Object.assign(source, {
    async close() {
      const open = current;
      current = undefined;
      await (await open?.embedder.catch(() => undefined))?.close();
    },
  });
}
