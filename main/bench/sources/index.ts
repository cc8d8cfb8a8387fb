// Every energy source milens knows, probed in one place: the benchmark uses the available ones and
// reports the others with their reasons; the doctor lists the same answers.
import type { EnergySourceProbe } from '../energy-source.js';
import { probeIoReport } from './ioreport.js';
import { probeNvml } from './nvml.js';
import { probePowermetrics } from './powermetrics.js';
import { probeRapl } from './rapl.js';

export function probeEnergySources(): EnergySourceProbe[] {
  return [probeIoReport(), probePowermetrics(), probeRapl(), probeNvml()];
}
