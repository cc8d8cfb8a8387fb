// Whether onnxruntime-node loads here, its version, and which execution providers can really run:
// the package's build lists CUDA and TensorRT on Linux x64 even where their libraries were never
// downloaded, so each is checked against the files it needs.
import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { DoctorReport } from '../api/contract.js';

const require = createRequire(import.meta.url);

/** Shared libraries an execution provider needs beside onnxruntime's own binary. */
const PROVIDER_LIBRARIES: Record<string, string> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

function providerBinaryFolder(packageFolder: string): string {
  return path.join(packageFolder, 'bin', 'napi-v6', process.platform, process.arch);
}

export async function probeOnnxRuntime(): Promise<DoctorReport['onnxRuntime']> {
  try {
    const manifestPath = require.resolve('onnxruntime-node/package.json');
    const version = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string }).version;
    const ort = (await import('onnxruntime-node')) as unknown as { listSupportedBackends?: () => Array<{ name: string }> };
    const listed = [...new Set(ort.listSupportedBackends?.().map((backend) => backend.name) ?? ['cpu'])];
    const binaries = providerBinaryFolder(path.dirname(manifestPath));
    const executionProviders: string[] = [];
    const unusableProviders: Array<{ name: string; reason: string }> = [];
    for (const name of listed) {
      const library = PROVIDER_LIBRARIES[name];
      if (library && !existsSync(path.join(binaries, library))) {
        unusableProviders.push({ name, reason: `${library} is not installed (optional download)` });
      } else {
        executionProviders.push(name);
      }
    }
    return { loaded: true, version, executionProviders, unusableProviders };
  } catch (error) {
    return { loaded: false, executionProviders: [], reason: `onnxruntime-node did not load: ${(error as Error).message.split('\n')[0]}` };
  }
}
