// Prints the CUDA toolkit root for binding.gyp when nvcc exists (and MILENS_WITH_CUDA is not "0"),
// or nothing, so the CUDA backend is simply left out of the build on machines without nvcc.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findCudaRoot() {
  if (process.env.MILENS_WITH_CUDA === '0' || process.platform === 'win32' || process.platform === 'darwin') return '';
  const candidates = [process.env.CUDA_PATH, process.env.CUDA_HOME, '/usr/local/cuda'].filter(Boolean);
  for (const root of candidates) {
    if (existsSync(join(root, 'bin', 'nvcc')) && existsSync(join(root, 'include', 'cuda_runtime.h'))) return root;
  }
  try {
    const nvcc = execFileSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).trim();
    // nvcc lives in <root>/bin; the toolkit's headers and libraries are beside it.
    const root = dirname(dirname(nvcc));
    if (nvcc && existsSync(join(root, 'include', 'cuda_runtime.h'))) return root;
  } catch {
    // No nvcc on PATH.
  }
  return '';
}

process.stdout.write(findCudaRoot());
