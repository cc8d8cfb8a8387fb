// `milens models …` as a user runs it: the built CLI in a child process, downloading from a local server
// through the mirror override (MILENS_MODEL_BASE_URL) with a test manifest (MILENS_MODEL_MANIFEST), then
// doctor reporting the model installed; offline import good and bad. Nothing leaves 127.0.0.1.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorReport, ModelInfo } from '../../main/api/contract.js';
import { runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';
import { generatedBytes, sha256, startModelServer, type ModelServer } from '../models/model-server.js';
import { serveModel, testModel } from '../models/test-manifest.js';

let server: ModelServer;
let env: NodeJS.ProcessEnv;
let home: string;
const tiny = testModel('tiny-clip');
const loose = testModel('loose-clip', { unverified: true });

beforeEach(async () => {
  server = await startModelServer();
  home = makeTempFolder();
  const manifest = path.join(makeTempFolder(), 'models.json');
  writeFileSync(manifest, JSON.stringify([tiny.spec, loose.spec]));
  serveModel(server, loose);
  env = { MILENS_HOME: home, MILENS_MODEL_MANIFEST: manifest, MILENS_MODEL_BASE_URL: serveModel(server, tiny) };
});

afterEach(async () => {
  await server.close();
});

describe('milens models', () => {
  it('lists, downloads with progress on stderr, and doctor then reports the model installed', async () => {
    const before = await runMilens(['models', 'list', '--json'], { env });
    expect(before.code, before.stderr).toBe(0);
    expect((JSON.parse(before.stdout) as ModelInfo[]).map((model) => [model.id, model.installed])).toEqual([
      ['tiny-clip', false],
      ['loose-clip', false],
    ]);

    const download = await runMilens(['models', 'download', 'tiny-clip', '--json'], { env });
    expect(download.code, download.stderr).toBe(0);
    const installed = JSON.parse(download.stdout) as ModelInfo;
    expect(installed).toMatchObject({ id: 'tiny-clip', installed: true });
    expect(download.stderr).toMatch(/downloading tiny-clip: .*\(100%\)/);
    expect(server.requests.map((request) => [request.path, request.status])).toEqual([
      ['/mirror/tiny-clip/vision_model.onnx', 200],
      ['/mirror/tiny-clip/text_model.onnx', 200],
      ['/mirror/tiny-clip/tokenizer.json', 200],
    ]);

    const doctor = await runMilens(['doctor', '--json'], { env });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect((JSON.parse(doctor.stdout) as DoctorReport).models).toMatchObject({
      folder: path.join(home, 'models'),
      installed: ['tiny-clip'],
    });

    const table = await runMilens(['models', 'list'], { env });
    expect(table.stdout).toMatch(/^tiny-clip\s.*\byes$/m);
    expect(table.stdout).toMatch(/^loose-clip\s.*\bno$/m);
  });

  it('resumes a download that a broken connection interrupted', async () => {
    server.cutNextAfter = 900_000;
    // The CLI retries by itself; the second request must continue where the part ended.
    const download = await runMilens(['models', 'download', 'tiny-clip', '--json'], { env });
    expect(download.code, download.stderr).toBe(0);
    const vision = server.requests.filter((request) => request.path.endsWith('/vision_model.onnx'));
    expect(vision).toHaveLength(2);
    expect(vision[1].status).toBe(206);
    expect(vision[1].range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('fails with the reason: a checksum mismatch, a 404, an unchecksummed model, an unknown id', async () => {
    const wrong = generatedBytes(tiny.bytes.get('tokenizer.json')!.length, 1234);
    server.files.set('/mirror/tiny-clip/tokenizer.json', wrong);
    const mismatch = await runMilens(['models', 'download', 'tiny-clip'], { env });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(tiny.spec.files[2].sha256!);
    expect(mismatch.stderr).toContain(sha256(wrong));
    expect(existsSync(path.join(home, 'models', 'tiny-clip', 'manifest.json'))).toBe(false);

    server.files.delete('/mirror/tiny-clip/tokenizer.json');
    const missing = await runMilens(['models', 'download', 'tiny-clip', '--json'], { env });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('NOT_FOUND');
    expect(missing.stderr).toContain(`${server.origin}/mirror/tiny-clip/tokenizer.json`);

    const refused = await runMilens(['models', 'download', 'loose-clip'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--allow-unverified');
    const allowed = await runMilens(['models', 'download', 'loose-clip', '--allow-unverified', '--json'], { env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ installed: true, checksummed: false });

    const unknown = await runMilens(['models', 'download', 'clip-vit-h14'], { env });
    expect(unknown.code).toBe(2); // an argument problem, as the README's exit codes say
    expect(unknown.stderr).toMatch(/Unknown model "clip-vit-h14"; known models: .*\btiny-clip\b/);
  });

  it('imports files downloaded elsewhere, refusing a corrupt one', async () => {
    const downloads = makeTempFolder();
    mkdirSync(path.join(downloads, 'onnx'));
    writeFileSync(path.join(downloads, 'onnx', 'vision_model.onnx'), tiny.bytes.get('vision_model.onnx')!);
    writeFileSync(path.join(downloads, 'onnx', 'text_model.onnx'), generatedBytes(tiny.bytes.get('text_model.onnx')!.length, 8));
    writeFileSync(path.join(downloads, 'tokenizer.json'), tiny.bytes.get('tokenizer.json')!);

    const bad = await runMilens(['models', 'import', 'tiny-clip', downloads, '--json'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Checksum mismatch');
    expect(bad.stderr).toContain(path.join(downloads, 'onnx', 'text_model.onnx'));

    writeFileSync(path.join(downloads, 'onnx', 'text_model.onnx'), tiny.bytes.get('text_model.onnx')!);
    const good = await runMilens(['models', 'import', 'tiny-clip', downloads, '--json'], { env });
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ missing: [], model: { id: 'tiny-clip', installed: true } });
    expect(server.requests).toHaveLength(0);

    const doctor = JSON.parse((await runMilens(['doctor', '--json'], { env })).stdout) as DoctorReport;
    expect(doctor.models.installed).toEqual(['tiny-clip']);
  });
});
