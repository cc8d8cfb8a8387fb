// The NVML source: with the real addon (no NVIDIA driver exists here: it must say so), and against a
// recorded counter sequence standing in for the driver, which cannot exist on this machine.
import { describe, expect, it } from 'vitest';
import { probeNvml } from '../../../main/bench/sources/nvml.js';
import { probeIoReport } from '../../../main/bench/sources/ioreport.js';
import { loadEnergyAddon, type EnergyAddon } from '../../../main/bench/sources/native-counters.js';

/** Replays NVML readings (millijoules per GPU) recorded from nvmlDeviceGetTotalEnergyConsumption. */
function recordedNvml(sequence: Array<Array<number | string>>): () => { addon: EnergyAddon } {
  let next = 0;
  const addon: EnergyAddon = {
    nvmlOpen: () => ({
      available: true,
      devices: [
        { index: 0, name: 'NVIDIA H200' },
        { index: 1, name: 'NVIDIA H200' },
      ],
    }),
    nvmlRead: () =>
      sequence[Math.min(next++, sequence.length - 1)].map((value) =>
        typeof value === 'number' ? { millijoules: value } : { error: value },
      ),
    ioreportRead: () => ({ available: false, reason: 'not macOS' }),
  };
  return () => ({ addon });
}

describe('nvidia-nvml source', () => {
  it('says why it is unavailable with the real addon on a machine without an NVIDIA driver', () => {
    const loaded = loadEnergyAddon();
    if (!('addon' in loaded)) return expect(loaded.reason).toMatch(/addon/);
    const probe = probeNvml();
    expect(probe.available).toBe(false);
    if (!probe.available) expect(probe.reason).toMatch(/libnvidia-ml|no NVIDIA GPU|nvmlInit/);
  });

  it('turns the per-GPU millijoule counters into cumulative joules, one domain per GPU', () => {
    const probe = probeNvml(
      recordedNvml([
        [1_000_000, 2_000_000],
        [1_000_250, 2_001_000],
        [1_000_250, 2_000_990], // a 10 mJ step backwards on GPU 1: a glitch, ignored
        [1_003_000, 2_004_000],
      ]),
    );
    if (!probe.available) throw new Error(probe.reason);
    expect(probe.source.domains).toEqual(['gpu-0 (NVIDIA H200)', 'gpu-1 (NVIDIA H200)']);
    expect(probe.source.resolutionJoules).toBe(1e-3);
    expect(probe.source.read().joules).toEqual({ 'gpu-0 (NVIDIA H200)': 0.25, 'gpu-1 (NVIDIA H200)': 1 });
    expect(probe.source.read().joules).toEqual({ 'gpu-0 (NVIDIA H200)': 0.25, 'gpu-1 (NVIDIA H200)': 1 });
    const last = probe.source.read().joules;
    expect(last['gpu-0 (NVIDIA H200)']).toBeCloseTo(3, 9);
    expect(last['gpu-1 (NVIDIA H200)']).toBeCloseTo(4, 9);
  });

  it('is unavailable, with the reason, when a GPU has no energy counter', () => {
    const probe = probeNvml(recordedNvml([[5, 'Not Supported']]));
    expect(probe).toMatchObject({
      available: false,
      reason: expect.stringMatching(/gpu-1 .*Not Supported/),
      fix: expect.stringMatching(/Volta/),
    });
  });

  it('passes on why the addon cannot read counters', () => {
    expect(probeNvml(() => ({ reason: 'the native addon is not loaded (x)' }))).toMatchObject({
      available: false,
      reason: 'the native addon is not loaded (x)',
    });
  });
});

describe('apple-ioreport source', () => {
  it('exists only on macOS', () => {
    expect(probeIoReport(loadEnergyAddon, 'linux')).toEqual({
      name: 'apple-ioreport',
      available: false,
      reason: 'IOReport exists only on macOS',
    });
  });

  it('reads the energy channels of a recorded IOReport sequence, summing the chip totals', () => {
    let joules = 0;
    const addon: EnergyAddon = {
      nvmlOpen: () => ({ available: false }),
      nvmlRead: () => [],
      ioreportRead: () => {
        joules += 0.5;
        return {
          available: true,
          channels: [
            { group: 'Energy Model', name: 'CPU Energy', joules },
            { group: 'Energy Model', name: 'GPU Energy', joules: joules / 2 },
            { group: 'Energy Model', name: 'EACC_CPU0', joules: joules / 4 },
          ],
        };
      },
    };
    const probe = probeIoReport(() => ({ addon }), 'darwin');
    if (!probe.available) throw new Error(probe.reason);
    expect(probe.source.totalDomains).toEqual(['CPU Energy', 'GPU Energy']);
    const reading = probe.source.read();
    expect(reading.joules['CPU Energy']).toBeCloseTo(0.5, 12);
    expect(reading.joules['GPU Energy']).toBeCloseTo(0.25, 12);
  });
});
