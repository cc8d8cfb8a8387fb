// Offline import: files downloaded elsewhere are installed only when they match the manifest's size and
// SHA-256; a bad file is refused with both checksums named and nothing of it installed.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModel } from '../../models/import.js';
import { isModelInstalled, readReceipt } from '../../models/installed.js';
import { rejection } from '../helpers/errors.js';
import { makeTempFolder } from '../helpers/temp.js';
import { generatedBytes, sha256 } from './model-server.js';
import { testModel, type TestModel } from './test-manifest.js';

/** A folder laid out as the Hugging Face repository is: ONNX files under onnx/, the tokenizer at the top. */
function hubLayout(model: TestModel): string {
  const folder = makeTempFolder();
  mkdirSync(path.join(folder, 'onnx'));
  for (const [name, bytes] of model.bytes) writeFileSync(path.join(folder, name.endsWith('.onnx') ? 'onnx' : '', name), bytes);
  return folder;
}

describe('importModel', () => {
  it('installs a model from a folder in the hub layout and writes the receipt', async () => {
    const model = testModel();
    const modelsFolder = makeTempFolder();
    const result = await importModel({ modelsFolder, model: model.spec, sources: [hubLayout(model)] });

    expect(result.missing).toEqual([]);
    expect(result.imported.map((entry) => entry.file)).toEqual(['vision_model.onnx', 'text_model.onnx', 'tokenizer.json']);
    expect(result.model.installed).toBe(true);
    const folder = path.join(modelsFolder, model.spec.id);
    for (const [name, bytes] of model.bytes) expect(readFileSync(path.join(folder, name)).equals(bytes)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['manifest.json', 'text_model.onnx', 'tokenizer.json', 'vision_model.onnx']);
    expect(readReceipt(modelsFolder, model.spec.id)?.source).toBe('import');
  });

  it('matches a renamed file by its checksum, and installs the model once its last file arrives', async () => {
    const model = testModel();
    const modelsFolder = makeTempFolder();
    const downloads = makeTempFolder();
    const renamed = path.join(downloads, 'clip-image-encoder (1).onnx');
    writeFileSync(renamed, model.bytes.get('vision_model.onnx')!);
    writeFileSync(path.join(downloads, 'text_model.onnx'), model.bytes.get('text_model.onnx')!);

    const first = await importModel({ modelsFolder, model: model.spec, sources: [renamed, path.join(downloads, 'text_model.onnx')] });
    expect(first.imported).toEqual([
      { file: 'vision_model.onnx', from: renamed },
      { file: 'text_model.onnx', from: path.join(downloads, 'text_model.onnx') },
    ]);
    expect(first.missing).toEqual(['tokenizer.json']);
    expect(first.model.installed).toBe(false);
    expect(isModelInstalled(modelsFolder, model.spec)).toBe(false);

    writeFileSync(path.join(downloads, 'tokenizer.json'), model.bytes.get('tokenizer.json')!);
    const second = await importModel({ modelsFolder, model: model.spec, sources: [path.join(downloads, 'tokenizer.json')] });
    expect(second.missing).toEqual([]);
    expect(second.model.installed).toBe(true);
  });

  it('refuses a file with the right size but the wrong bytes, naming both checksums, and installs nothing of it', async () => {
    const model = testModel();
    const modelsFolder = makeTempFolder();
    const source = hubLayout(model);
    const bad = generatedBytes(model.bytes.get('text_model.onnx')!.length, 404);
    writeFileSync(path.join(source, 'onnx', 'text_model.onnx'), bad);

    const error = await rejection(importModel({ modelsFolder, model: model.spec, sources: [source] }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(path.join(source, 'onnx', 'text_model.onnx'));
    expect(error.message).toContain(model.spec.files[1].sha256!);
    expect(error.message).toContain(sha256(bad));
    const folder = path.join(modelsFolder, model.spec.id);
    expect(existsSync(path.join(folder, 'text_model.onnx'))).toBe(false);
    expect(existsSync(path.join(folder, 'manifest.json'))).toBe(false);
    expect(readdirSync(folder).filter((name) => name.includes('.part'))).toEqual([]);
    expect(isModelInstalled(modelsFolder, model.spec)).toBe(false);
  });

  it('refuses a file of the wrong size', async () => {
    const model = testModel();
    const modelsFolder = makeTempFolder();
    const source = path.join(makeTempFolder(), 'tokenizer.json');
    writeFileSync(source, model.bytes.get('tokenizer.json')!.subarray(0, 1000));
    const error = await rejection(importModel({ modelsFolder, model: model.spec, sources: [source] }));
    expect(error.message).toContain(`must be ${model.spec.files[2].sizeBytes} bytes`);
    expect(error.message).toContain('has 1000');
    expect(existsSync(path.join(modelsFolder, model.spec.id, 'tokenizer.json'))).toBe(false);
  });

  it('refuses files and folders that hold nothing of the model, and paths that do not exist', async () => {
    const model = testModel();
    const modelsFolder = makeTempFolder();
    const stranger = path.join(makeTempFolder(), 'holiday.jpg');
    writeFileSync(stranger, generatedBytes(5000, 3));
    const notOurs = await rejection(importModel({ modelsFolder, model: model.spec, sources: [stranger] }));
    expect(notOurs.code).toBe('INVALID_ARGUMENT');
    expect(notOurs.message).toContain(stranger);
    expect(notOurs.message).toContain(sha256(generatedBytes(5000, 3)));

    const empty = makeTempFolder();
    expect((await rejection(importModel({ modelsFolder, model: model.spec, sources: [empty] }))).code).toBe('NOT_FOUND');
    const missing = path.join(empty, 'nope.onnx');
    const absent = await rejection(importModel({ modelsFolder, model: model.spec, sources: [missing] }));
    expect(absent.message).toContain(missing);
  });

  it('refuses a model with an unchecksummed file unless unverified files are allowed', async () => {
    const model = testModel('loose-clip', { unverified: true });
    const modelsFolder = makeTempFolder();
    const source = hubLayout(model);
    const refused = await rejection(importModel({ modelsFolder, model: model.spec, sources: [source] }));
    expect(refused.message).toContain('--allow-unverified');
    expect(existsSync(path.join(modelsFolder, 'loose-clip'))).toBe(false);

    const result = await importModel({ modelsFolder, model: model.spec, sources: [source], allowUnverified: true });
    expect(result.model.installed).toBe(true);
  });
});
