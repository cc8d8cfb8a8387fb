// The benchmark protocol with a simulated clock and counter: window sizing, idle baselines and their
// subtraction, interleaving order, intervals, and every case where energy must be refused.
import { describe, expect, it } from 'vitest';
import type { EnergySource } from '../../../main/bench/energy-source.js';
import { runProtocol, type BenchOperation, type ProtocolClock } from '../../../main/bench/protocol.js';

class SimulatedMachine implements ProtocolClock {
  timeMs = 0;
  operationsDone = 0;
  sleeps: number[] = [];
  now = () => this.timeMs;
  sleep = async (milliseconds: number) => {
    this.sleeps.push(milliseconds);
    this.timeMs += milliseconds;
  };
}

/** A counter that integrates idle power over simulated time plus a fixed energy per operation. */
function simulatedCounter(
  machine: SimulatedMachine,
  options: { idleWatts: number; joulesPerOperation: number; updateIntervalMs?: number; resolutionJoules?: number; frozen?: boolean },
): EnergySource {
  return {
    name: 'simulated',
    domains: ['package-0'],
    totalDomains: ['package-0'],
    updateIntervalMs: options.updateIntervalMs ?? 1,
    resolutionJoules: options.resolutionJoules ?? 1e-6,
    read: () => ({
      joules: {
        'package-0': options.frozen ? 7 : (options.idleWatts * machine.timeMs) / 1000 + options.joulesPerOperation * machine.operationsDone,
      },
    }),
  };
}

function operation(machine: SimulatedMachine, name: string, durationMs: (run: number) => number, log?: string[]): BenchOperation {
  let runs = 0;
  return {
    workload: name,
    backend: 'cpu',
    dataShape: `${name} shape`,
    async run() {
      machine.timeMs += durationMs(runs++);
      machine.operationsDone++;
      log?.push(name);
    },
  };
}

