// ONNX Runtime sessions for the model encoders: which execution provider to use on this machine, why the
// others are not used, and one session per model file and provider settings, shared by everything in the
// process that opens the same encoder (reference-counted, released when the last user closes it).
//
// Provider choice: CoreML on macOS (compute units: all, CPU + Neural Engine, CPU + GPU, CPU only), CUDA where
// onnxruntime-node's CUDA provider library is installed and an NVIDIA GPU is present, CPU otherwise. A provider
// that fails to initialise is skipped with its error as the reason, and the next one is tried; CPU always
// works. Only the CPU path can be exercised on the machines that build milens; the CoreML and CUDA branches
// are the same calls with a different provider entry.
//
// Inference never blocks the event loop: onnxruntime-node's own `session.run` computes synchronously on the
// calling thread, so every session lives in a worker thread (models/inference-worker.ts) and the main thread
// only posts tensors and awaits results (test/models/onnx-sessions.test.ts measures the loop ticking).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OnnxRuntime from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { invalidArgument, unavailable } from '../main/api/errors.js';
import { startSessionWorker, type EncoderSession } from './inference-worker.js';

const require = createRequire(import.meta.url);

export type ProviderName = 'coreml' | 'cuda' | 'cpu';
export type ProviderRequest = 'auto' | ProviderName;
/** CoreML's MLComputeUnits: where CoreML may run the graph. */
export type CoremlComputeUnits = 'all' | 'cpu-and-neural-engine' | 'cpu-and-gpu' | 'cpu-only';

export interface SessionOptions {
  /** `auto` (default): the platform's order. A named provider is tried first, CPU after it. MILENS_ONNX_PROVIDER sets the default. */
  provider?: ProviderRequest;
  /** Default `all`; MILENS_COREML_COMPUTE_UNITS sets the default. */
  coremlComputeUnits?: CoremlComputeUnits;
  /** Threads ONNX Runtime uses inside one operator; default: its own choice (the physical cores). */
  intraOpThreads?: number;
}

export interface ProviderReport {
  /** The execution provider the session was created with. */
  name: ProviderName;
  /** What was asked for. */
  requested: ProviderRequest;
  /** CoreML's compute units, when CoreML is in use. */
  coremlComputeUnits?: CoremlComputeUnits;
  /** Every provider tried or considered before `name`, and why it is not in use. */
  notUsed: Array<{ name: ProviderName; reason: string }>;
}

type Ort = typeof OnnxRuntime;

let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, loaded once; a clear error when it cannot load (a platform without its binary). */
export function loadOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((error: unknown) => {
    ortModule = undefined;
    throw unavailable(`onnxruntime-node did not load: ${(error as Error).message.split('\n')[0]}`);
  });
  return ortModule;
}

/** The folder holding onnxruntime-node's binaries for this platform (where its optional provider libraries go). */
export function onnxRuntimeBinaryFolder(): string {
  const manifest = require.resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(manifest), 'bin', 'napi-v6', process.platform, process.arch);
}

export function onnxRuntimeVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
}

const CUDA_PROVIDER_LIBRARY = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';

/** Why CUDA cannot be used here, or null when its provider library and a GPU are present. */
export function cudaUnavailableReason(): string | null {
  if (process.platform !== 'linux' && process.platform !== 'win32') return `CUDA is not available on ${process.platform}`;
  if (process.arch !== 'x64') return `onnxruntime-node ships CUDA only for x64, not ${process.arch}`;
  let folder: string;
  try {
    folder = onnxRuntimeBinaryFolder();
  } catch {
    return 'onnxruntime-node is not installed';
  }
  if (!existsSync(path.join(folder, CUDA_PROVIDER_LIBRARY))) {
    return `${CUDA_PROVIDER_LIBRARY} is not installed (onnxruntime-node's optional CUDA download)`;
  }
  if (process.platform === 'linux' && !existsSync('/proc/driver/nvidia/gpus'))
    return 'no NVIDIA GPU or driver found (/proc/driver/nvidia/gpus is absent)';
  return null;
}

function requestedProvider(options: SessionOptions): ProviderRequest {
  const requested = options.provider ?? (process.env.MILENS_ONNX_PROVIDER as ProviderRequest | undefined) ?? 'auto';
  if (!['auto', 'coreml', 'cuda', 'cpu'].includes(requested)) {
    throw invalidArgument(`Unknown execution provider ${JSON.stringify(requested)}; expected auto, coreml, cuda or cpu`);
  }
  return requested;
}

const COMPUTE_UNITS: readonly CoremlComputeUnits[] = ['all', 'cpu-and-neural-engine', 'cpu-and-gpu', 'cpu-only'];

function coremlUnits(options: SessionOptions): CoremlComputeUnits {
  const units = options.coremlComputeUnits ?? (process.env.MILENS_COREML_COMPUTE_UNITS as CoremlComputeUnits | undefined) ?? 'all';
  if (!COMPUTE_UNITS.includes(units)) {
    throw invalidArgument(`Unknown CoreML compute units ${JSON.stringify(units)}; expected ${COMPUTE_UNITS.join(', ')}`);
  }
  return units;
}

