// The downloadable models: for each, where every file comes from, its exact size and SHA-256, its licence,
// and which file is the image encoder, the text encoder and the tokenizer vocabulary. The downloader and the
// offline import verify every byte against this manifest before a file is installed.
//
// MILENS_MODEL_MANIFEST=<file.json> replaces the built-in manifest with one of the same shape (an
// organisation pinning its own models, or tests); it is validated exactly like the built-in one.
import { readFileSync } from 'node:fs';
import type { ModelFileRole } from '../main/api/contract.js';
import { invalidArgument, notFound, unreadable } from '../main/api/errors.js';

export interface ModelFileSpec {
  /** File name inside `<modelsFolder>/<model id>/` (a plain name, no folders). */
  name: string;
  role: ModelFileRole;
  /** Where the file is downloaded from: https only (a mirror is configured with MILENS_MODEL_BASE_URL). */
  url: string;
  /** Lowercase hex SHA-256 of the file, or null where no verifiable checksum is known (refused by default). */
  sha256: string | null;
  sizeBytes: number;
}

/** How a photo becomes the image encoder's input tensor (float32 [N, 3, size, size], RGB planes). */
export interface ImagePreprocessSpec {
  /** Side of the square input in pixels. */
  size: number;
  /**
   * `shortest-edge`: scale so the shorter side is `size` (aspect kept), then crop the centre `size` x `size`
   * (CLIP's and MobileCLIP's rule). `squash`: scale both sides to `size` (aspect not kept, nothing cropped).
   */
  resize: 'shortest-edge' | 'squash';
  /** The resampling filter of the published preprocessing. */
  interpolation: 'bicubic' | 'bilinear';
  /** Per-channel (R, G, B) mean and standard deviation applied to values in [0, 1]: (v - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
}

/** Everything inference needs beyond the files: tensor names, preprocessing, tokenizer and scoring. */
export interface InferenceSpec {
  image: {
    /** Input and output names of the image encoder graph. */
    input: string;
    output: string;
    preprocess: ImagePreprocessSpec;
  };
  text: {
    input: string;
    output: string;
    /** `clip-bpe`: OpenAI CLIP's byte-pair encoding (tokenizer.json's vocabulary and merges). */
    tokenizer: 'clip-bpe';
    /** Token ids per text: start, up to contextLength - 2 ids, end, then padding. */
    contextLength: number;
    /** The id that fills the rest of the context (CLIP's reference tokenize pads with 0). */
    padId: number;
  };
  /**
   * How a similarity becomes a score: `softmax` (CLIP: logits = logitScale * cosine, softmax over candidates)
   * or `sigmoid` (SigLIP: sigmoid(logitScale * cosine + logitBias) per pair).
   */
  scoring: { kind: 'softmax' | 'sigmoid'; logitScale: number; logitBias: number };
}

export interface ModelSpec {
  /** Stable identifier, also the folder name: lowercase letters, digits, dots and dashes. */
  id: string;
  name: string;
  /** The embedding space: models of one family with one dimension produce comparable vectors. */
  family: string;
  /** SPDX identifier (or a short name) of the licence, and where to read it. */
  licence: string;
  licenceUrl: string;
  /** The page describing the model upstream. */
  homepage: string;
  embeddingDimension: number;
  files: ModelFileSpec[];
  inference: InferenceSpec;
  /** A generated model for tests (`npm run make:test-model`): never the default, never for real photos. */
  testOnly?: boolean;
}

export type ModelManifest = readonly ModelSpec[];

/**
 * The Transformers.js ONNX export of OpenAI's CLIP ViT-B/32, pinned to one commit of the Hub repository so
 * that the bytes behind each URL cannot change under the checksums.
 */
const XENOVA_CLIP_B32 = 'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a';

// Sizes and SHA-256 values are the Git LFS pointers (`oid sha256:…`, `size …`) of the files at that commit,
// as the Hub's file pages show them; tokenizer.json is a small regular file whose digest was recorded from
// the same commit by independent projects pinning it. They were not re-hashed on a download here (the
// machine that wrote this has no internet access); every download and import checks them anyway.
const CLIP_B32_TOKENIZER: ModelFileSpec = {
  name: 'tokenizer.json',
  role: 'tokenizer',
  url: `${XENOVA_CLIP_B32}/tokenizer.json`,
  sha256: 'f7f3b7af117d467b58374797691a6438d3e6b9e9cef800dfd5dced7f697a90cd',
  sizeBytes: 2_224_119,
};

const OPENAI_CLIP_LICENCE = {
  // OpenAI released the CLIP code and weights under MIT; the ONNX export carries no licence of its own.
  licence: 'MIT',
  licenceUrl: 'https://github.com/openai/CLIP/blob/main/LICENSE',
  homepage: 'https://huggingface.co/Xenova/clip-vit-base-patch32',
};

/**
 * OpenAI CLIP's published preprocessing (`clip.load`'s transform, and the Hub's preprocessor_config.json for
 * this export): bicubic resize of the shorter side to 224, centre crop 224 x 224, then normalise with the
 * mean and std of CLIP's training images. Tensor names are those of the Transformers.js export
 * (CLIPVisionModelWithProjection / CLIPTextModelWithProjection: `pixel_values` -> `image_embeds`,
 * `input_ids` -> `text_embeds`; each graph also returns `last_hidden_state`, unused here).
 */
export const CLIP_VIT_B32_INFERENCE: InferenceSpec = {
  image: {
    input: 'pixel_values',
    output: 'image_embeds',
    preprocess: {
      size: 224,
      resize: 'shortest-edge',
      interpolation: 'bicubic',
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
    },
  },
  text: { input: 'input_ids', output: 'text_embeds', tokenizer: 'clip-bpe', contextLength: 77, padId: 0 },
  // CLIP's learned temperature, exp(4.6052) = 100 (the value it was clamped to in training); no bias.
  scoring: { kind: 'softmax', logitScale: 100, logitBias: 0 },
};

/** The model used when none is named: never a test model. */
export const DEFAULT_MODEL_ID = 'clip-vit-b32';

/**
 * The Transformers.js ONNX export of Apple's MobileCLIP-S0, pinned to one commit of the Hub repository.
 */
const XENOVA_MOBILECLIP_S0 = 'https://huggingface.co/Xenova/mobileclip_s0/resolve/757d59c9c6870a76a4b0306f05f5061bca15c39f';

/**
 * MobileCLIP's published preprocessing (apple/ml-mobileclip `get_preprocess`: Resize(256, BILINEAR),
 * CenterCrop(256), ToTensor(), no normalisation: mean 0, std 1), the same tensor names as the CLIP export, and
 * CLIP's tokenizer with its 77-token context.
 */
export const MOBILECLIP_S0_INFERENCE: InferenceSpec = {
  image: {
    input: 'pixel_values',
    output: 'image_embeds',
    preprocess: { size: 256, resize: 'shortest-edge', interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1] },
  },
  text: { input: 'input_ids', output: 'text_embeds', tokenizer: 'clip-bpe', contextLength: 77, padId: 0 },
  // MobileCLIP is trained with CLIP's contrastive (softmax) loss; 100 is the clamp of its learned temperature,
  // not read from the checkpoint (the ONNX graphs return the embeddings only). It only scales scores.
  scoring: { kind: 'softmax', logitScale: 100, logitBias: 0 },
};

