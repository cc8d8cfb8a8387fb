// `npm run make:test-model -- <folder>`: writes milens' TEST model, a tiny image-text model anyone can build
// (no downloads), with the tensor names, dtypes and shapes of the real CLIP exports, for end-to-end tests:
//
//   vision_model.onnx  pixel_values float32 [N, 3, 224, 224] -> image_embeds float32 [N, 4]
//   text_model.onnx    input_ids    int64   [N, 77]          -> text_embeds  float32 [N, 4]
//   tokenizer.json     a CLIP-style byte-level BPE vocabulary (512 byte symbols, merges that make each colour
//                      word one token, <|startoftext|>, <|endoftext|>)
//   test-model-manifest.json   a model manifest holding only this model (for MILENS_MODEL_MANIFEST)
//
// Its embeddings mean one thing: colour. The image tower averages the normalised pixels (ReduceMean), undoes
// CLIP's normalisation (Mul, Add) and maps the mean colour (r, g, b) to opponent chroma (MatMul, Add):
//   x = r - (g + b) / 2,   y = (g - b) * sqrt(3) / 2,   neutral = 0.05,   spare = 0
// so the direction of (x, y) is the photo's mean hue (red 0°, yellow 60°, green 120°, cyan 180°, blue 240°,
// magenta 300°) and its length the saturation. The text tower looks each token up in a table (Gather) and sums
// over the context (ReduceSum): a colour word adds the unit vector of its hue (orange 30°, purple 270°, pink
// 330° besides the six above), "grey"/"gray" adds (0, 0, 1, 0), the end token adds (0, 0, 0, 0.01), every other
// token nothing. The cosine of "red" with a photo is therefore x / sqrt(x² + y² + 0.05²): the photo whose mean
// colour is most saturated towards red ranks first; "grey" ranks the least saturated first; a text without
// colour words is orthogonal to every photo. Preprocessing is CLIP ViT-B/32's (224, bicubic, CLIP mean/std).
//
// The model is marked testOnly, is never the default, and must not be used for real photo search.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOAT, INT64, encodeModel, initializer, node, valueInfo } from './lib/onnx-builder.mjs';

export const TEST_MODEL_ID = 'test-colour-clip';
export const TEST_MODEL_DIMENSION = 4;
const CONTEXT_LENGTH = 77;
const IMAGE_SIZE = 224;
const NEUTRAL = 0.05;
const END_WEIGHT = 0.01;
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** Hue angle in degrees of each colour word; null for the neutral words. */
export const COLOUR_WORDS = {
  red: 0,
  orange: 30,
  yellow: 60,
  green: 120,
  cyan: 180,
  blue: 240,
  purple: 270,
  magenta: 300,
  pink: 330,
  grey: null,
  gray: null,
};

/** The test image tower in plain arithmetic: the embedding of a photo whose mean colour is (r, g, b) in [0, 1]. */
export function colourEmbedding([r, g, b]) {
  return [r - (g + b) / 2, ((g - b) * Math.sqrt(3)) / 2, NEUTRAL, 0];
}

// --- tokenizer -------------------------------------------------------------------------------------------

/** GPT-2 / CLIP byte symbols in the reference's vocabulary order (printable bytes first, then the rest). */
function byteSymbols() {
  const printable = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const rest = [];
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) rest.push(b);
  return [...printable.map((b) => String.fromCodePoint(b)), ...rest.map((_, index) => String.fromCodePoint(256 + index))];
}

/** Byte-pair merging of one word with the merges so far (lowest rank first), as CLIP's tokenizer does. */
function mergeWord(word, ranks) {
  const symbols = [...word];
  symbols[symbols.length - 1] += '</w>';
  for (;;) {
    let best = null;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && (best === null || rank < best.rank)) best = { rank, left: symbols[i], right: symbols[i + 1] };
    }
    if (!best) return symbols;
    for (let i = 0; i + 1 < symbols.length; i++) {
      if (symbols[i] === best.left && symbols[i + 1] === best.right) symbols.splice(i, 2, best.left + best.right);
    }
  }
}

/**
 * Merges that make every colour word a single token: while a word still splits, its first two pieces are
 * merged by a new, last-ranked rule. A rule added last applies only where no earlier rule does, so words
 * already made whole stay whole.
 */
function colourMerges() {
  const merges = [];
  const ranks = new Map();
  for (const word of Object.keys(COLOUR_WORDS)) {
    for (let pieces = mergeWord(word, ranks); pieces.length > 1; pieces = mergeWord(word, ranks)) {
      const pair = `${pieces[0]} ${pieces[1]}`;
      ranks.set(pair, merges.length);
      merges.push(pair);
    }
  }
  for (const word of Object.keys(COLOUR_WORDS)) {
    if (mergeWord(word, ranks).length !== 1) throw new Error(`make-test-model: ${word} is not one token`);
  }
  return merges;
}

function buildTokenizer() {
  const bytes = byteSymbols();
  const merges = colourMerges();
  const tokens = [...bytes, ...bytes.map((symbol) => `${symbol}</w>`), ...merges.map((pair) => pair.replace(' ', ''))];
  const vocab = {};
  for (const token of tokens) if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
  const startId = Object.keys(vocab).length;
  vocab['<|startoftext|>'] = startId;
  vocab['<|endoftext|>'] = startId + 1;
  const json = {
    version: '1.0',
    // Marks the file as milens' generated test tokenizer wherever it ends up.
    milensTestModel: 'colour words only; see scripts/make-test-model.mjs',
    added_tokens: [
      { id: startId, content: '<|startoftext|>', special: true },
      { id: startId + 1, content: '<|endoftext|>', special: true },
    ],
    model: { type: 'BPE', vocab, merges },
  };
  return { json, vocab, endId: startId + 1 };
}

