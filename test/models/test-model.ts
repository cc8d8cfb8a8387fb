// The generated TEST model (scripts/make-test-model.mjs), built into a temporary folder and imported into a
// models folder the way a user would (`milens models import`), for the embedder's tests.
import { readFileSync } from 'node:fs';
import { importModel } from '../../models/import.js';
import { validateManifest, type ModelManifest } from '../../models/manifest.js';
import { makeTempFolder } from '../helpers/temp.js';
// @ts-expect-error: plain JavaScript script shared with `npm run make:test-model`
import { makeTestModel, colourEmbedding, COLOUR_WORDS, TEST_MODEL_ID } from '../../scripts/make-test-model.mjs';

export const testModelId = TEST_MODEL_ID as string;
export const colourWords = COLOUR_WORDS as Record<string, number | null>;
export const testColourEmbedding = colourEmbedding as (rgb: [number, number, number]) => number[];

export interface InstalledTestModel {
  modelsFolder: string;
  sourceFolder: string;
  manifest: ModelManifest;
  manifestPath: string;
}

export async function installTestModel(): Promise<InstalledTestModel> {
  const sourceFolder = makeTempFolder('milens-test-model-');
  const { manifestPath } = makeTestModel(sourceFolder) as { manifestPath: string };
  const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  const modelsFolder = makeTempFolder('milens-models-');
  const result = await importModel({ modelsFolder, model: manifest[0], sources: [sourceFolder] });
  if (!result.model.installed) throw new Error(`the test model did not install: missing ${result.missing.join(', ')}`);
  return { modelsFolder, sourceFolder, manifest, manifestPath };
}