export const MODEL_MANIFEST: ModelManifest = [
  {
    id: 'clip-vit-b32',
    name: 'CLIP ViT-B/32 (float32)',
    family: 'clip-vit-b32',
    ...OPENAI_CLIP_LICENCE,
    embeddingDimension: 512,
    inference: CLIP_VIT_B32_INFERENCE,
    files: [
      {
        name: 'vision_model.onnx',
        role: 'image-encoder',
        url: `${XENOVA_CLIP_B32}/onnx/vision_model.onnx`,
        sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
        sizeBytes: 351_685_709,
      },
      {
        name: 'text_model.onnx',
        role: 'text-encoder',
        url: `${XENOVA_CLIP_B32}/onnx/text_model.onnx`,
        sha256: '3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc',
        sizeBytes: 254_058_553,
      },
      CLIP_B32_TOKENIZER,
    ],
  },
  {
    id: 'clip-vit-b32-quantized',
    name: 'CLIP ViT-B/32 (8-bit quantized)',
    family: 'clip-vit-b32',
    ...OPENAI_CLIP_LICENCE,
    embeddingDimension: 512,
    inference: CLIP_VIT_B32_INFERENCE,
    files: [
      {
        name: 'vision_model_quantized.onnx',
        role: 'image-encoder',
        url: `${XENOVA_CLIP_B32}/onnx/vision_model_quantized.onnx`,
        sha256: '583fd1110a514667812fee7d684952aaf82a99b959760c8d7dca7e0ab9839299',
        sizeBytes: 89_117_001,
      },
      {
        name: 'text_model_quantized.onnx',
        role: 'text-encoder',
        url: `${XENOVA_CLIP_B32}/onnx/text_model_quantized.onnx`,
        sha256: '73baab855d406190da9faa498cfedf65f15cf309f4cc7385b7b032e6d08e5c3a',
        sizeBytes: 64_504_507,
      },
      CLIP_B32_TOKENIZER,
    ],
  },
  {
    id: 'mobileclip-s0',
    name: 'MobileCLIP-S0 (float32)',
    family: 'mobileclip-s0',
    // Apple's weights are under the Apple Machine Learning Research Model licence (research use); the ONNX
    // export carries no licence of its own.
    licence: 'apple-amlr',
    licenceUrl: 'https://github.com/apple/ml-mobileclip/blob/main/LICENSE_weights_data',
    homepage: 'https://huggingface.co/Xenova/mobileclip_s0',
    embeddingDimension: 512,
    inference: MOBILECLIP_S0_INFERENCE,
    // Sizes and SHA-256 values as published projects pinning these files record them: vision_model.onnx by two
    // independent projects (one at this commit, one measured from a download), text_model.onnx by one at this
    // commit, tokenizer.json by one measured from a download of the repository's main branch. They were not
    // re-hashed on a download here (no internet access on the machine that wrote this); every download and
    // import checks them anyway, so a wrong value fails closed.
    files: [
      {
        name: 'vision_model.onnx',
        role: 'image-encoder',
        url: `${XENOVA_MOBILECLIP_S0}/onnx/vision_model.onnx`,
        sha256: '17d3c037b1d488c10c50e09f6009ea5a198caef4e0e8f4ea5617b7cb2d067ac0',
        sizeBytes: 45_543_630,
      },
      {
        name: 'text_model.onnx',
        role: 'text-encoder',
        url: `${XENOVA_MOBILECLIP_S0}/onnx/text_model.onnx`,
        sha256: 'f6e9bd5742bfc515889e901634d8a2ff2a57fab8564e4ad3760e800b1a51b77c',
        sizeBytes: 169_807_789,
      },
      {
        name: 'tokenizer.json',
        role: 'tokenizer',
        url: `${XENOVA_MOBILECLIP_S0}/tokenizer.json`,
        sha256: '72ed5c96db5729294468543e4bc75fce14ca63f58e37300290189ba1c1e52b85',
        sizeBytes: 2_224_081,
      },
    ],
  },
];

