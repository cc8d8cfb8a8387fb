// The packaging and its CI, read from their sources (no Electron binary can be downloaded here): the macOS
// workflow's steps (the Metal addon and its conformance tests, the unsigned dmg, the fuse check, the smoke
// test on the unpacked app), the smoke build's config (the shipping one with only the inspector fuse
// changed), the native addon inside the app, scripts/check-fuses.mjs on stand-in Electron binaries (a
// MOCK of the Electron binary: a file holding the fuse wire where Electron keeps it, read with
// @electron/fuses), and how the smoke test picks the Electron it drives.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';
import { electronUnderTest, launchArguments } from './electron-under-test.js';
// @ts-expect-error: plain JavaScript script run by the macOS workflow
import { fuseMismatches } from '../../scripts/check-fuses.mjs';

// js-yaml comes with electron-builder (which reads its config with it) and ships no types.
const yamlModule: string = 'js-yaml';
const { load } = (await import(yamlModule)) as { load(text: string): unknown };
const readYaml = (file: string) => load(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Record<string, unknown>;
const checkFuses = fuseMismatches as (app: string, configPath: string) => Promise<string[]>;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

describe('the macOS workflow', () => {
  const workflow = readYaml('.github/workflows/macos.yml') as { on: Record<string, { paths?: string[] }>; jobs: Record<string, unknown> };
  const jobs = Object.values(workflow.jobs) as Array<{ 'runs-on': string; env?: Record<string, string>; steps: Step[] }>;
  const job = jobs[0]!;
  const steps = job.steps;
  const indexOf = (pattern: RegExp) => steps.findIndex((step) => pattern.test(step.run ?? ''));

  it('runs on Apple silicon and requires the native addon', () => {
    expect(jobs).toHaveLength(1);
    expect(job['runs-on']).toBe('macos-14');
    expect(job.env?.MILENS_REQUIRE_NATIVE).toBe('1');
  });

  it('builds the addon, fails unless Metal was compiled in, and runs the conformance tests before packaging', () => {
    const build = indexOf(/^npm run build:native$/);
    const metal = indexOf(/b\.name === 'metal'\)\.built\) process\.exit\(1\)/);
    const conformance = indexOf(/^npx vitest run test\/native test\/main\/compute$/);
    const dmg = indexOf(/electron-builder --config electron-builder\.yml --mac dmg --arm64/);
    expect(indexOf(/^npm ci$/)).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThan(indexOf(/^npm ci$/));
    expect(metal).toBeGreaterThan(build);
    expect(conformance).toBeGreaterThan(metal);
    // electron-builder rebuilds node_modules' native modules for Electron: the Node tests come first.
    expect(dmg).toBeGreaterThan(conformance);
    expect(indexOf(/^npm run build$/)).toBeGreaterThan(conformance);
    expect(indexOf(/^npm run build$/)).toBeLessThan(dmg);
  });

  it('packages the dmg unsigned, checks its fuses, and runs the smoke test on the unpacked smoke build', () => {
    const dmg = steps[indexOf(/--mac dmg --arm64/)]!;
    expect(dmg.env).toEqual({ CSC_IDENTITY_AUTO_DISCOVERY: 'false' });
    expect(dmg.run).toMatch(/--publish never/);
    const fuses = indexOf(/^node scripts\/check-fuses\.mjs release\/mac-arm64\/milens\.app --config electron-builder\.yml$/);
    expect(fuses).toBeGreaterThan(indexOf(/--mac dmg/));
    const smokeBuild = indexOf(/electron-builder --config packaging\/electron-builder\.smoke\.yml --mac dir --arm64/);
    expect(steps[smokeBuild]!.env).toEqual({ CSC_IDENTITY_AUTO_DISCOVERY: 'false' });
    const smoke = steps[indexOf(/^npx vitest run test\/electron$/)]!;
    expect(steps.indexOf(smoke)).toBeGreaterThan(smokeBuild);
    expect(smoke.env).toEqual({
      MILENS_ELECTRON_BINARY: 'release/smoke/mac-arm64/milens.app/Contents/MacOS/milens',
      MILENS_REQUIRE_ELECTRON: '1',
    });
    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ path: 'release/*.dmg', 'if-no-files-found': 'error' });
  });

  it('runs when the app, its packaging or the native code changes', () => {
    for (const trigger of ['push', 'pull_request']) {
      const paths = workflow.on[trigger]!.paths!;
      for (const wanted of [
        'native/**',
        'main/**',
        'preload/**',
        'renderer/**',
        'electron-builder.yml',
        'packaging/**',
        'test/electron/**',
      ])
        expect(paths, `${trigger} ${wanted}`).toContain(wanted);
    }
  });
});

