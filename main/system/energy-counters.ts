// Which hardware energy counters this machine lets milens read. A counter is "available" only when a
// reading was actually taken here; otherwise the reason says what is missing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { EnergyCounterInfo } from '../api/contract.js';

const RAPL_ROOT = '/sys/class/powercap';

function probeRapl(): EnergyCounterInfo {
  if (process.platform !== 'linux') return { name: 'linux-rapl', available: false, reason: 'RAPL is a Linux interface' };
  if (!existsSync(RAPL_ROOT)) return { name: 'linux-rapl', available: false, reason: `${RAPL_ROOT} does not exist (no powercap driver)` };
  const zones = readdirSync(RAPL_ROOT).filter((entry) => /^intel-rapl:\d+$/.test(entry));
  if (zones.length === 0) return { name: 'linux-rapl', available: false, reason: `no intel-rapl zones under ${RAPL_ROOT}` };
  const counter = `${RAPL_ROOT}/${zones[0]}/energy_uj`;
  try {
    const microjoules = Number(readFileSync(counter, 'utf8').trim());
    if (!Number.isFinite(microjoules)) return { name: 'linux-rapl', available: false, reason: `${counter} did not hold a number` };
    return { name: 'linux-rapl', available: true };
  } catch (error) {
    return {
      name: 'linux-rapl',
      available: false,
      reason: `${counter} is not readable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
}

const NVML_LIBRARY_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1',
  '/usr/lib64/libnvidia-ml.so.1',
  '/usr/lib/aarch64-linux-gnu/libnvidia-ml.so.1',
  '/usr/local/nvidia/lib64/libnvidia-ml.so.1',
  'C:\\Windows\\System32\\nvml.dll',
];

function probeNvml(): EnergyCounterInfo {
  const library = NVML_LIBRARY_PATHS.find((candidate) => existsSync(candidate));
  if (!library) return { name: 'nvidia-nvml', available: false, reason: 'no NVIDIA driver library (libnvidia-ml) found' };
  if (process.platform === 'linux' && !existsSync('/proc/driver/nvidia/gpus')) {
    return { name: 'nvidia-nvml', available: false, reason: `${library} exists but no NVIDIA GPU is present` };
  }
  return {
    name: 'nvidia-nvml',
    available: false,
    reason: `${library} found; milens has no NVML reader yet (energy benchmarking is planned)`,
  };
}

function probeIoReport(): EnergyCounterInfo {
  if (process.platform !== 'darwin') return { name: 'apple-ioreport', available: false, reason: 'IOReport exists only on macOS' };
  return { name: 'apple-ioreport', available: false, reason: 'milens has no IOReport reader yet (energy benchmarking is planned)' };
}

export function probeEnergyCounters(): EnergyCounterInfo[] {
  return [probeIoReport(), probeRapl(), probeNvml()];
}
