// Whole-model downloads and the installed state: a model is installed only after every file was verified
// and the receipt written; broken or missing files are fetched again, intact ones are kept.
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadModel } from '../../models/download.js';
import { describeModel, installedModelIds, isModelInstalled, readReceipt } from '../../models/installed.js';
import { modelSizeBytes } from '../../models/manifest.js';
import { makeTempFolder } from '../helpers/temp.js';
import { generatedBytes, sha256, startModelServer, type ModelServer } from './model-server.js';
import { serveModel, testModel } from './test-manifest.js';

let server: ModelServer;

beforeEach(async () => {
  server = await startModelServer();
});

afterEach(async () => {
  await server.close();
});

describe('downloadModel', () => {
  it('downloads every file through the mirror, writes the receipt, and only then counts the model installed', async () => {
    const model = testModel();
    const baseUrl = serveModel(server, model);
    const modelsFolder = makeTempFolder();
    const progress: Array<{ bytes: number; total: number; installed: boolean }> = [];
    const info = await downloadModel({
      modelsFolder,
      model: model.spec,
      baseUrl,
      retryDelayMs: 0,
      onProgress: ({ bytes, total }) => progress.push({ bytes, total, installed: isModelInstalled(modelsFolder, model.spec) }),
    });
    const folder = path.join(modelsFolder, model.spec.id);

    expect(info.installed).toBe(true);
    expect(info.files.every((file) => file.installed)).toBe(true);
    for (const [name, bytes] of model.bytes) expect(readFileSync(path.join(folder, name)).equals(bytes)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['manifest.json', 'text_model.onnx', 'tokenizer.json', 'vision_model.onnx']);
    expect(progress.at(-1)?.bytes).toBe(info.sizeBytes);
    expect(progress.every((event) => event.total === modelSizeBytes(model.spec))).toBe(true);
    // Nothing counted as installed while the download was still running.
    expect(progress.some((event) => event.installed)).toBe(false);
    expect(server.requests.map((r) => r.path)).toEqual([
      '/mirror/tiny-clip/vision_model.onnx',
      '/mirror/tiny-clip/text_model.onnx',
      '/mirror/tiny-clip/tokenizer.json',
    ]);

    const receipt = readReceipt(modelsFolder, model.spec.id)!;
    expect(receipt).toMatchObject({ formatVersion: 1, id: 'tiny-clip', source: 'download', embeddingDimension: 8 });
    expect(receipt.files.map((file) => [file.name, file.sha256, file.verified])).toEqual(
      model.spec.files.map((file) => [file.name, file.sha256, true]),
    );
    expect(installedModelIds(modelsFolder, [model.spec])).toEqual(['tiny-clip']);
  });

  it('does not count files copied in by hand without a receipt, and verifies them before keeping them', async () => {
    const model = testModel();
    const baseUrl = serveModel(server, model);
    const modelsFolder = makeTempFolder();
    const folder = path.join(modelsFolder, model.spec.id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'vision_model.onnx'), model.bytes.get('vision_model.onnx')!);
    // Right size, wrong bytes: must be replaced, not trusted.
    writeFileSync(path.join(folder, 'text_model.onnx'), generatedBytes(model.bytes.get('text_model.onnx')!.length, 77));
    writeFileSync(path.join(folder, 'tokenizer.json'), model.bytes.get('tokenizer.json')!);

    const before = describeModel(modelsFolder, model.spec);
    expect(before.installed).toBe(false);
    expect(before.files.every((file) => file.installed)).toBe(true);
    expect(installedModelIds(modelsFolder, [model.spec])).toEqual([]);

    const after = await downloadModel({ modelsFolder, model: model.spec, baseUrl, retryDelayMs: 0 });
    expect(after.installed).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/mirror/tiny-clip/text_model.onnx']);
    expect(readFileSync(path.join(folder, 'text_model.onnx')).equals(model.bytes.get('text_model.onnx')!)).toBe(true);
  });

  it('answers at once for an installed model, and fetches again only a file that went missing or short', async () => {
    const model = testModel();
    const baseUrl = serveModel(server, model);
    const modelsFolder = makeTempFolder();
    await downloadModel({ modelsFolder, model: model.spec, baseUrl, retryDelayMs: 0 });
    server.requests.length = 0;

    await downloadModel({ modelsFolder, model: model.spec, baseUrl, retryDelayMs: 0 });
    expect(server.requests).toHaveLength(0);

    truncateSync(path.join(modelsFolder, model.spec.id, 'tokenizer.json'), 1000);
    expect(isModelInstalled(modelsFolder, model.spec)).toBe(false);
    const repaired = await downloadModel({ modelsFolder, model: model.spec, baseUrl, retryDelayMs: 0 });
    expect(repaired.installed).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/mirror/tiny-clip/tokenizer.json']);
  });

  it('leaves no receipt when one file fails verification, and names the file', async () => {
    const model = testModel();
    const baseUrl = serveModel(server, model);
    const wrong = generatedBytes(model.bytes.get('text_model.onnx')!.length, 5);
    server.files.set('/mirror/tiny-clip/text_model.onnx', wrong);
    const modelsFolder = makeTempFolder();

    const error = await downloadModel({ modelsFolder, model: model.spec, baseUrl, retryDelayMs: 0 }).then(
      () => null,
      (caught: Error) => caught,
    );
    expect(error?.message).toContain('/mirror/tiny-clip/text_model.onnx');
    expect(error?.message).toContain(sha256(wrong));
    expect(error?.message).toContain(model.spec.files[1].sha256!);
    expect(existsSync(path.join(modelsFolder, 'tiny-clip', 'manifest.json'))).toBe(false);
    expect(existsSync(path.join(modelsFolder, 'tiny-clip', 'text_model.onnx'))).toBe(false);
    expect(isModelInstalled(modelsFolder, model.spec)).toBe(false);
  });

  it('refuses a model with an unchecksummed file before any request, unless unverified files are allowed', async () => {
    const model = testModel('loose-clip', { unverified: true });
    const baseUrl = serveModel(server, model);
    const modelsFolder = makeTempFolder();
    const refused = await downloadModel({ modelsFolder, model: model.spec, baseUrl }).then(
      () => null,
      (caught: Error) => caught,
    );
    expect(refused?.message).toMatch(/no SHA-256 for tokenizer\.json.*--allow-unverified/);
    expect(server.requests).toHaveLength(0);

    const info = await downloadModel({ modelsFolder, model: model.spec, baseUrl, allowUnverified: true, retryDelayMs: 0 });
    expect(info.installed).toBe(true);
    expect(info.checksummed).toBe(false);
    const tokenizer = readReceipt(modelsFolder, 'loose-clip')!.files.find((file) => file.name === 'tokenizer.json')!;
    expect(tokenizer).toMatchObject({ verified: false, sha256: sha256(model.bytes.get('tokenizer.json')!) });
  });

  it('no longer counts a model installed when the manifest changes a checksum', async () => {
    const model = testModel();
    const baseUrl = serveModel(server, model);
    const modelsFolder = makeTempFolder();
    await downloadModel({ modelsFolder, model: model.spec, baseUrl, retryDelayMs: 0 });
    const changed = { ...model.spec, files: model.spec.files.map((file, i) => (i === 0 ? { ...file, sha256: '0'.repeat(64) } : file)) };
    expect(isModelInstalled(modelsFolder, model.spec)).toBe(true);
    expect(isModelInstalled(modelsFolder, changed)).toBe(false);
  });
});