describe('electron-builder configs', () => {
  const shipping = readYaml('electron-builder.yml');
  const smoke = readYaml('packaging/electron-builder.smoke.yml');

  it('the smoke build is the shipping config with only the inspector fuse on, in a folder of its own', () => {
    expect(smoke.extends).toBe('./electron-builder.yml');
    expect(smoke.electronFuses).toEqual({ ...(shipping.electronFuses as object), enableNodeCliInspectArguments: true });
    expect(smoke.directories).toEqual({ output: 'release/smoke' });
    expect(Object.keys(smoke).sort()).toEqual(['directories', 'electronFuses', 'extends']);
  });

  it('puts the native addon in the app and unpacks it from the asar archive', () => {
    // electron-builder leaves the build-resources folder out of the app: it must not be node-gyp's `build`.
    expect((shipping.directories as { buildResources: string }).buildResources).not.toBe('build');
    expect(shipping.files).toContain('build/Release/milens_compute.node');
    expect(shipping.asarUnpack).toContain('**/*.node');
  });
});

/** A MOCK of an Electron binary: filler bytes, then @electron/fuses' sentinel, the wire version, its length and the wire. */
function standInElectron(folder: string, name: string, fuses: Record<number, boolean>): string {
  const wire = Array.from({ length: 9 }, (_, option) => (fuses[option] === undefined ? 0x90 : fuses[option] ? 0x31 : 0x30));
  const file = path.join(folder, name);
  writeFileSync(
    file,
    Buffer.concat([Buffer.alloc(4096, 7), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 9, ...wire])]),
  );
  chmodSync(file, 0o755);
  return file;
}

describe('scripts/check-fuses.mjs', () => {
  // FuseV1Options: RunAsNode 0, EnableCookieEncryption 1, EnableNodeOptionsEnvironmentVariable 2,
  // EnableNodeCliInspectArguments 3, EnableEmbeddedAsarIntegrityValidation 4, OnlyLoadAppFromAsar 5,
  // GrantFileProtocolExtraPrivileges 7.
  const shipped = { 0: false, 1: true, 2: false, 3: false, 4: true, 5: true, 7: false };
  const config = path.join(REPO_ROOT, 'electron-builder.yml');
  const smokeConfig = path.join(REPO_ROOT, 'packaging', 'electron-builder.smoke.yml');

  it('passes a binary flipped as electron-builder.yml says', async () => {
    const folder = makeTempFolder();
    expect(await checkFuses(standInElectron(folder, 'milens', shipped), config)).toEqual([]);
  });

  it('names each fuse that differs, and one left as Electron ships it', async () => {
    const folder = makeTempFolder();
    const inspectable = standInElectron(folder, 'inspectable', { ...shipped, 3: true });
    expect(await checkFuses(inspectable, config)).toEqual(['enableNodeCliInspectArguments: wanted off, the app has it on']);
    // The smoke build's config wants exactly that.
    expect(await checkFuses(inspectable, smokeConfig)).toEqual([]);
    const { 0: _runAsNode, ...unflipped } = shipped;
    expect(await checkFuses(standInElectron(folder, 'unflipped', unflipped), config)).toEqual([
      'runAsNode: wanted off, the app has it state 144',
    ]);
  });
});

describe('the Electron the smoke test drives', () => {
  const none = () => ({ reason: "Electron's binary is not installed" });

  it('is MILENS_ELECTRON_BINARY when set, launched as a packaged app', () => {
    const folder = makeTempFolder();
    const executable = path.join(folder, 'milens.app', 'Contents', 'MacOS', 'milens');
    mkdirSync(path.dirname(executable), { recursive: true });
    writeFileSync(executable, '');
    const target = electronUnderTest({ MILENS_ELECTRON_BINARY: executable }, REPO_ROOT, none);
    expect(target).toEqual({ kind: 'packaged', executable });
    expect(launchArguments(target, REPO_ROOT)).toEqual([]);
    expect(electronUnderTest({ MILENS_ELECTRON_BINARY: path.join(folder, 'milens.app') }, REPO_ROOT, none).reason).toMatch(/is not a file/);
    expect(electronUnderTest({ MILENS_ELECTRON_BINARY: path.join(folder, 'gone') }, REPO_ROOT, none).reason).toMatch(/does not exist/);
  });

  it("is the electron package's binary on this repository otherwise, or the reason there is none", () => {
    const folder = makeTempFolder();
    const binary = path.join(folder, 'electron');
    writeFileSync(binary, '');
    const target = electronUnderTest({}, REPO_ROOT, () => ({ path: binary }));
    // dist/ is built in this worktree; a fresh clone gets the `npm run build` reason instead.
    if (target.kind === 'development') expect(launchArguments(target, REPO_ROOT)).toEqual([REPO_ROOT]);
    else expect(target.reason).toMatch(/npm run build/);
    expect(electronUnderTest({}, REPO_ROOT, none).reason).toMatch(/^Electron's binary is not installed; or set MILENS_ELECTRON_BINARY/);
  });
});