const ROLES: readonly ModelFileRole[] = ['image-encoder', 'text-encoder', 'tokenizer'];
const MODEL_ID = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The receipt written into a model's folder once every file is verified (see installed.ts): never a model file's name. */
export const RECEIPT_FILE = 'manifest.json';

/** Checks a manifest's shape and rules, throwing an error that names the entry and field at fault. */
export function validateManifest(manifest: unknown, source = 'the model manifest'): ModelManifest {
  if (!Array.isArray(manifest)) throw invalidArgument(`${source} must be a JSON array of models`);
  const ids = new Set<string>();
  for (const [index, entry] of manifest.entries()) {
    const where = `${source}, model ${index + 1}`;
    if (typeof entry !== 'object' || entry === null) throw invalidArgument(`${where} is not an object`);
    const model = entry as Record<string, unknown>;
    if (typeof model.id !== 'string' || !MODEL_ID.test(model.id)) {
      throw invalidArgument(`${where}: id must be lowercase letters, digits, dots and dashes, but is ${JSON.stringify(model.id)}`);
    }
    if (ids.has(model.id)) throw invalidArgument(`${where}: id ${model.id} appears twice`);
    ids.add(model.id);
    for (const field of ['name', 'family', 'licence', 'licenceUrl', 'homepage'] as const) {
      if (typeof model[field] !== 'string' || model[field] === '') throw invalidArgument(`${where} (${model.id}): ${field} must be a text`);
    }
    if (!Number.isInteger(model.embeddingDimension) || (model.embeddingDimension as number) < 1) {
      throw invalidArgument(`${where} (${model.id}): embeddingDimension must be a positive integer`);
    }
    validateInference(model.inference, `${where} (${model.id})`);
    if (model.testOnly !== undefined && typeof model.testOnly !== 'boolean') {
      throw invalidArgument(`${where} (${model.id}): testOnly must be true or false`);
    }
    if (!Array.isArray(model.files) || model.files.length === 0) throw invalidArgument(`${where} (${model.id}): files must be a list`);
    const names = new Set<string>();
    for (const candidate of model.files) validateFile(candidate, `${where} (${model.id})`, names);
    for (const role of ROLES) {
      const count = (model.files as ModelFileSpec[]).filter((file) => file.role === role).length;
      if (count !== 1) throw invalidArgument(`${where} (${model.id}): needs exactly one ${role} file but has ${count}`);
    }
  }
  return manifest as ModelManifest;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/.test(value);
}

