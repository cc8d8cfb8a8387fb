// The measurement protocol of `milens bench`, independent of what is measured and of the clock, so it
// can be tested with a simulated clock and counter:
// - warm-up runs of every operation first (their times size the windows);
// - each measured window lasts at least max(minWindowMs, 10 × the slowest counter's update interval):
//   the operation is repeated inside it as often as needed;
// - just before each measured window, an idle baseline of the same length is read the same way;
// - trials interleave the operations (each trial visits every workload × backend, starting one further
//   along), so slow drift of the machine (temperature, other load) spreads over all of them;
// - per operation: the median and a 95 % interval of time, and, per energy source, of total and
//   baseline-subtracted joules per operation; energy is refused, with the reason, when a window is
//   too short for the counter's update interval or resolution, or the counter did not move.
import type { BenchEnergyFigure, BenchResult } from '../api/contract.js';
import type { EnergyReading, EnergySource } from './energy-source.js';
import { INTERVAL_METHOD, median, medianInterval } from './statistics.js';

export interface BenchOperation {
  workload: string;
  backend: string;
  dataShape: string;
  notes?: string[];
  /** One operation, on data prepared beforehand. */
  run(): Promise<void>;
}

export interface ProtocolClock {
  /** Milliseconds, monotone. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const REAL_CLOCK: ProtocolClock = {
  now: () => performance.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

export interface ProtocolOptions {
  trials: number;
  warmups: number;
  minWindowMs: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

/**
 * A window must hold this many of the counter's smallest steps, so that its quantisation (± one step at
 * each end) stays under 2 %; fewer, and the energy figure is refused.
 */
export const MINIMUM_RESOLUTION_STEPS = 100;
/** A window must last at least this many of the counter's update intervals. */
export const MINIMUM_UPDATE_INTERVALS = 10;

export const PROTOCOL_ORDER = 'interleaved: every trial runs each workload × backend once, starting one further along each trial';
export const PROTOCOL_BASELINE = 'idle window of the same planned length read just before each measured window';
export { INTERVAL_METHOD };

interface TrialEnergy {
  joules: number;
  idleJoulesPerMs: number;
  windowMs: number;
  invalid?: string;
}

interface OperationPlan {
  operation: BenchOperation;
  repetitions: number;
  plannedWindowMs: number;
  seconds: number[];
  energy: TrialEnergy[][];
}

function readAll(sources: readonly EnergySource[]): EnergyReading[] {
  return sources.map((source) => source.read());
}

function totalJoules(source: EnergySource, before: EnergyReading, after: EnergyReading): number {
  let joules = 0;
  for (const domain of source.totalDomains) joules += (after.joules[domain] ?? 0) - (before.joules[domain] ?? 0);
  return joules;
}

/** Why this window cannot give an energy figure from this source, or undefined when it can. */
export function windowProblem(source: EnergySource, windowMs: number, joules: number): string | undefined {
  const neededMs = MINIMUM_UPDATE_INTERVALS * source.updateIntervalMs;
  if (windowMs < neededMs)
    return `the measured window (${windowMs.toFixed(1)} ms) is shorter than ${MINIMUM_UPDATE_INTERVALS} × the counter's update interval (${neededMs} ms)`;
  if (joules <= 0) return `the counter did not move during a ${windowMs.toFixed(0)} ms window`;
  if (joules < MINIMUM_RESOLUTION_STEPS * source.resolutionJoules)
    return `the window's ${joules.toExponential(2)} J is under ${MINIMUM_RESOLUTION_STEPS} steps of the counter's resolution (${source.resolutionJoules} J): lengthen the window (--min-window-ms)`;
  return undefined;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('The benchmark was cancelled.');
}

export async function runProtocol(
  operations: readonly BenchOperation[],
  sources: readonly EnergySource[],
  options: ProtocolOptions,
  clock: ProtocolClock = REAL_CLOCK,
): Promise<BenchResult[]> {
  if (!Number.isInteger(options.trials) || options.trials < 1)
    throw new RangeError(`Expected trials to be a positive integer but received ${options.trials}`);
  if (!Number.isInteger(options.warmups) || options.warmups < 0)
    throw new RangeError(`Expected warmups to be a non-negative integer but received ${options.warmups}`);
  const slowestUpdateMs = Math.max(0, ...sources.map((source) => source.updateIntervalMs));
  const windowMs = Math.max(options.minWindowMs, MINIMUM_UPDATE_INTERVALS * slowestUpdateMs);
  const totalSteps = operations.length * (Math.max(1, options.warmups) + options.trials);
  let done = 0;
  const step = (message: string) => options.onProgress?.(++done, totalSteps, message);

  // Warm-up, and the time of one operation, which sizes its window.
  const plans: OperationPlan[] = [];
  for (const operation of operations) {
    const times: number[] = [];
    for (let run = 0; run < Math.max(1, options.warmups); run++) {
      throwIfAborted(options.signal);
      const started = clock.now();
      await operation.run();
      times.push(clock.now() - started);
      step(`warm-up: ${operation.workload} on ${operation.backend}`);
    }
    const operationMs = Math.max(median(times), 1e-3);
    const repetitions = Math.max(1, Math.ceil(windowMs / operationMs));
    plans.push({
      operation,
      repetitions,
      plannedWindowMs: Math.max(windowMs, repetitions * operationMs),
      seconds: [],
      energy: sources.map(() => []),
    });
  }

  for (let trial = 0; trial < options.trials; trial++) {
    for (let offset = 0; offset < plans.length; offset++) {
      const plan = plans[(trial + offset) % plans.length];
      throwIfAborted(options.signal);
      // Idle baseline, the same length as the window it precedes.
      const idleBefore = readAll(sources);
      const idleStarted = clock.now();
      if (sources.length > 0) await clock.sleep(plan.plannedWindowMs);
      const idleMs = clock.now() - idleStarted;
      const idleAfter = readAll(sources);

      const before = readAll(sources);
      const started = clock.now();
      for (let repetition = 0; repetition < plan.repetitions; repetition++) await plan.operation.run();
      const measuredMs = clock.now() - started;
      const after = readAll(sources);

      plan.seconds.push(measuredMs / plan.repetitions / 1000);
      sources.forEach((source, index) => {
        const joules = totalJoules(source, before[index], after[index]);
        const idleJoules = totalJoules(source, idleBefore[index], idleAfter[index]);
        plan.energy[index].push({
          joules,
          idleJoulesPerMs: idleMs > 0 ? idleJoules / idleMs : 0,
          windowMs: measuredMs,
          invalid: windowProblem(source, measuredMs, joules),
        });
      });
      step(`trial ${trial + 1} of ${options.trials}: ${plan.operation.workload} on ${plan.operation.backend}`);
    }
  }

  return plans.map((plan) => summarise(plan, sources, options.trials));
}

function summarise(plan: OperationPlan, sources: readonly EnergySource[], trials: number): BenchResult {
  const { operation, repetitions } = plan;
  const energy: BenchEnergyFigure[] = sources.map((source, index) => {
    const windows = plan.energy[index];
    const problem = windows.find((window) => window.invalid)?.invalid;
    if (problem) return { source: source.name, available: false, reason: problem };
    const perOperation = windows.map((window) => window.joules / repetitions);
    const subtracted = windows.map((window) => (window.joules - window.idleJoulesPerMs * window.windowMs) / repetitions);
    const idleWatts = windows.map((window) => window.idleJoulesPerMs * 1000);
    return {
      source: source.name,
      available: true,
      domains: [...source.totalDomains],
      windowMs: median(windows.map((window) => window.windowMs)),
      joulesPerOperation: medianInterval(perOperation),
      baselineSubtractedJoulesPerOperation: medianInterval(subtracted),
      idleWatts: medianInterval(idleWatts),
      method: `cumulative counter difference over each window, ${repetitions} operation(s) per window; baseline: ${PROTOCOL_BASELINE}; ${INTERVAL_METHOD}`,
      samples: perOperation,
      baselineSubtractedSamples: subtracted,
    };
  });
  const notes = [...(operation.notes ?? [])];
  if (trials < 5) notes.push(`only ${trials} trial(s): the protocol asks for at least 5, so the interval is wide or degenerate`);
  return {
    workload: operation.workload,
    backend: operation.backend,
    dataShape: operation.dataShape,
    repetitions,
    trials,
    secondsPerOperation: medianInterval(plan.seconds),
    secondsSamples: plan.seconds,
    energy,
    notes,
  };
}
