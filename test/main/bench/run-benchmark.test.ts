// milens bench on this machine, which has no readable energy counter: times are reported, energy is
// "unavailable" with every source's reason, and no energy number appears anywhere in the report.
import { describe, expect, it } from 'vitest';
import { runBenchmark } from '../../../main/bench/run-benchmark.js';
import { compareReports } from '../../../main/bench/compare.js';
import { REAL_CLOCK } from '../../../main/bench/protocol.js';
import { MilensError } from '../../../main/api/errors.js';
import { makeTempFolder } from '../../helpers/temp.js';

const QUICK = { size: 'small' as const, trials: 2, warmups: 1, minWindowMs: 20 };

describe('runBenchmark', () => {
  it('never produces an energy number without a counter', async () => {
    const report = await runBenchmark(
      { ...QUICK, workloads: ['ksg-mi', 'text-search'], backends: ['typescript'] },
      {},
      {
        probeSources: () => [
          { name: 'linux-rapl', available: false, reason: 'no powercap here', fix: 'load the driver' },
          { name: 'nvidia-nvml', available: false, reason: 'no driver' },
        ],
        clock: REAL_CLOCK,
      },
    );
    expect(report.energyUnavailable).toMatch(/no energy counter could be read .*linux-rapl: no powercap here.*nvidia-nvml: no driver/);
    expect(report.sources).toEqual([
      { name: 'linux-rapl', available: false, reason: 'no powercap here', fix: 'load the driver' },
      { name: 'nvidia-nvml', available: false, reason: 'no driver' },
    ]);
    expect(report.results.map((result) => `${result.workload}/${result.backend}`)).toEqual(['ksg-mi/typescript', 'text-search/javascript']);
    for (const result of report.results) {
      expect(result.energy).toEqual([]);
      expect(result.secondsPerOperation.median).toBeGreaterThan(0);
      expect(result.secondsSamples).toHaveLength(2);
      expect(result.dataShape).toMatch(/rows|documents/);
    }
    expect(JSON.stringify(report)).not.toMatch(/joules|Watts/i);
    expect(report.machine.cpuCount).toBeGreaterThan(0);
    expect(report.protocol).toMatchObject({ trials: 2, size: 'small', intervalMethod: expect.stringMatching(/bootstrap/) });
    expect(report.warnings.join(' ')).toMatch(/at least 5/);
  });

  it('with the real probes here, says for each source why it cannot be read', async () => {
    const report = await runBenchmark({ ...QUICK, workloads: ['text-search'] });
    for (const source of report.sources.filter((candidate) => !candidate.available)) expect(source.reason).toBeTruthy();
    if (report.sources.every((source) => !source.available)) expect(report.energyUnavailable).toBeTruthy();
  });

  it('embeds with the generated TEST model on every ONNX Runtime provider when no model is installed, and says so', async () => {
    const modelsFolder = makeTempFolder('milens-bench-models-');
    const report = await runBenchmark(
      { ...QUICK, workloads: ['image-embedding', 'text-embedding'] },
      { modelsFolder },
      { probeSources: () => [], clock: REAL_CLOCK },
    );
    expect(report.results.map((result) => result.workload)).toEqual(['image-embedding', 'text-embedding']);
    for (const result of report.results) {
      expect(result.backend).toMatch(/^onnx-(cpu|cuda|coreml)$/);
      expect(result.dataShape).toMatch(/TEST model test-colour-clip/);
      expect(result.secondsPerOperation.median).toBeGreaterThan(0);
    }
  });

  it('refuses unknown workloads and backends, naming them', async () => {
    const unknownWorkload = await runBenchmark({ ...QUICK, workloads: ['ksg'] }).catch((error: unknown) => error);
    expect(unknownWorkload).toBeInstanceOf(MilensError);
    expect((unknownWorkload as MilensError).code).toBe('INVALID_ARGUMENT');
    expect((unknownWorkload as Error).message).toMatch(
      /Unknown workload "ksg": expected one of ksg-mi, similarity-top10, text-search, image-embedding, text-embedding/,
    );
    await expect(runBenchmark({ ...QUICK, backends: ['gpu'] })).rejects.toThrow(/Unknown backend "gpu"/);
    await expect(runBenchmark({ ...QUICK, trials: 0 })).rejects.toThrow(/trials to be an integer of at least 1/);
  });

  it('compares two reports: the ratio of a report with itself is 1', async () => {
    const report = await runBenchmark(
      { ...QUICK, workloads: ['similarity-top10'], backends: ['cpu'] },
      {},
      { probeSources: () => [], clock: REAL_CLOCK },
    );
    const comparison = compareReports(report, report);
    expect(comparison.rows).toHaveLength(1);
    expect(comparison.rows[0].timeRatio.median).toBeCloseTo(1, 12);
    expect(comparison.unmatched).toEqual([]);
    const slower = structuredClone(report);
    slower.results[0].secondsSamples = slower.results[0].secondsSamples.map((seconds) => seconds * 3);
    expect(compareReports(slower, report).rows[0].timeRatio.median).toBeCloseTo(3, 9);
  });
});