function validateInference(candidate: unknown, where: string): void {
  if (typeof candidate !== 'object' || candidate === null) throw invalidArgument(`${where}: inference must be an object`);
  const inference = candidate as Partial<InferenceSpec>;
  const image = inference.image;
  if (!image || !isName(image.input) || !isName(image.output)) {
    throw invalidArgument(`${where}: inference.image needs the graph's input and output names`);
  }
  const pre = image.preprocess as Partial<ImagePreprocessSpec> | undefined;
  if (!pre || !Number.isInteger(pre.size) || (pre.size as number) < 1 || (pre.size as number) > 4096) {
    throw invalidArgument(`${where}: inference.image.preprocess.size must be an integer from 1 to 4096`);
  }
  if (pre.resize !== 'shortest-edge' && pre.resize !== 'squash') {
    throw invalidArgument(`${where}: inference.image.preprocess.resize must be shortest-edge or squash`);
  }
  if (pre.interpolation !== 'bicubic' && pre.interpolation !== 'bilinear') {
    throw invalidArgument(`${where}: inference.image.preprocess.interpolation must be bicubic or bilinear`);
  }
  for (const field of ['mean', 'std'] as const) {
    const values = pre[field];
    if (!Array.isArray(values) || values.length !== 3 || !values.every(isFiniteNumber) || (field === 'std' && values.some((v) => v <= 0))) {
      throw invalidArgument(`${where}: inference.image.preprocess.${field} must be three numbers${field === 'std' ? ' above 0' : ''}`);
    }
  }
  const text = inference.text;
  if (!text || !isName(text.input) || !isName(text.output))
    throw invalidArgument(`${where}: inference.text needs the graph's input and output names`);
  if (text.tokenizer !== 'clip-bpe')
    throw invalidArgument(`${where}: inference.text.tokenizer must be clip-bpe (the one tokenizer milens implements)`);
  if (!Number.isInteger(text.contextLength) || text.contextLength < 3 || text.contextLength > 1024) {
    throw invalidArgument(`${where}: inference.text.contextLength must be an integer from 3 to 1024`);
  }
  if (!Number.isInteger(text.padId) || text.padId < 0) throw invalidArgument(`${where}: inference.text.padId must be a token id`);
  const scoring = inference.scoring;
  if (
    !scoring ||
    (scoring.kind !== 'softmax' && scoring.kind !== 'sigmoid') ||
    !isFiniteNumber(scoring.logitScale) ||
    !isFiniteNumber(scoring.logitBias)
  ) {
    throw invalidArgument(`${where}: inference.scoring needs kind (softmax or sigmoid), logitScale and logitBias`);
  }
}

