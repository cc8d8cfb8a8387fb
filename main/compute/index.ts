// The compute façade the rest of milens uses: picks a backend (MILENS_BACKEND, or the best available of
// metal > cuda > cpu > typescript), caches it, and reports what was built and what initialised.
import { outOfRange, unavailable } from '../api/errors.js';
import type { BackendName, BackendStatus, ComputeBackend } from './kernels.js';
import { createNativeBackend, loadAddon, type NativeBackendName } from './native.js';
import { createReferenceBackend } from './reference/index.js';

export type * from './kernels.js';
export { loadAddon } from './native.js';
export { DISPOSED_VECTOR_INDEX_MESSAGE } from './validate.js';

const PREFERENCE: readonly NativeBackendName[] = ['metal', 'cuda', 'cpu'];
const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'cuda', 'metal', 'typescript'];

let reference: ComputeBackend | undefined;
let chosen: Promise<ComputeBackend> | undefined;
const nativeBackends = new Map<NativeBackendName, ComputeBackend>();

/** The pure-TypeScript backend: always available, and the yardstick of the conformance tests. */
export function getReferenceBackend(): ComputeBackend {
  reference ??= createReferenceBackend();
  return reference;
}

/** Whether the native addon loaded (and from which file), or why not: for `milens backends` and `doctor`. */
export function describeAddon(): { loaded: boolean; path?: string; reason?: string } {
  const result = loadAddon();
  if ('error' in result) return { loaded: false, reason: result.error };
  return result.path === undefined ? { loaded: true } : { loaded: true, path: result.path };
}

/** Built/available/reason for cpu, cuda, metal and typescript, in that order. */
export async function listBackends(): Promise<BackendStatus[]> {
  const result = loadAddon();
  return ALL_BACKENDS.map((name): BackendStatus => {
    if (name === 'typescript') return { name, built: true, available: true, device: 'JavaScript on the main thread' };
    if ('error' in result) return { name, built: false, available: false, reason: result.error };
    const info = result.addon.backends().find((backend) => backend.name === name);
    if (!info) return { name, built: false, available: false, reason: 'not registered by the native addon' };
    const status: BackendStatus = { name, built: info.built, available: info.available };
    if (info.device !== undefined) status.device = info.device;
    if (info.reason !== undefined) status.reason = info.reason;
    return status;
  });
}

/** A specific backend by name; throws an UNAVAILABLE error that says why when it cannot be used. */
export async function getBackend(name: BackendName): Promise<ComputeBackend> {
  if (name === 'typescript') return getReferenceBackend();
  const cached = nativeBackends.get(name);
  if (cached) return cached;
  const result = loadAddon();
  if ('error' in result) throw unavailable(`The ${name} backend is not available: ${result.error}`);
  const info = result.addon.backends().find((backend) => backend.name === name);
  if (!info) throw unavailable(`The ${name} backend is not available: not registered by the native addon`);
  const backend = createNativeBackend(result.addon, info);
  nativeBackends.set(name, backend);
  return backend;
}

async function chooseBackend(): Promise<ComputeBackend> {
  const requested = process.env.MILENS_BACKEND?.trim();
  if (requested) {
    if (!(ALL_BACKENDS as readonly string[]).includes(requested)) {
      throw outOfRange('MILENS_BACKEND', '"cpu", "cuda", "metal" or "typescript"', requested);
    }
    return getBackend(requested as BackendName);
  }
  const statuses = await listBackends();
  for (const name of PREFERENCE) {
    if (statuses.find((status) => status.name === name)?.available) return getBackend(name);
  }
  return getReferenceBackend();
}

/** The backend the app computes with: MILENS_BACKEND if set (an error if unavailable), else the best. */
export function getCompute(): Promise<ComputeBackend> {
  chosen ??= chooseBackend().catch((error: unknown) => {
    chosen = undefined; // A failed choice is not cached: the environment may be fixed and retried.
    throw error;
  });
  return chosen;
}
