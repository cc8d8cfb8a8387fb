// The image-text embedder: opens an installed model's two ONNX encoders and its tokenizer, and turns
// preprocessed photos (models/preprocess.ts) and query texts into L2-normalised embeddings in one space, so a
// dot product is the cosine similarity. Photos are run in batches; each encoder's session runs in a worker
// thread (models/inference-worker.ts), so embedding never blocks the event loop.
import path from 'node:path';
import { invalidArgument, unavailable } from '../main/api/errors.js';
import { loadClipTokenizer, type ClipTokenizer } from './clip-tokenizer.js';
import { modelFolder } from './files.js';
import { isModelInstalled } from './installed.js';
import {
  DEFAULT_MODEL_ID,
  activeManifest,
  fileForRole,
  findModel,
  type ImagePreprocessSpec,
  type ModelManifest,
  type ModelSpec,
} from './manifest.js';
import type { TensorData } from './inference-worker.js';
import { acquireSession, type ProviderReport, type SessionOptions, type SharedSession } from './onnx-sessions.js';

export interface EmbedderOptions extends SessionOptions {
  /** Photos per encoder run (default 16): larger batches use the cores better and hold more memory. */
  imageBatchSize?: number;
  /** Texts per encoder run (default 64). */
  textBatchSize?: number;
  /** The manifest to find the model in (default: the one in force, see activeManifest). */
  manifest?: ModelManifest;
}

export interface Embedder {
  readonly modelId: string;
  /** Length of every embedding. */
  readonly dimension: number;
  /** Scoring of the model's family: logits = logitScale * cosine + logitBias (softmax or sigmoid, see scoring). */
  readonly logitScale: number;
  readonly logitBias: number;
  readonly scoring: 'softmax' | 'sigmoid';
  /** What preprocessImage needs for this model's photos. */
  readonly imagePreprocess: ImagePreprocessSpec;
  /** The execution provider in use (that of the image encoder; the text encoder's is in textProvider) and why others are not. */
  readonly provider: ProviderReport;
  readonly textProvider: ProviderReport;
  /** Embeds photos given as preprocessImage's tensors; one L2-normalised vector per photo, in order. */
  embedImages(preprocessed: Float32Array[]): Promise<Float32Array[]>;
  /** Embeds texts (tokenised with the model's tokenizer, truncated to its context); one L2-normalised vector per text. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  /** Releases the sessions (shared ones stay open for their other users). Calls after close fail. */
  close(): Promise<void>;
}

/** Scales each row to unit length in place; an all-zero row stays zero (cosine 0 with everything). */
function normalisedRows(data: Float32Array, rows: number, dimension: number): Float32Array[] {
  const result: Float32Array[] = [];
  for (let row = 0; row < rows; row++) {
    const vector = data.slice(row * dimension, (row + 1) * dimension);
    let sum = 0;
    for (const value of vector) sum += value * value;
    if (sum > 0) {
      const inverse = 1 / Math.sqrt(sum);
      for (let i = 0; i < dimension; i++) vector[i] *= inverse;
    }
    result.push(vector);
  }
  return result;
}

function checkedOutput(output: TensorData | undefined, name: string, rows: number, dimension: number, file: string): Float32Array {
  if (!output) throw unavailable(`${file} returned no output named ${name}`);
  if (output.type !== 'float32' || output.dims.length !== 2 || output.dims[0] !== rows || output.dims[1] !== dimension) {
    throw unavailable(
      `${file}: output ${name} is ${output.type} [${output.dims.join(', ')}], expected float32 [${rows}, ${dimension}] (manifest embeddingDimension)`,
    );
  }
  return output.data as Float32Array;
}

function requireNames(shared: SharedSession, file: string, input: string, output: string): void {
  const { inputNames, outputNames } = shared.session;
  if (!inputNames.includes(input) || !outputNames.includes(output)) {
    throw invalidArgument(
      `${file} does not match its manifest entry: it takes ${inputNames.join(', ')} and returns ${outputNames.join(', ')}, but the manifest names input ${input} and output ${output}`,
    );
  }
}

function batchSize(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 4096)
    throw invalidArgument(`${name} must be an integer from 1 to 4096, not ${value}`);
  return value;
}

