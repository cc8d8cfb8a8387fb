// One build step for everything TypeScript: the Node core, CLI and serve shell (tsconfig.node.json),
// the Electron shell and preload when Electron's types are installed (tsconfig.electron.json), and the
// Svelte renderer (Vite). `--typecheck-only` checks every tsconfig without writing dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const typecheckOnly = process.argv.includes('--typecheck-only');

function run(label, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`build: ${label} failed`);
    process.exit(result.status ?? 1);
  }
  if (process.env.MILENS_BUILD_VERBOSE) console.error(`build: ${label} (${Date.now() - started} ms)`);
}

/**
 * The `milens` command as one bundled module (dist/cli/milens.js, with lazily loaded chunks): resolving,
 * reading and compiling ~100 small ES modules took about 50 ms of every CLI start, a quarter of a
 * typical `milens mi` run. Packages stay external (they are loaded from node_modules as they expect)
 * except commander, which every command loads.
 */
async function bundleCli() {
  const started = Date.now();
  const { build } = await import('rolldown');
  const inlined = new Set(['commander']);
  rmSync('dist/cli', { recursive: true, force: true });
  await build({
    input: 'dist/main/cli/milens.js',
    platform: 'node',
    external: (id) => !id.startsWith('.') && !path.isAbsolute(id) && !inlined.has(id.split('/')[0]),
    // A module that is imported both statically and lazily stays in the chunk that needs it first.
    onLog: (level, log, handler) => (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' ? undefined : handler(level, log)),
    output: { dir: 'dist/cli', format: 'esm', sourcemap: true },
    logLevel: 'warn',
  });
  if (process.env.MILENS_BUILD_VERBOSE) console.error(`build: CLI bundle (${Date.now() - started} ms)`);
}

function electronTypesInstalled() {
  try {
    require.resolve('electron/electron.d.ts');
    return true;
  } catch {
    return false;
  }
}

/** A package's command-line script, found through its package.json (bins are not in "exports"). */
function packageBin(name, relativePath) {
  return path.join(path.dirname(require.resolve(`${name}/package.json`)), relativePath);
}

const tsc = packageBin('typescript', 'bin/tsc');
const node = process.execPath;

run('core (tsconfig.node.json)', node, [tsc, '-b', 'tsconfig.node.json']);
if (!typecheckOnly) await bundleCli();
if (electronTypesInstalled()) {
  run('Electron shell (tsconfig.electron.json)', node, [tsc, '-b', 'tsconfig.electron.json']);
} else {
  console.error('build: Electron shell skipped: the optional electron package is not installed (its download failed or was skipped).');
}
if (typecheckOnly || process.env.CI) {
  run('tests and scripts (tsconfig.test.json)', node, [tsc, '-p', 'tsconfig.test.json', '--noEmit']);
}
if (existsSync('renderer/index.html') && existsSync('vite.config.ts')) {
  if (typecheckOnly) {
    run('renderer (svelte-check)', node, [
      packageBin('svelte-check', 'bin/svelte-check'),
      '--tsconfig',
      './tsconfig.renderer.json',
      '--fail-on-warnings',
      '--output',
      'human',
    ]);
  } else {
    run('renderer (vite build)', node, [packageBin('vite', 'bin/vite.js'), 'build', '--config', 'vite.config.ts', '--logLevel', 'warn']);
  }
}
