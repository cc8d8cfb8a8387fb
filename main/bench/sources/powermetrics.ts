// macOS `powermetrics` (root only) as an optional second Apple source: it is spawned once with
// `--samplers cpu_power,gpu_power -f plist -i 100` and every sample's processor energies (cpu_energy,
// gpu_energy, ane_energy: millijoules over the sample's elapsed_ns) are added up into cumulative
// counters. IOReport gives the same channels without root and is preferred; this source exists for
// cross-checking it. Samples arrive at the end of each interval, so a window's figure can lag by up to
// one interval at each end: the protocol's windows of ≥ 10 intervals bound that at a tenth.
import { spawn, type ChildProcess } from 'node:child_process';
import type { EnergySource, EnergySourceProbe } from '../energy-source.js';

export const POWERMETRICS_INTERVAL_MS = 100;
const DOMAINS = ['cpu', 'gpu', 'ane'] as const;

export interface PowermetricsSample {
  elapsedNs: number;
  /** Millijoules per domain over the sample. */
  millijoules: Record<(typeof DOMAINS)[number], number>;
}

/**
 * Reads the energies of one powermetrics plist sample. The keys are unique within a sample (they live
 * in its `processor` dictionary), so a key-by-key scan of the XML is enough and needs no plist library.
 */
export function parsePowermetricsSample(plist: string): PowermetricsSample | undefined {
  const number = (key: string) => {
    const match = new RegExp(`<key>${key}</key>\\s*<(?:integer|real)>([^<]+)</`).exec(plist);
    return match ? Number(match[1]) : undefined;
  };
  const elapsedNs = number('elapsed_ns');
  const cpu = number('cpu_energy');
  if (elapsedNs === undefined || cpu === undefined || !Number.isFinite(cpu)) return undefined;
  return { elapsedNs, millijoules: { cpu, gpu: number('gpu_energy') ?? 0, ane: number('ane_energy') ?? 0 } };
}

/** Splits powermetrics' stream (plist documents separated by NUL bytes) and keeps the running totals. */
export class PowermetricsAccumulator {
  private pending = '';
  readonly joules: Record<string, number> = { cpu: 0, gpu: 0, ane: 0 };
  samples = 0;

  push(chunk: string): void {
    this.pending += chunk;
    const documents = this.pending.split('\0');
    this.pending = documents.pop() ?? '';
    for (const document of documents) {
      const sample = parsePowermetricsSample(document);
      if (!sample) continue;
      for (const domain of DOMAINS) this.joules[domain] += sample.millijoules[domain] / 1000;
      this.samples++;
    }
  }
}

export function probePowermetrics(platform: NodeJS.Platform = process.platform, uid = process.getuid?.() ?? -1): EnergySourceProbe {
  const name = 'apple-powermetrics';
  if (platform !== 'darwin') return { name, available: false, reason: 'powermetrics exists only on macOS' };
  if (uid !== 0)
    return {
      name,
      available: false,
      reason: 'powermetrics needs root; IOReport gives the same channels without it',
      fix: 'Run the benchmark with sudo to cross-check IOReport with powermetrics.',
    };
  const accumulator = new PowermetricsAccumulator();
  let child: ChildProcess;
  try {
    child = spawn('powermetrics', ['--samplers', 'cpu_power,gpu_power', '-f', 'plist', '-i', String(POWERMETRICS_INTERVAL_MS)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    return { name, available: false, reason: `powermetrics could not be started: ${(error as Error).message}` };
  }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => accumulator.push(chunk));
  child.on('error', () => undefined);
  const source: EnergySource = {
    name,
    domains: [...DOMAINS],
    totalDomains: [...DOMAINS],
    updateIntervalMs: POWERMETRICS_INTERVAL_MS,
    resolutionJoules: 1e-3,
    read: () => ({ joules: { ...accumulator.joules } }),
    close: () => void child.kill(),
  };
  return { name, available: true, source };
}