/** The providers to try in order, with the reasons for those left out before trying. */
export function providerPlan(options: SessionOptions = {}): {
  order: ProviderName[];
  skipped: Array<{ name: ProviderName; reason: string }>;
} {
  const requested = requestedProvider(options);
  const skipped: Array<{ name: ProviderName; reason: string }> = [];
  const candidates: ProviderName[] =
    requested === 'auto' ? (process.platform === 'darwin' ? ['coreml'] : ['cuda']) : requested === 'cpu' ? [] : [requested];
  const order: ProviderName[] = [];
  for (const name of candidates) {
    const reason = name === 'coreml' ? (process.platform === 'darwin' ? null : 'CoreML exists only on macOS') : cudaUnavailableReason();
    if (reason) skipped.push({ name, reason });
    else order.push(name);
  }
  if (requested === 'auto' && process.platform !== 'darwin') skipped.push({ name: 'coreml', reason: 'CoreML exists only on macOS' });
  order.push('cpu');
  return { order, skipped };
}

// CoreML flags of onnxruntime's Node binding (coreml_provider_factory.h).
const COREML_FLAG_USE_CPU_ONLY = 0x001;
const COREML_FLAG_ONLY_ENABLE_DEVICE_WITH_ANE = 0x004;
const COREML_FLAG_CREATE_MLPROGRAM = 0x010;
const COREML_FLAG_USE_CPU_AND_GPU = 0x020;

function coremlFlags(units: CoremlComputeUnits): number {
  switch (units) {
    case 'cpu-only':
      return COREML_FLAG_CREATE_MLPROGRAM | COREML_FLAG_USE_CPU_ONLY;
    case 'cpu-and-gpu':
      return COREML_FLAG_CREATE_MLPROGRAM | COREML_FLAG_USE_CPU_AND_GPU;
    case 'cpu-and-neural-engine':
      // The bit flags have no "CPU and Neural Engine" value; the string option does (newer bindings read it).
      return COREML_FLAG_CREATE_MLPROGRAM | COREML_FLAG_ONLY_ENABLE_DEVICE_WITH_ANE;
    default:
      return COREML_FLAG_CREATE_MLPROGRAM;
  }
}

const ML_COMPUTE_UNITS: Record<CoremlComputeUnits, string> = {
  all: 'ALL',
  'cpu-and-neural-engine': 'CPUAndNeuralEngine',
  'cpu-and-gpu': 'CPUAndGPU',
  'cpu-only': 'CPUOnly',
};

/** The entry onnxruntime takes for a provider (exported for its test; CoreML and CUDA cannot run here). */
export function providerEntry(name: ProviderName, options: SessionOptions = {}): InferenceSession.ExecutionProviderConfig {
  if (name === 'cuda') return { name: 'cuda', deviceId: 0 };
  if (name === 'coreml') {
    const units = coremlUnits(options);
    return {
      name: 'coreml',
      coreMlFlags: coremlFlags(units),
      MLComputeUnits: ML_COMPUTE_UNITS[units],
    } as InferenceSession.ExecutionProviderConfig;
  }
  return 'cpu';
}

export interface SharedSession {
  session: EncoderSession;
  provider: ProviderReport;
  /** Releases this user's hold; the session is released when no user holds it. */
  release(): Promise<void>;
}

interface CacheEntry {
  created: Promise<{ session: EncoderSession; provider: ProviderReport }>;
  users: number;
}

const sessions = new Map<string, CacheEntry>();

/**
 * Creates a session, in its own worker thread, with the first provider of the plan that initialises; `model`
 * is a file or the bytes of one. Providers that fail are reported in `provider.notUsed` with their error.
 */
export async function createSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<{ session: EncoderSession; provider: ProviderReport }> {
  const requested = requestedProvider(options);
  const { order, skipped } = providerPlan(options);
  const label = typeof model === 'string' ? model : `an in-memory model of ${model.length} bytes`;
  const started = await startSessionWorker(
    {
      model,
      candidates: order.map((name) => ({ name, entry: providerEntry(name, options) })),
      sessionOptions: {
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: '0' } } },
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      },
    },
    label,
  );
  const notUsed = [
    ...skipped,
    ...started.failures.map((failure) => ({ name: failure.name as ProviderName, reason: `failed to initialise: ${failure.message}` })),
  ];
  const provider: ProviderReport = { name: started.provider as ProviderName, requested, notUsed };
  if (provider.name === 'coreml') provider.coremlComputeUnits = coremlUnits(options);
  return { session: started.session, provider };
}

/** The session for `file` with these settings: created on first use, shared by later callers until all release it. */
export async function acquireSession(file: string, options: SessionOptions = {}): Promise<SharedSession> {
  const key = JSON.stringify([path.resolve(file), requestedProvider(options), coremlUnits(options), options.intraOpThreads ?? 0]);
  let entry = sessions.get(key);
  if (!entry) {
    entry = { created: createSession(file, options), users: 0 };
    sessions.set(key, entry);
    entry.created.catch(() => sessions.delete(key));
  }
  entry.users++;
  const held = entry;
  let created: { session: EncoderSession; provider: ProviderReport };
  try {
    created = await held.created;
  } catch (error) {
    held.users--;
    throw error;
  }
  let released = false;
  return {
    session: created.session,
    provider: created.provider,
    release: async () => {
      if (released) return;
      released = true;
      held.users--;
      if (held.users === 0 && sessions.get(key) === held) {
        sessions.delete(key);
        await created.session.release();
      }
    },
  };
}

/** How many sessions are open in this process (for tests and `milens doctor`). */
export function openSessionCount(): number {
  return sessions.size;
}
