// Which hardware energy counters this machine lets milens read, for the doctor: the same probes the
// benchmark uses (main/bench/sources), so a counter is "available" only when a reading was taken here.
import type { EnergyCounterInfo } from '../api/contract.js';
import { probeEnergySources } from '../bench/sources/index.js';

export function probeEnergyCounters(): EnergyCounterInfo[] {
  return probeEnergySources().map((probe) => {
    const name = probe.name as EnergyCounterInfo['name'];
    if (probe.available) {
      probe.source.close?.();
      return { name, available: true };
    }
    return { name, available: false, reason: probe.fix ? `${probe.reason}. ${probe.fix}` : probe.reason };
  });
}
