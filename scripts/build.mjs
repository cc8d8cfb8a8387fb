// One build step for everything TypeScript: the Node core, CLI and serve shell (tsconfig.node.json),
// the Electron shell and preload when Electron's types are installed (tsconfig.electron.json), and the
// Svelte renderer (Vite). `--typecheck-only` checks every tsconfig without writing dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
