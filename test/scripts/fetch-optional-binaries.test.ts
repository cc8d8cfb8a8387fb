// scripts/install/fetch-optional-binaries.mjs with the network unreachable (a proxy on a closed local
// port, which onnxruntime-node's script honours): the install step still succeeds and says so on one
// readable line, without the download script's stack trace. It runs the real onnxruntime-node script, so
// it needs that package and Linux x64 (the only platform with an optional download).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const script = path.join(REPO_ROOT, 'scripts', 'install', 'fetch-optional-binaries.mjs');
const ortScript = path.join(REPO_ROOT, 'node_modules', 'onnxruntime-node', 'script', 'install.js');
const applies = process.platform === 'linux' && process.arch === 'x64' && existsSync(ortScript);

describe('fetch-optional-binaries', () => {
  it.skipIf(!applies)('prints one readable line and exits 0 when the download cannot be reached', { timeout: 120_000 }, () => {
    const unreachable = 'http://127.0.0.1:9';
    const result = spawnSync(process.execPath, [script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        ONNXRUNTIME_NODE_INSTALL: '',
        GLOBAL_AGENT_HTTPS_PROXY: unreachable,
        GLOBAL_AGENT_HTTP_PROXY: unreachable,
        HTTPS_PROXY: unreachable,
      },
      timeout: 110_000,
    });
    expect(result.status).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.trim().length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^milens: onnxruntime-node's CUDA libraries were not downloaded \(.+\); ONNX models will run on the CPU\./);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('triggerUncaughtException');
  });

  it('skips the download when ONNXRUNTIME_NODE_INSTALL=skip', () => {
    const result = spawnSync(process.execPath, [script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });
});
