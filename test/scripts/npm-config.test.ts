// The repository's .npmrc: every key is one npm knows (no "Unknown project config" warning on every npm
// command), and its `node-options` preload makes onnxruntime-node's own install script skip its CUDA
// download (which scripts/install/fetch-optional-binaries.mjs runs tolerantly instead) without touching
// any other script. Runs npm and the real onnxruntime-node script, no network: the skipped script must
// exit 0 before it reaches for one (its proxy points at a closed local port, so a download would fail).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const npmWorks = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;
const ortScript = path.join(REPO_ROOT, 'node_modules', 'onnxruntime-node', 'script', 'install.js');

/**
 * The environment of a fresh shell: without NODE_OPTIONS and without the npm_config_* variables that an
 * enclosing npm (npx vitest) passes down, which would stand in for the .npmrc under test.
 */
function freshEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS' && !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

function npm(args: string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('npm', args, { cwd: REPO_ROOT, encoding: 'utf8', env: freshEnv(extra), timeout: 60_000 });
}

/** The NODE_OPTIONS npm gives lifecycle scripts in this repository. */
function scriptNodeOptions(): string {
  const result = npm(['config', 'get', 'node-options']);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** ONNXRUNTIME_NODE_INSTALL as a Node process started by a script of `packageName` sees it. */
function installFlagIn(packageName: string, preset?: string): string {
  const env = freshEnv({ NODE_OPTIONS: scriptNodeOptions(), npm_package_name: packageName });
  if (preset) env.ONNXRUNTIME_NODE_INSTALL = preset;
  else delete env.ONNXRUNTIME_NODE_INSTALL;
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.ONNXRUNTIME_NODE_INSTALL))'], {
    cwd: path.join(REPO_ROOT, 'node_modules'), // any folder: the preload is inline, nothing to resolve
    encoding: 'utf8',
    env,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe.skipIf(!npmWorks)('.npmrc', () => {
  it('holds no key npm does not know', () => {
    const result = npm(['config', 'list']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/unknown .*config/i);
    expect(result.stdout).toMatch(/node-options = ".*--import=data:text\/javascript,/);
  });

  it('keeps the user NODE_OPTIONS in front of the preload', () => {
    const result = npm(['config', 'get', 'node-options'], { NODE_OPTIONS: '--max-old-space-size=3000' });
    expect(result.stdout.trim()).toMatch(/^--max-old-space-size=3000 --import=data:/);
  });

  it('sets ONNXRUNTIME_NODE_INSTALL=skip in onnxruntime-node scripts only, and never over the user', () => {
    expect(installFlagIn('onnxruntime-node')).toBe('skip');
    expect(installFlagIn('milens')).toBe('undefined');
    expect(installFlagIn('better-sqlite3')).toBe('undefined');
    expect(installFlagIn('onnxruntime-node', 'cuda12')).toBe('cuda12');
  });

  it.skipIf(!existsSync(ortScript))(
    'lets onnxruntime-node’s install script exit 0 at once, without a download',
    { timeout: 60_000 },
    () => {
      const unreachable = 'http://127.0.0.1:9';
      const env = freshEnv();
      delete env.ONNXRUNTIME_NODE_INSTALL;
      const result = spawnSync(process.execPath, [ortScript], {
        cwd: path.dirname(path.dirname(ortScript)),
        encoding: 'utf8',
        env: {
          ...env,
          NODE_OPTIONS: scriptNodeOptions(),
          npm_package_name: 'onnxruntime-node',
          npm_lifecycle_event: 'postinstall',
          GLOBAL_AGENT_HTTPS_PROXY: unreachable,
          GLOBAL_AGENT_HTTP_PROXY: unreachable,
          HTTPS_PROXY: unreachable,
        },
        timeout: 50_000,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/Error|at .*\.js:\d+/);
    },
  );
});
