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

export const MODEL_MANIFEST: ModelManifest = [
  {
    id: 'clip-vit-b32',
    name: 'CLIP ViT-B/32 (float32)',
    family: 'clip-vit-b32',
    ...OPENAI_CLIP_LICENCE,
    embeddingDimension: 512,
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
  if (!model) throw notFound(`Unknown model ${JSON.stringify(id)}; known models: ${manifest.map((m) => m.id).join(', ') || 'none'}`);
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
