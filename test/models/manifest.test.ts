// The built-in model manifest and its rules: https URLs pinned to a commit, a checksum and size for every
// file, one image encoder, text encoder and tokenizer per model; the mirror and manifest overrides.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_MANIFEST, activeManifest, fileForRole, findModel, sourceUrl, validateManifest } from '../../models/manifest.js';
import { makeTempFolder } from '../helpers/temp.js';
import { testModel } from './test-manifest.js';

describe('the built-in model manifest', () => {
  it('passes its own validation', () => {
    expect(validateManifest(MODEL_MANIFEST)).toBe(MODEL_MANIFEST);
    expect(MODEL_MANIFEST.map((model) => model.id)).toEqual(['clip-vit-b32', 'clip-vit-b32-quantized', 'mobileclip-s0']);
    expect(MODEL_MANIFEST.some((model) => model.testOnly)).toBe(false);
  });

  it('describes two families with different preprocessing: CLIP (224, bicubic, CLIP mean/std) and MobileCLIP (256, bilinear, none)', () => {
    const clip = findModel(MODEL_MANIFEST, 'clip-vit-b32').inference;
    const mobile = findModel(MODEL_MANIFEST, 'mobileclip-s0').inference;
    expect(clip.image.preprocess).toMatchObject({
      size: 224,
      resize: 'shortest-edge',
      interpolation: 'bicubic',
      mean: [0.48145466, 0.4578275, 0.40821073],
    });
    expect(mobile.image.preprocess).toEqual({
      size: 256,
      resize: 'shortest-edge',
      interpolation: 'bilinear',
      mean: [0, 0, 0],
      std: [1, 1, 1],
    });
    for (const inference of [clip, mobile]) {
      expect(inference.image).toMatchObject({ input: 'pixel_values', output: 'image_embeds' });
      expect(inference.text).toEqual({ input: 'input_ids', output: 'text_embeds', tokenizer: 'clip-bpe', contextLength: 77, padId: 0 });
    }
    expect(findModel(MODEL_MANIFEST, 'mobileclip-s0').licence).toBe('apple-amlr');
  });

  it('pins every URL to a commit of the hub and checksums every file', () => {
    for (const model of MODEL_MANIFEST) {
      expect(model.embeddingDimension).toBe(512);
      for (const role of ['image-encoder', 'text-encoder', 'tokenizer'] as const) expect(fileForRole(model, role).role).toBe(role);
      for (const file of model.files) {
        expect(file.url).toMatch(/^https:\/\/huggingface\.co\/Xenova\/(clip-vit-base-patch32|mobileclip_s0)\/resolve\/[0-9a-f]{40}\//);
        expect(file.url.endsWith(`/${file.name}`)).toBe(true);
        expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    expect(fileForRole(findModel(MODEL_MANIFEST, 'clip-vit-b32'), 'image-encoder')).toMatchObject({
      sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
      sizeBytes: 351_685_709,
    });
  });
});

describe('validateManifest', () => {
  const valid = () => [structuredClone(testModel().spec)];

  it('refuses http URLs, malformed checksums, duplicate ids, unsafe file names and a missing role', () => {
    const http = valid();
    http[0].files[0].url = 'http://example.invalid/model.onnx';
    expect(() => validateManifest(http)).toThrow(/must be downloaded over https.*MILENS_MODEL_BASE_URL/);

    const checksum = valid();
    checksum[0].files[0].sha256 = 'ABC';
    expect(() => validateManifest(checksum)).toThrow(/sha256 "ABC"/);

    expect(() => validateManifest([...valid(), ...valid()])).toThrow(/appears twice/);

    const traversal = valid();
    traversal[0].files[0].name = '../escape.onnx';
    expect(() => validateManifest(traversal)).toThrow(/plain file name/);

    const receipt = valid();
    receipt[0].files[2].name = 'manifest.json';
    expect(() => validateManifest(receipt)).toThrow(/plain file name/);

    const roles = valid();
    roles[0].files[1].role = 'image-encoder';
    expect(() => validateManifest(roles)).toThrow(/exactly one image-encoder file but has 2/);

    const size = valid();
    size[0].files[0].sizeBytes = 0;
    expect(() => validateManifest(size)).toThrow(/sizeBytes 0/);
  });

  it('refuses inference settings the embedder cannot use, naming the field', () => {
    const missing = valid() as unknown as Array<Record<string, unknown>>;
    delete missing[0].inference;
    expect(() => validateManifest(missing)).toThrow(/inference must be an object/);

    const std = valid();
    std[0].inference = structuredClone(std[0].inference);
    std[0].inference.image.preprocess.std = [0.2, 0, 0.2];
    expect(() => validateManifest(std)).toThrow(/preprocess.std must be three numbers above 0/);

    const resize = valid();
    resize[0].inference = structuredClone(resize[0].inference);
    (resize[0].inference.image.preprocess as { resize: string }).resize = 'letterbox';
    expect(() => validateManifest(resize)).toThrow(/resize must be shortest-edge or squash/);

    const tokenizer = valid();
    tokenizer[0].inference = structuredClone(tokenizer[0].inference);
    (tokenizer[0].inference.text as { tokenizer: string }).tokenizer = 'sentencepiece';
    expect(() => validateManifest(tokenizer)).toThrow(/tokenizer must be clip-bpe/);

    const scoring = valid();
    scoring[0].inference = structuredClone(scoring[0].inference);
    (scoring[0].inference.scoring as { kind: string }).kind = 'cosine';
    expect(() => validateManifest(scoring)).toThrow(/inference.scoring needs kind/);
  });

  it('accepts a null checksum (the downloader refuses it unless told otherwise)', () => {
    expect(() => validateManifest([testModel('x', { unverified: true }).spec])).not.toThrow();
  });
});

describe('overrides', () => {
  it('fetches from MILENS_MODEL_BASE_URL as <base>/<id>/<file> when set, the manifest URL otherwise', () => {
    const model = findModel(MODEL_MANIFEST, 'clip-vit-b32');
    const file = fileForRole(model, 'text-encoder');
    expect(sourceUrl(model, file, undefined)).toBe(file.url);
    expect(sourceUrl(model, file, 'http://10.0.0.5:8080/milens')).toBe('http://10.0.0.5:8080/milens/clip-vit-b32/text_model.onnx');
    expect(sourceUrl(model, file, 'https://mirror.example/models/')).toBe('https://mirror.example/models/clip-vit-b32/text_model.onnx');
    expect(() => sourceUrl(model, file, 'ftp://mirror.example/')).toThrow(/http or https/);
  });

  it('reads MILENS_MODEL_MANIFEST, validating it, and names the file when it is unreadable', () => {
    const folder = makeTempFolder();
    const file = path.join(folder, 'models.json');
    writeFileSync(file, JSON.stringify([testModel('tiny-clip').spec]));
    expect(activeManifest({ MILENS_MODEL_MANIFEST: file }).map((model) => model.id)).toEqual(['tiny-clip']);
    expect(activeManifest({})).toBe(MODEL_MANIFEST);

    writeFileSync(file, '{not json');
    expect(() => activeManifest({ MILENS_MODEL_MANIFEST: file })).toThrow(file);
    writeFileSync(file, JSON.stringify([{ id: 'UPPER' }]));
    expect(() => activeManifest({ MILENS_MODEL_MANIFEST: file })).toThrow(/MILENS_MODEL_MANIFEST.*id must be lowercase/);
  });

  it('names the known models when an id is unknown', () => {
    expect(() => findModel(MODEL_MANIFEST, 'clip-vit-h14')).toThrow(
      /Unknown model "clip-vit-h14"; known models: clip-vit-b32, clip-vit-b32-quantized/,
    );
  });
});