function validateFile(candidate: unknown, where: string, names: Set<string>): void {
  if (typeof candidate !== 'object' || candidate === null) throw invalidArgument(`${where}: a file entry is not an object`);
  const file = candidate as Record<string, unknown>;
  if (typeof file.name !== 'string' || !FILE_NAME.test(file.name) || file.name === RECEIPT_FILE || file.name.endsWith('.part')) {
    throw invalidArgument(`${where}: file name ${JSON.stringify(file.name)} must be a plain file name (no folders, not ${RECEIPT_FILE})`);
  }
  if (names.has(file.name)) throw invalidArgument(`${where}: file ${file.name} appears twice`);
  names.add(file.name);
  if (typeof file.role !== 'string' || !(ROLES as readonly string[]).includes(file.role)) {
    throw invalidArgument(`${where}: file ${file.name} has role ${JSON.stringify(file.role)}; expected one of ${ROLES.join(', ')}`);
  }
  let url: URL;
  try {
    url = new URL(String(file.url));
  } catch {
    throw invalidArgument(`${where}: file ${file.name} has an invalid url ${JSON.stringify(file.url)}`);
  }
  if (url.protocol !== 'https:') {
    throw invalidArgument(
      `${where}: file ${file.name} must be downloaded over https but its url is ${url.href} (use MILENS_MODEL_BASE_URL for a local mirror)`,
    );
  }
  if (file.sha256 !== null && (typeof file.sha256 !== 'string' || !SHA256.test(file.sha256))) {
    throw invalidArgument(
      `${where}: file ${file.name} has sha256 ${JSON.stringify(file.sha256)}; expected 64 lowercase hex digits or null`,
    );
  }
  if (!Number.isSafeInteger(file.sizeBytes) || (file.sizeBytes as number) < 1) {
    throw invalidArgument(`${where}: file ${file.name} has sizeBytes ${JSON.stringify(file.sizeBytes)}; expected a positive integer`);
  }
}

/** The manifest in force: MILENS_MODEL_MANIFEST's file when set, the built-in one otherwise. */
export function activeManifest(env: NodeJS.ProcessEnv = process.env): ModelManifest {
  const file = env.MILENS_MODEL_MANIFEST;
  if (!file) return MODEL_MANIFEST;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw unreadable(file, `MILENS_MODEL_MANIFEST must name a JSON model manifest (${(error as Error).message})`);
  }
  return validateManifest(parsed, `MILENS_MODEL_MANIFEST (${file})`);
}

export function findModel(manifest: ModelManifest, id: string): ModelSpec {
  const model = manifest.find((candidate) => candidate.id === id);
  // An argument problem (exit 2, as every argument problem): the id names nothing the manifest knows.
  if (!model)
    throw invalidArgument(`Unknown model ${JSON.stringify(id)}; known models: ${manifest.map((m) => m.id).join(', ') || 'none'}`, {
      argument: 'id',
      value: id,
      known: manifest.map((m) => m.id),
    });
  return model;
}

export function fileForRole(model: ModelSpec, role: ModelFileRole): ModelFileSpec {
  const file = model.files.find((candidate) => candidate.role === role);
  if (!file) throw notFound(`Model ${model.id} has no ${role} file`);
  return file;
}

export function modelSizeBytes(model: ModelSpec): number {
  return model.files.reduce((sum, file) => sum + file.sizeBytes, 0);
}

/**
 * Where a file is fetched from. MILENS_MODEL_BASE_URL (a mirror or an offline server, http or https) serves
 * every file at `<base>/<model id>/<file name>`; without it, the manifest's https URL.
 */
export function sourceUrl(model: ModelSpec, file: ModelFileSpec, baseUrl: string | undefined = process.env.MILENS_MODEL_BASE_URL): string {
  if (!baseUrl) return file.url;
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    throw invalidArgument(`MILENS_MODEL_BASE_URL is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw invalidArgument(`MILENS_MODEL_BASE_URL must be an http or https URL but is ${base.href}`);
  }
  return new URL(`${encodeURIComponent(model.id)}/${encodeURIComponent(file.name)}`, base).href;
}