describe('runProtocol', () => {
  it('sizes windows, subtracts the idle baseline and reports time and energy per operation', async () => {
    const machine = new SimulatedMachine();
    const source = simulatedCounter(machine, { idleWatts: 5, joulesPerOperation: 0.02 });
    const [result] = await runProtocol(
      [operation(machine, 'ksg', () => 30)],
      [source],
      { trials: 5, warmups: 2, minWindowMs: 1000 },
      machine,
    );
    // ceil(1000 ms / 30 ms) = 34 operations per window.
    expect(result.repetitions).toBe(34);
    expect(result.trials).toBe(5);
    expect(result.secondsPerOperation.median).toBeCloseTo(0.03, 12);
    const figure = result.energy[0];
    if (!figure.available) throw new Error(figure.reason);
    // Everything drawn: 0.02 J of work plus 5 W × 30 ms of idle power per operation.
    expect(figure.joulesPerOperation.median).toBeCloseTo(0.02 + 5 * 0.03, 9);
    expect(figure.baselineSubtractedJoulesPerOperation.median).toBeCloseTo(0.02, 9);
    expect(figure.baselineSubtractedJoulesPerOperation.low).toBeCloseTo(0.02, 9);
    expect(figure.baselineSubtractedJoulesPerOperation.high).toBeCloseTo(0.02, 9);
    expect(figure.idleWatts.median).toBeCloseTo(5, 9);
    expect(figure.windowMs).toBe(34 * 30);
    expect(figure.samples).toHaveLength(5);
    expect(figure.method).toMatch(/34 operation\(s\) per window/);
    // One idle baseline per trial, each as long as the planned window.
    expect(machine.sleeps).toEqual([1020, 1020, 1020, 1020, 1020]);
  });

  it('makes each window at least 10 × the slowest counter update interval', async () => {
    const machine = new SimulatedMachine();
    const slow = simulatedCounter(machine, { idleWatts: 1, joulesPerOperation: 0.5, updateIntervalMs: 100 });
    const [result] = await runProtocol([operation(machine, 'op', () => 10)], [slow], { trials: 5, warmups: 1, minWindowMs: 50 }, machine);
    expect(result.repetitions).toBe(100); // 10 × 100 ms = 1 s of 10 ms operations
    expect(result.energy[0].available).toBe(true);
  });

  it('interleaves the operations, starting one further along in each trial', async () => {
    const machine = new SimulatedMachine();
    const log: string[] = [];
    const names = ['a', 'b', 'c'];
    const operations = names.map((name) => operation(machine, name, () => 1000, log));
    await runProtocol(operations, [], { trials: 3, warmups: 1, minWindowMs: 1000 }, machine);
    // Warm-ups a, b, c; then trials: a b c, b c a, c a b.
    expect(log).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    // Without an energy source there is no idle baseline to wait for.
    expect(machine.sleeps).toEqual([]);
  });

  it('gives intervals that contain the median and widen with noise', async () => {
    const machine = new SimulatedMachine();
    const jitter = [30, 36, 28, 41, 33, 29, 35];
    const [result] = await runProtocol(
      [operation(machine, 'noisy', (run) => jitter[run % jitter.length])],
      [],
      { trials: 7, warmups: 1, minWindowMs: 1 },
      machine,
    );
    const { median, low, high } = result.secondsPerOperation;
    expect(low).toBeLessThanOrEqual(median);
    expect(high).toBeGreaterThanOrEqual(median);
    expect(high - low).toBeGreaterThan(0);
  });

  it('refuses energy when the window turned out shorter than 10 update intervals', async () => {
    const machine = new SimulatedMachine();
    const source = simulatedCounter(machine, { idleWatts: 1, joulesPerOperation: 1, updateIntervalMs: 100 });
    // The warm-up takes 2 s, so one operation seems to fill the window; later runs take 5 ms.
    const [result] = await runProtocol(
      [operation(machine, 'faster', (run) => (run === 0 ? 2000 : 5))],
      [source],
      { trials: 5, warmups: 1, minWindowMs: 1000 },
      machine,
    );
    expect(result.energy[0]).toMatchObject({
      available: false,
      reason: expect.stringMatching(/shorter than 10 × the counter's update interval \(1000 ms\)/),
    });
    expect(result.secondsPerOperation.median).toBeCloseTo(0.005, 12);
  });

  it('refuses energy when the window holds too few of the counter resolution steps', async () => {
    const machine = new SimulatedMachine();
    const coarse = simulatedCounter(machine, { idleWatts: 0.001, joulesPerOperation: 0.0001, resolutionJoules: 0.01 });
    const [result] = await runProtocol(
      [operation(machine, 'tiny', () => 100)],
      [coarse],
      { trials: 5, warmups: 1, minWindowMs: 1000 },
      machine,
    );
    expect(result.energy[0]).toMatchObject({
      available: false,
      reason: expect.stringMatching(/under 100 steps of the counter's resolution/),
    });
  });

  it('refuses energy from a counter that does not move', async () => {
    const machine = new SimulatedMachine();
    const frozen = simulatedCounter(machine, { idleWatts: 0, joulesPerOperation: 0, frozen: true });
    const [result] = await runProtocol(
      [operation(machine, 'op', () => 100)],
      [frozen],
      { trials: 5, warmups: 1, minWindowMs: 1000 },
      machine,
    );
    expect(result.energy[0]).toMatchObject({ available: false, reason: expect.stringMatching(/counter did not move/) });
  });

  it('reports progress step by step and stops when cancelled', async () => {
    const machine = new SimulatedMachine();
    const steps: Array<[number, number]> = [];
    const controller = new AbortController();
    const run = runProtocol(
      [operation(machine, 'op', () => 10)],
      [],
      {
        trials: 5,
        warmups: 2,
        minWindowMs: 10,
        signal: controller.signal,
        onProgress: (done, total) => {
          steps.push([done, total]);
          if (done === 3) controller.abort(new Error('cancelled by test'));
        },
      },
      machine,
    );
    await expect(run).rejects.toThrow('cancelled by test');
    expect(steps).toEqual([
      [1, 7],
      [2, 7],
      [3, 7],
    ]);
  });

  it('says when fewer than five trials were run', async () => {
    const machine = new SimulatedMachine();
    const [result] = await runProtocol([operation(machine, 'op', () => 10)], [], { trials: 2, warmups: 0, minWindowMs: 10 }, machine);
    expect(result.notes.join(' ')).toMatch(/only 2 trial\(s\)/);
  });
});