/**
 * Opens an installed model for embedding. `modelId` defaults to DEFAULT_MODEL_ID (OpenAI CLIP ViT-B/32; never
 * a test model). Fails with NOT_FOUND for an unknown id and UNAVAILABLE when the model is not installed.
 */
export async function openEmbedder(
  modelsFolder: string,
  modelId: string = DEFAULT_MODEL_ID,
  options: EmbedderOptions = {},
): Promise<Embedder> {
  const model: ModelSpec = findModel(options.manifest ?? activeManifest(), modelId);
  if (!isModelInstalled(modelsFolder, model)) {
    throw unavailable(
      `Model ${model.id} is not installed in ${modelsFolder}: run \`milens models download ${model.id}\` or \`milens models import ${model.id} <folder>\``,
      {
        model: model.id,
      },
    );
  }
  const imageBatch = batchSize(options.imageBatchSize, 16, 'imageBatchSize');
  const textBatch = batchSize(options.textBatchSize, 64, 'textBatchSize');
  const folder = modelFolder(modelsFolder, model.id);
  const imageFile = path.join(folder, fileForRole(model, 'image-encoder').name);
  const textFile = path.join(folder, fileForRole(model, 'text-encoder').name);
  const { image, text, scoring } = model.inference;
  const tokenizer: ClipTokenizer = loadClipTokenizer(path.join(folder, fileForRole(model, 'tokenizer').name));

  const imageSession = await acquireSession(imageFile, options);
  let textSession: SharedSession;
  try {
    textSession = await acquireSession(textFile, options);
  } catch (error) {
    await imageSession.release();
    throw error;
  }
  try {
    requireNames(imageSession, imageFile, image.input, image.output);
    requireNames(textSession, textFile, text.input, text.output);
  } catch (error) {
    await Promise.all([imageSession.release(), textSession.release()]);
    throw error;
  }

  const dimension = model.embeddingDimension;
  const size = image.preprocess.size;
  const tensorLength = 3 * size * size;
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw invalidArgument(`The embedder of ${model.id} was closed`);
  };

  return {
    modelId: model.id,
    dimension,
    logitScale: scoring.logitScale,
    logitBias: scoring.logitBias,
    scoring: scoring.kind,
    imagePreprocess: image.preprocess,
    provider: imageSession.provider,
    textProvider: textSession.provider,

    async embedImages(preprocessed) {
      ensureOpen();
      preprocessed.forEach((tensor, index) => {
        if (!(tensor instanceof Float32Array) || tensor.length !== tensorLength) {
          throw invalidArgument(
            `embedImages: photo ${index} must be a Float32Array of ${tensorLength} values (3 x ${size} x ${size}, from preprocessImage), not ${tensor instanceof Float32Array ? tensor.length : typeof tensor}`,
          );
        }
      });
      const result: Float32Array[] = [];
      for (let start = 0; start < preprocessed.length; start += imageBatch) {
        const batch = preprocessed.slice(start, start + imageBatch);
        const input = new Float32Array(batch.length * tensorLength);
        batch.forEach((tensor, index) => input.set(tensor, index * tensorLength));
        const outputs = await imageSession.session.run({
          [image.input]: { type: 'float32', data: input, dims: [batch.length, 3, size, size] },
        });
        result.push(
          ...normalisedRows(
            checkedOutput(outputs[image.output], image.output, batch.length, dimension, imageFile),
            batch.length,
            dimension,
          ),
        );
      }
      return result;
    },

    async embedTexts(texts) {
      ensureOpen();
      texts.forEach((entry, index) => {
        if (typeof entry !== 'string') throw invalidArgument(`embedTexts: text ${index} must be a string, not ${typeof entry}`);
      });
      const context = text.contextLength;
      const result: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += textBatch) {
        const batch = texts.slice(start, start + textBatch);
        const ids = new BigInt64Array(batch.length * context);
        batch.forEach((entry, row) =>
          tokenizer.encodeContext(entry, context, text.padId).forEach((id, column) => (ids[row * context + column] = BigInt(id))),
        );
        const outputs = await textSession.session.run({ [text.input]: { type: 'int64', data: ids, dims: [batch.length, context] } });
        result.push(
          ...normalisedRows(checkedOutput(outputs[text.output], text.output, batch.length, dimension, textFile), batch.length, dimension),
        );
      }
      return result;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([imageSession.release(), textSession.release()]);
    },
  };
}
