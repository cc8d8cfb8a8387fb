// Whether onnxruntime-node loads here, its version and the execution providers it offers.
import { createRequire } from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { DoctorReport } from '../api/contract.js';

const require = createRequire(import.meta.url);

export async function probeOnnxRuntime(): Promise<DoctorReport['onnxRuntime']> {
  try {
    const manifestPath = require.resolve('onnxruntime-node/package.json');
    const version = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string }).version;
    const ort = (await import('onnxruntime-node')) as unknown as { listSupportedBackends?: () => Array<{ name: string }> };
    const executionProviders = ort.listSupportedBackends?.().map((backend) => backend.name) ?? ['cpu'];
    return { loaded: true, version, executionProviders: [...new Set(executionProviders)] };
  } catch (error) {
    return { loaded: false, executionProviders: [], reason: `onnxruntime-node did not load: ${(error as Error).message.split('\n')[0]}` };
  }
}

export function onnxRuntimeFolder(): string | undefined {
  try {
    return path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    return undefined;
  }
}
