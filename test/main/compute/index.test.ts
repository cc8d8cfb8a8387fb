// The compute façade: backend listing, the choice of backend (MILENS_BACKEND or the best available),
// and the loader's report when the addon is missing.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findPackageRoot, loadAddonFrom } from '../../../main/compute/native.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A fresh copy of the façade, so the cached choice starts empty. */
async function freshFacade() {
  vi.resetModules();
  return import('../../../main/compute/index.js');
}

afterEach(() => {
  delete process.env.MILENS_BACKEND;
});

describe('listBackends', () => {
  it('lists cpu, cuda, metal and typescript with built, available and reasons', async () => {
    const { listBackends } = await freshFacade();
    const statuses = await listBackends();
    expect(statuses.map((status) => status.name)).toEqual(['cpu', 'cuda', 'metal', 'typescript']);
    const byName = Object.fromEntries(statuses.map((status) => [status.name, status]));
    expect(byName.typescript).toMatchObject({ built: true, available: true });
    expect(byName.cpu).toMatchObject({ built: true, available: true });
    expect(byName.cpu!.device).toMatch(/threads/);
    for (const status of statuses) {
      // Anything unavailable says why.
      if (!status.available) expect(status.reason).toMatch(/\S/);
    }
    if (process.platform !== 'darwin')
      expect(byName.metal).toMatchObject({ built: false, available: false, reason: 'not built: Metal exists only on macOS' });
    if (byName.cuda!.built && !byName.cuda!.available) expect(byName.cuda!.reason).toMatch(/^no CUDA device/);
    if (!byName.cuda!.built) expect(byName.cuda!.reason).toMatch(/^not built: nvcc was not found/);
  });
});

describe('describeAddon', () => {
  it('reports the loaded addon file', async () => {
    const { describeAddon } = await freshFacade();
    const report = describeAddon();
    expect(report.loaded).toBe(true);
    expect(report.path).toMatch(/milens(_compute)?\.node$/);
  });
});

describe('getCompute', () => {
  it('picks the best available backend and caches it', async () => {
    const { getCompute, listBackends } = await freshFacade();
    const statuses = await listBackends();
    const best = ['metal', 'cuda', 'cpu'].find((name) => statuses.find((status) => status.name === name)?.available) ?? 'typescript';
    const first = await getCompute();
    expect(first.name).toBe(best);
    expect(await getCompute()).toBe(first);
  });

  it('honours MILENS_BACKEND', async () => {
    process.env.MILENS_BACKEND = 'typescript';
    const { getCompute, getReferenceBackend } = await freshFacade();
    expect(await getCompute()).toBe(getReferenceBackend());
    process.env.MILENS_BACKEND = 'cpu';
    expect((await (await freshFacade()).getCompute()).name).toBe('cpu');
  });

  it('fails, saying why, when MILENS_BACKEND names a backend that is unavailable here', async () => {
    const { getCompute, listBackends } = await freshFacade();
    const unavailable = (await listBackends()).find((status) => !status.available);
    if (!unavailable) return; // every backend works on this machine: nothing to refuse
    process.env.MILENS_BACKEND = unavailable.name;
    await expect(getCompute()).rejects.toThrow(`The ${unavailable.name} backend is not available: ${unavailable.reason}`);
  });

  it('rejects an unknown MILENS_BACKEND value', async () => {
    process.env.MILENS_BACKEND = 'tpu';
    const { getCompute } = await freshFacade();
    await expect(getCompute()).rejects.toThrow(
      new RangeError('Expected MILENS_BACKEND to be "cpu", "cuda", "metal" or "typescript" but received "tpu"'),
    );
  });
});

describe('the addon loader', () => {
  it('finds the package root from the source tree and from a compiled dist folder', () => {
    expect(findPackageRoot()).toBe(repositoryRoot);
    expect(findPackageRoot(join(repositoryRoot, 'dist', 'main', 'compute'))).toBe(repositoryRoot);
    expect(findPackageRoot(tmpdir())).toBeUndefined();
  });

  const localBuild = join(repositoryRoot, 'build', 'Release', 'milens_compute.node');
  it.skipIf(!existsSync(localBuild))('loads a local build directly, the file node-gyp-build would choose', () => {
    const result = loadAddonFrom(repositoryRoot);
    const path = 'error' in result ? result.error : result.path;
    expect(path).toBe(localBuild);
    const nodeGypBuild = createRequire(join(repositoryRoot, 'package.json'))('node-gyp-build') as { resolve: (root: string) => string };
    expect(path).toBe(nodeGypBuild.resolve(repositoryRoot));
  });

  it.skipIf(!existsSync(localBuild))('leaves the choice to node-gyp-build where MILENS_PREBUILD points elsewhere', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'milens-prebuild-'));
    process.env.MILENS_PREBUILD = elsewhere;
    try {
      const result = loadAddonFrom(repositoryRoot);
      expect('error' in result).toBe(true); // nothing built there: the local build was not taken
    } finally {
      delete process.env.MILENS_PREBUILD;
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('explains a missing addon: where it looked and how to build it', () => {
    const root = mkdtempSync(join(tmpdir(), 'milens-no-addon-'));
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'milens' }));
      mkdirSync(join(root, 'node_modules'));
      // node-gyp-build resolves from the package root: link the real one in.
      writeFileSync(
        join(root, 'node_modules', 'node-gyp-build.js'),
        `module.exports = require(${JSON.stringify(join(repositoryRoot, 'node_modules', 'node-gyp-build'))});`,
      );
      const result = loadAddonFrom(root);
      expect('error' in result).toBe(true);
      if ('error' in result) {
        expect(result.error).toContain(join(root, 'build', 'Release'));
        expect(result.error).toContain(join(root, 'prebuilds', `${process.platform}-${process.arch}`));
        expect(result.error).toContain('npm run build:native');
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