// --- graphs ----------------------------------------------------------------------------------------------

function imageEncoder() {
  const s3 = Math.sqrt(3) / 2;
  // rgb [N, 3] x W [3, 4]: columns x, y, neutral, spare.
  const weights = new Float32Array([1, 0, 0, 0, -0.5, s3, 0, 0, -0.5, -s3, 0, 0]);
  return encodeModel({
    name: 'milens_test_colour_image_encoder',
    docString: 'milens TEST model: mean colour to opponent chroma (scripts/make-test-model.mjs). Not for real use.',
    inputs: [valueInfo('pixel_values', FLOAT, ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE])],
    outputs: [valueInfo('image_embeds', FLOAT, ['batch_size', TEST_MODEL_DIMENSION])],
    initializers: [
      initializer('clip_std', [3], new Float32Array(CLIP_STD)),
      initializer('clip_mean', [3], new Float32Array(CLIP_MEAN)),
      initializer('chroma_weights', [3, TEST_MODEL_DIMENSION], weights),
      initializer('chroma_bias', [TEST_MODEL_DIMENSION], new Float32Array([0, 0, NEUTRAL, 0])),
    ],
    nodes: [
      node('ReduceMean', ['pixel_values'], ['normalised_mean'], { axes: [2, 3], keepdims: 0 }),
      node('Mul', ['normalised_mean', 'clip_std'], ['scaled_mean']),
      node('Add', ['scaled_mean', 'clip_mean'], ['mean_rgb']),
      node('MatMul', ['mean_rgb', 'chroma_weights'], ['chroma']),
      node('Add', ['chroma', 'chroma_bias'], ['image_embeds']),
    ],
  });
}

function textEncoder(vocab, endId) {
  const size = Object.keys(vocab).length;
  const table = new Float32Array(size * TEST_MODEL_DIMENSION);
  for (const [word, hue] of Object.entries(COLOUR_WORDS)) {
    const id = vocab[`${word}</w>`];
    const row = hue === null ? [0, 0, 1, 0] : [Math.cos((hue * Math.PI) / 180), Math.sin((hue * Math.PI) / 180), 0, 0];
    table.set(row, id * TEST_MODEL_DIMENSION);
  }
  table.set([0, 0, 0, END_WEIGHT], endId * TEST_MODEL_DIMENSION);
  return encodeModel({
    name: 'milens_test_colour_text_encoder',
    docString: 'milens TEST model: colour words to hue directions (scripts/make-test-model.mjs). Not for real use.',
    inputs: [valueInfo('input_ids', INT64, ['batch_size', CONTEXT_LENGTH])],
    outputs: [valueInfo('text_embeds', FLOAT, ['batch_size', TEST_MODEL_DIMENSION])],
    initializers: [
      initializer('token_table', [size, TEST_MODEL_DIMENSION], table),
      initializer('sequence_axis', [1], new BigInt64Array([1n])),
    ],
    nodes: [
      node('Gather', ['token_table', 'input_ids'], ['token_vectors'], { axis: 0 }),
      node('ReduceSum', ['token_vectors', 'sequence_axis'], ['text_embeds'], { keepdims: 0 }),
    ],
  });
}

// --- the model folder ------------------------------------------------------------------------------------

function fileEntry(name, role, bytes) {
  return {
    name,
    role,
    // Never fetched: the test model is installed with `milens models import`.
    url: `https://example.invalid/milens-test-model/${name}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
  };
}

/** Writes the test model into `folder`; returns its manifest entry and the path of the one-model manifest. */
export function makeTestModel(folder) {
  mkdirSync(folder, { recursive: true });
  const tokenizer = buildTokenizer();
  const files = [
    ['vision_model.onnx', 'image-encoder', imageEncoder()],
    ['text_model.onnx', 'text-encoder', textEncoder(tokenizer.vocab, tokenizer.endId)],
    ['tokenizer.json', 'tokenizer', Buffer.from(`${JSON.stringify(tokenizer.json)}\n`)],
  ];
  for (const [name, , bytes] of files) writeFileSync(path.join(folder, name), bytes);
  const entry = {
    id: TEST_MODEL_ID,
    name: 'TEST MODEL: colour words only (generated by npm run make:test-model; not for real photos)',
    family: TEST_MODEL_ID,
    licence: 'MIT',
    licenceUrl: 'https://opensource.org/license/mit',
    homepage: 'https://example.invalid/milens-test-model',
    embeddingDimension: TEST_MODEL_DIMENSION,
    testOnly: true,
    files: files.map(([name, role, bytes]) => fileEntry(name, role, bytes)),
    inference: {
      image: {
        input: 'pixel_values',
        output: 'image_embeds',
        preprocess: { size: IMAGE_SIZE, resize: 'shortest-edge', interpolation: 'bicubic', mean: CLIP_MEAN, std: CLIP_STD },
      },
      text: { input: 'input_ids', output: 'text_embeds', tokenizer: 'clip-bpe', contextLength: CONTEXT_LENGTH, padId: 0 },
      scoring: { kind: 'softmax', logitScale: 100, logitBias: 0 },
    },
  };
  const manifestPath = path.join(folder, 'test-model-manifest.json');
  writeFileSync(manifestPath, `${JSON.stringify([entry], null, 2)}\n`);
  return { entry, manifestPath };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = process.argv[2];
  if (!folder) {
    console.error('usage: npm run make:test-model -- <folder>');
    process.exit(2);
  }
  const { manifestPath } = makeTestModel(path.resolve(folder));
  console.log(`wrote the TEST model ${TEST_MODEL_ID} to ${path.resolve(folder)}`);
  console.log(`install it: MILENS_MODEL_MANIFEST=${manifestPath} milens models import ${TEST_MODEL_ID} ${path.resolve(folder)}`);
}
