// The model calls of the API: listModels and downloadModel through createMilensCore, with
// modelDownloadProgress events, a shared in-flight download, argument checks through the server's
// dispatcher, and installed-only-when-complete as the doctor reports it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelDownloadProgressEvent } from '../../main/api/contract.js';
import { createMilensCore, type MilensCore } from '../../main/core/api.js';
import { dispatchApiCall } from '../../main/server/api-dispatch.js';
import { installedModelIds } from '../../models/installed.js';
import { activeManifest } from '../../models/manifest.js';
import { makeTempFolder } from '../helpers/temp.js';
import { startModelServer, type ModelServer } from './model-server.js';
import { serveModel, testModel } from './test-manifest.js';

let server: ModelServer;
let core: MilensCore;
const savedEnv = { ...process.env };

beforeEach(async () => {
  server = await startModelServer();
  const folder = makeTempFolder();
  const manifestFile = path.join(folder, 'models.json');
  const models = [testModel('tiny-clip'), testModel('loose-clip', { unverified: true })];
  writeFileSync(manifestFile, JSON.stringify(models.map((model) => model.spec)));
  for (const model of models) process.env.MILENS_MODEL_BASE_URL = serveModel(server, model);
  process.env.MILENS_MODEL_MANIFEST = manifestFile;
  core = createMilensCore({ databasePath: path.join(folder, 'milens.sqlite'), modelsFolder: path.join(folder, 'models') });
});

afterEach(async () => {
  core.close();
  await server.close();
  process.env = { ...savedEnv };
});

describe('model calls', () => {
  it('lists the manifest with sizes, licences and nothing installed yet', async () => {
    const list = await core.api.listModels();
    expect(list.map((model) => [model.id, model.installed, model.checksummed])).toEqual([
      ['tiny-clip', false, true],
      ['loose-clip', false, false],
    ]);
    const tiny = list[0];
    expect(tiny.licence).toBe('MIT');
    expect(tiny.sizeBytes).toBe(tiny.files.reduce((sum, file) => sum + file.sizeBytes, 0));
    expect(tiny.files.map((file) => file.role)).toEqual(['image-encoder', 'text-encoder', 'tokenizer']);
  });

  it('downloads with progress events, and concurrent calls share one download', async () => {
    const events: ModelDownloadProgressEvent[] = [];
    const stop = core.context.on('modelDownloadProgress', (event) => events.push(event));
    const [first, second] = await Promise.all([core.api.downloadModel('tiny-clip'), core.api.downloadModel('tiny-clip')]);
    stop();

    expect(first.installed).toBe(true);
    expect(second).toBe(first);
    expect(server.requests).toHaveLength(3);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((event) => event.modelId === 'tiny-clip' && event.total === first.sizeBytes)).toBe(true);
    expect(events.at(-1)?.bytes).toBe(first.sizeBytes);
    for (let i = 1; i < events.length; i++) expect(events[i].bytes).toBeGreaterThanOrEqual(events[i - 1].bytes);
    expect((await core.api.listModels()).find((model) => model.id === 'tiny-clip')?.installed).toBe(true);
    expect(installedModelIds(core.context.modelsFolder, activeManifest())).toEqual(['tiny-clip']);
  });

  it('refuses an unchecksummed model unless asked, and unknown ids by name', async () => {
    await expect(core.api.downloadModel('loose-clip')).rejects.toThrow(/--allow-unverified/);
    expect((await core.api.downloadModel('loose-clip', { allowUnverified: true })).installed).toBe(true);
    await expect(core.api.downloadModel('no-such-model')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('checks arguments arriving through the dispatcher', async () => {
    expect(await dispatchApiCall(core.api, 'downloadModel', [null])).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatchApiCall(core.api, 'downloadModel', ['tiny-clip', { allowUnverified: 'yes' }])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('options.allowUnverified') },
    });
    expect(await dispatchApiCall(core.api, 'listModels', [1])).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const listed = await dispatchApiCall(core.api, 'listModels', []);
    expect(listed.ok).toBe(true);
  });
});
