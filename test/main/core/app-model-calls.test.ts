// The model calls the Settings view adds: a download with a jobId reports jobProgress in bytes and stops
// on cancelJob (rejecting CANCELLED, the model not installed), and importModel installs from a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../main/api/contract.js';
import { createMilensCore, type MilensCore } from '../../../main/core/api.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { startModelServer, type ModelServer } from '../../models/model-server.js';
import { serveModel, testModel, type TestModel } from '../../models/test-manifest.js';

let server: ModelServer;
let core: MilensCore;
let folder: string;
let model: TestModel;
const savedEnv = { ...process.env };

beforeEach(async () => {
  server = await startModelServer();
  folder = makeTempFolder();
  const manifestFile = path.join(folder, 'models.json');
  model = testModel('tiny-clip');
  writeFileSync(manifestFile, JSON.stringify([model.spec]));
  process.env.MILENS_MODEL_BASE_URL = serveModel(server, model);
  process.env.MILENS_MODEL_MANIFEST = manifestFile;
  core = createMilensCore({ databasePath: path.join(folder, 'milens.sqlite'), modelsFolder: path.join(folder, 'models') });
});

afterEach(async () => {
  core.close();
  await server.close();
  process.env = { ...savedEnv };
});

describe('model calls of the app', () => {
  it('cancels a download started with a jobId', async () => {
    const events: JobProgressEvent[] = [];
    core.context.on('jobProgress', (event) => events.push(event));
    const download = core.api.downloadModel('tiny-clip', { jobId: 'download-1' });
    // Cancel as soon as the job exists: the tiny test files can arrive within one progress interval,
    // so waiting for a progress event would race the download's end.
    let settled = false;
    download.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled && !(await core.api.cancelJob('download-1')).cancelled) await new Promise((resolve) => setImmediate(resolve));
    await expect(download).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(events[0]).toMatchObject({ jobId: 'download-1', kind: 'download', unit: 'bytes' });
    expect(events.at(-1)?.finished).toBe(true);
    expect((await core.api.listModels())[0].installed).toBe(false);
  });

  it('imports a model from a folder, and refuses a relative folder', async () => {
    const source = path.join(folder, 'usb');
    mkdirSync(source);
    for (const [name, bytes] of model.bytes) writeFileSync(path.join(source, name), bytes);
    const report = await core.api.importModel('tiny-clip', source);
    expect(report.model.installed).toBe(true);
    expect(report.missing).toEqual([]);
    expect(report.imported.map((entry) => entry.file).sort()).toEqual([...model.bytes.keys()].sort());
    await expect(core.api.importModel('tiny-clip', 'usb')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
