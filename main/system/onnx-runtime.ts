// Whether onnxruntime-node loads here, its version, which execution providers can really run, and which one
// photo embedding uses. The package's build lists CUDA and TensorRT on Linux x64 even where their libraries
// were never downloaded, so each is checked against the files it needs; the embedding provider is verified by
// creating a session for a one-node graph with each candidate in turn (models/onnx-sessions.ts), so a
// provider that is present but fails to initialise is reported with its error.
import { existsSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { BackendsReport, DoctorReport, OnnxProviderReport } from '../api/contract.js';
import { createSession, loadOnnxRuntime, onnxRuntimeBinaryFolder, onnxRuntimeVersion } from '../../models/onnx-sessions.js';

/** Shared libraries an execution provider needs beside onnxruntime's own binary. */
const PROVIDER_LIBRARIES: Record<string, string> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

/** The bytes of a one-node ONNX graph (y = x + x, float32 [1]): enough for a provider to initialise. */
function probeGraph(): Uint8Array {
  const { onnx } = onnxProto;
  const tensor = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'milens-probe',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'probe', node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'] }], input: [tensor('x')], output: [tensor('y')] },
  });
  return onnx.ModelProto.encode(model).finish();
}

let embeddingProvider: Promise<OnnxProviderReport> | undefined;

/** The provider embedding sessions get here (checked once per process), and why the others are not used. */
export function probeEmbeddingProvider(): Promise<OnnxProviderReport> {
  embeddingProvider ??= createSession(probeGraph()).then(async ({ session, provider }) => {
    await session.release();
    return provider;
  });
  embeddingProvider.catch(() => (embeddingProvider = undefined));
  return embeddingProvider;
}

export async function probeOnnxRuntime(): Promise<DoctorReport['onnxRuntime']> {
  try {
    const version = onnxRuntimeVersion();
    const ort = (await loadOnnxRuntime()) as unknown as { listSupportedBackends?: () => Array<{ name: string }> };
    const listed = [...new Set(ort.listSupportedBackends?.().map((backend) => backend.name) ?? ['cpu'])];
    const binaries = onnxRuntimeBinaryFolder();
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
    return { loaded: true, version, executionProviders, unusableProviders, embeddingProvider: await probeEmbeddingProvider() };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    return {
      loaded: false,
      executionProviders: [],
      reason: message.startsWith('onnxruntime-node') ? message : `onnxruntime-node did not load: ${message}`,
    };
  }
}

/** `milens backends`' ONNX line: the embedding provider, or why onnxruntime-node did not load. */
export async function describeOnnxBackend(): Promise<NonNullable<BackendsReport['onnx']>> {
  try {
    return { provider: await probeEmbeddingProvider() };
  } catch (error) {
    return { reason: (error as Error).message.split('\n')[0] };
  }
}
