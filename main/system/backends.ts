// `milens backends`: which compute backends were built, which initialised, which one is in use, and why
// any is missing; and the ONNX execution provider photo embedding uses. Reads the compute registry and
// probes onnxruntime once; never throws for a missing backend.
import type { BackendsReport } from '../api/contract.js';
import { describeAddon, getCompute, listBackends } from '../compute/index.js';
import { describeOnnxBackend } from './onnx-runtime.js';

export async function describeBackends(): Promise<BackendsReport> {
  const [statuses, selected, onnx] = await Promise.all([listBackends(), getCompute(), describeOnnxBackend()]);
  return {
    addon: describeAddon(),
    backends: statuses.map((status) => ({ ...status, selected: status.name === selected.name })),
    onnx,
  };
}
