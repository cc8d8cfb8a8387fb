// Compiles every CUDA kernel with nvcc (compile only: no GPU needed) where nvcc exists; skipped, with
// the reason in the test name, where it does not.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cudaRoot = execFileSync(process.execPath, [join(root, 'native', 'cuda', 'detect-nvcc.mjs')], {
  encoding: 'utf8',
  env: { ...process.env, MILENS_WITH_CUDA: '1' },
});
const reason = cudaRoot ? `with ${cudaRoot}/bin/nvcc` : '(skipped: nvcc not found on this machine)';

it.skipIf(!cudaRoot)(
  `every native/cuda/*.cu compiles ${reason}`,
  () => {
    const result = spawnSync('bash', [join(root, 'native', 'cuda', 'compile-check.sh')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).not.toMatch(/FAIL/);
    expect(result.stdout).toMatch(/ok {3}native\/cuda\/similarity_topk\.cu/);
    expect(result.status).toBe(0);
  },
  300_000,
);
