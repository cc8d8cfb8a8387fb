// `milens bench` / the runBenchmark call: picks the workloads and backends, reads which energy sources
// this machine has, prepares every operation's data, runs the protocol (./protocol.ts) and writes the
// report. No energy figure is ever produced without a real counter: with none readable, the report
// says why (energyUnavailable, and each source's reason and fix) and still reports times.
import type { BenchReport, BenchRequest } from '../api/contract.js';
import { invalidArgument, unavailable } from '../api/errors.js';
import { getBackend, listBackends } from '../compute/index.js';
import type { BackendName } from '../compute/kernels.js';
import { packageVersion } from '../system/package-info.js';
import { defaultModelsFolder } from '../system/paths.js';
import type { EnergySource, EnergySourceProbe } from './energy-source.js';
import { describeMachine } from './machine.js';
import { INTERVAL_METHOD, PROTOCOL_BASELINE, PROTOCOL_ORDER, REAL_CLOCK, runProtocol, type ProtocolClock } from './protocol.js';
import { probeEnergySources } from './sources/index.js';
import { WORKLOADS, findWorkload, type PreparedOperation } from './workloads.js';

export const DEFAULT_TRIALS = 5;
export const DEFAULT_WARMUPS = 2;
export const DEFAULT_MIN_WINDOW_MS = 1000;
const BACKEND_NAMES: readonly BackendName[] = ['cpu', 'cuda', 'metal', 'typescript'];

export interface BenchProgress {
  /** Where installed models are looked for (the embedding workloads); default milens' models folder. */
  modelsFolder?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface BenchEnvironment {
  probeSources: () => EnergySourceProbe[];
  clock: ProtocolClock;
}

const REAL_ENVIRONMENT: BenchEnvironment = { probeSources: probeEnergySources, clock: REAL_CLOCK };

function positiveInteger(name: string, value: unknown, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum)
    throw invalidArgument(`Expected ${name} to be an integer of at least ${minimum} but received ${JSON.stringify(value)}.`, {
      [name]: value,
    });
  return value;
}

async function chooseBackends(requested: readonly string[] | undefined): Promise<BackendName[]> {
  const statuses = await listBackends();
  if (requested === undefined || requested.length === 0) return statuses.filter((status) => status.available).map((status) => status.name);
  const chosen: BackendName[] = [];
  for (const name of requested) {
    if (!BACKEND_NAMES.includes(name as BackendName))
      throw invalidArgument(`Unknown backend ${JSON.stringify(name)}: expected one of ${BACKEND_NAMES.join(', ')}.`, { backend: name });
    const status = statuses.find((candidate) => candidate.name === name);
    if (!status?.available)
      throw unavailable(`The ${name} backend is not available here: ${status?.reason ?? 'not built'}.`, { backend: name });
    chosen.push(name as BackendName);
  }
  return chosen;
}

export async function runBenchmark(
  request: BenchRequest,
  progress: BenchProgress = {},
  environment = REAL_ENVIRONMENT,
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const trials = positiveInteger('trials', request.trials, DEFAULT_TRIALS, 1);
  const warmups = positiveInteger('warmups', request.warmups, DEFAULT_WARMUPS, 0);
  const minWindowMs = positiveInteger('minWindowMs', request.minWindowMs, DEFAULT_MIN_WINDOW_MS, 1);
  const size = request.size ?? 'full';
  if (size !== 'full' && size !== 'small') throw invalidArgument(`Expected size to be full or small but received ${JSON.stringify(size)}.`);
  const workloads = (request.workloads?.length ? request.workloads : WORKLOADS.map((workload) => workload.name)).map((name) => {
    const workload = findWorkload(name);
    if (!workload)
      throw invalidArgument(
        `Unknown workload ${JSON.stringify(name)}: expected one of ${WORKLOADS.map((known) => known.name).join(', ')}.`,
        { workload: name },
      );
    return workload;
  });
  const backends = await chooseBackends(request.backends);

  const probes = environment.probeSources();
  const sources: EnergySource[] = probes.flatMap((probe) => (probe.available ? [probe.source] : []));
  const warnings: string[] = [];
  if (size === 'small')
    warnings.push('size small: data far smaller than the rows name for full runs; for a quick check, not for comparison');
  if (trials < 5) warnings.push(`${trials} trial(s): the protocol asks for at least 5`);

  const operations: PreparedOperation[] = [];
  try {
    for (const workload of workloads) {
      if (workload.runsOn === 'javascript') {
        operations.push(await workload.prepare(undefined, size));
        continue;
      }
      if (workload.runsOn === 'onnx') {
        operations.push(...(await workload.prepareAll(size, progress.modelsFolder ?? defaultModelsFolder(), request.backends)));
        continue;
      }
      for (const name of backends) operations.push(await workload.prepare(await getBackend(name), size));
      progress.signal?.throwIfAborted();
    }
    const results = await runProtocol(
      operations,
      sources,
      { trials, warmups, minWindowMs, signal: progress.signal, onProgress: progress.onProgress },
      environment.clock,
    );
    const unavailableReasons = probes.flatMap((probe) => (probe.available ? [] : [`${probe.name}: ${probe.reason}`]));
    const report: BenchReport = {
      milensVersion: packageVersion(),
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: describeMachine(packageVersion()),
      protocol: { trials, warmups, minWindowMs, intervalMethod: INTERVAL_METHOD, order: PROTOCOL_ORDER, baseline: PROTOCOL_BASELINE, size },
      sources: probes.map((probe) =>
        probe.available
          ? {
              name: probe.name,
              available: true,
              domains: [...probe.source.domains],
              totalDomains: [...probe.source.totalDomains],
              updateIntervalMs: probe.source.updateIntervalMs,
              resolutionJoules: probe.source.resolutionJoules,
            }
          : { name: probe.name, available: false, reason: probe.reason, ...(probe.fix ? { fix: probe.fix } : {}) },
      ),
      results,
      warnings,
    };
    if (sources.length === 0)
      report.energyUnavailable = `no energy counter could be read on this machine (${unavailableReasons.join('; ')}); times are measured, energy is not`;
    return report;
  } finally {
    for (const operation of operations) await operation.dispose();
    for (const source of sources) source.close?.();
  }
}
