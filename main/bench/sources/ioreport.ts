// Apple Silicon: IOReport's "Energy Model" channels (CPU, GPU, ANE, DRAM where present), cumulative and
// readable without root, through the addon (native/energy/ioreport.cc). Written for macOS; on other
// systems the probe says IOReport exists only on macOS. Not yet run on a Mac: see the README.
import { CumulativeCounter, type EnergySource, type EnergySourceProbe } from '../energy-source.js';
import { loadEnergyAddon, type EnergyAddon } from './native-counters.js';

/** The channels that add up to the chip's energy without counting twice (IOReport's per-cluster ones overlap). */
const TOTAL_CHANNELS = /^(CPU Energy|GPU Energy|ANE|DRAM)/;

export function probeIoReport(
  addonSource: () => { addon: EnergyAddon } | { reason: string } = loadEnergyAddon,
  platform: NodeJS.Platform = process.platform,
): EnergySourceProbe {
  const name = 'apple-ioreport';
  if (platform !== 'darwin') return { name, available: false, reason: 'IOReport exists only on macOS' };
  const loaded = addonSource();
  if (!('addon' in loaded)) return { name, available: false, reason: loaded.reason };
  const { addon } = loaded;
  const first = addon.ioreportRead();
  if (!first.available || !first.channels || first.channels.length === 0)
    return { name, available: false, reason: first.reason ?? 'IOReport returned no energy channel' };
  const domains = first.channels.map((channel) => channel.name);
  const counters = new Map(domains.map((domain) => [domain, new CumulativeCounter(null)]));
  const read = () => {
    const sample = addon.ioreportRead();
    if (!sample.available || !sample.channels) throw new Error(`IOReport stopped answering: ${sample.reason ?? 'no channels'}`);
    const joules: Record<string, number> = {};
    for (const channel of sample.channels) {
      const counter = counters.get(channel.name);
      if (counter) joules[channel.name] = counter.update(channel.joules);
    }
    return { joules };
  };
  read();
  const source: EnergySource = {
    name,
    domains,
    totalDomains: domains.filter((domain) => TOTAL_CHANNELS.test(domain)),
    // IOReport's energy model is refreshed by the power manager every few milliseconds; macmon samples it
    // at 1 s, asitop at 1 s; a conservative 10 ms here keeps windows at ≥ 100 ms.
    updateIntervalMs: 10,
    resolutionJoules: 1e-6,
    read,
  };
  return { name, available: true, source };
}
