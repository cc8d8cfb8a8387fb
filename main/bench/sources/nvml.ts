// NVIDIA GPUs: NVML's total-energy counter (nvmlDeviceGetTotalEnergyConsumption, millijoules since the
// driver loaded; Volta and later), one domain per GPU — a real counter, not one-second power samples.
// The library is opened at run time by the addon, so milens loads and says why where no driver exists.
import { CumulativeCounter, type EnergySource, type EnergySourceProbe } from '../energy-source.js';
import { loadEnergyAddon, type EnergyAddon } from './native-counters.js';

/**
 * NVML's counter moves in millijoules; the driver refreshes it about every 20–100 ms depending on the
 * GPU (NVIDIA documents no figure), so the protocol's windows assume the slow end.
 */
export const NVML_UPDATE_INTERVAL_MS = 100;

export function probeNvml(addonSource: () => { addon: EnergyAddon } | { reason: string } = loadEnergyAddon): EnergySourceProbe {
  const name = 'nvidia-nvml';
  const loaded = addonSource();
  if (!('addon' in loaded)) return { name, available: false, reason: loaded.reason };
  const { addon } = loaded;
  const opened = addon.nvmlOpen();
  if (!opened.available || !opened.devices || opened.devices.length === 0)
    return {
      name,
      available: false,
      reason: opened.reason ?? 'NVML found no GPU',
      fix: 'Install the NVIDIA driver (410 or later, a Volta or newer GPU) on a machine with an NVIDIA GPU.',
    };
  const devices = opened.devices;
  const domains = devices.map((device) => `gpu-${device.index} (${device.name})`);
  // NVML's counter is 64-bit: it does not wrap in practice, so a drop is always a glitch.
  const counters = devices.map(() => new CumulativeCounter(null));
  const readAll = () => {
    const readings = addon.nvmlRead();
    const joules: Record<string, number> = {};
    readings.forEach((reading, index) => {
      if (reading.millijoules === undefined || reading.millijoules < 0)
        throw new Error(`NVML could not read the energy of ${domains[index]}: ${reading.error ?? 'unknown error'}`);
      joules[domains[index]] = counters[index].update(reading.millijoules / 1000);
    });
    return { joules };
  };
  try {
    readAll();
  } catch (error) {
    return {
      name,
      available: false,
      reason: (error as Error).message,
      fix: 'nvmlDeviceGetTotalEnergyConsumption needs a Volta or newer GPU; older GPUs have no energy counter.',
    };
  }
  const source: EnergySource = {
    name,
    domains,
    totalDomains: domains,
    updateIntervalMs: NVML_UPDATE_INTERVAL_MS,
    resolutionJoules: 1e-3,
    read: readAll,
  };
  return { name, available: true, source };
}
