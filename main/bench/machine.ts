// What machine a benchmark ran on: chip, cores, memory, OS, versions, and the power source where the
// OS says (a laptop on battery draws and throttles differently).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchMachine } from '../api/contract.js';

/** Linux: /sys/class/power_supply; "ac" when a mains supply is online, "battery" when only a battery is. */
export function linuxPowerSource(root = '/sys/class/power_supply'): BenchMachine['powerSource'] {
  let supplies: string[];
  try {
    supplies = readdirSync(root);
  } catch {
    return null;
  }
  const read = (supply: string, file: string) => {
    try {
      return readFileSync(path.join(root, supply, file), 'utf8').trim();
    } catch {
      return '';
    }
  };
  let sawMains = false;
  let sawBattery = false;
  for (const supply of supplies) {
    const type = read(supply, 'type');
    if (type === 'Mains' || type === 'USB') {
      sawMains = true;
      if (read(supply, 'online') === '1') return 'ac';
    }
    if (type === 'Battery') sawBattery = true;
  }
  if (sawBattery) return 'battery';
  return sawMains ? 'battery' : null;
}

function macPowerSource(): BenchMachine['powerSource'] {
  try {
    const output = execFileSync('pmset', ['-g', 'batt'], { encoding: 'utf8', timeout: 2000 });
    if (output.includes("'AC Power'")) return 'ac';
    if (output.includes("'Battery Power'")) return 'battery';
  } catch {
    // pmset missing or refused: the report says null (unknown).
  }
  return null;
}

export function describeMachine(milensVersion: string): BenchMachine {
  const powerSource = process.platform === 'linux' ? linuxPowerSource() : process.platform === 'darwin' ? macPowerSource() : null;
  const versions: Record<string, string> = { milens: milensVersion, node: process.versions.node, v8: process.versions.v8 };
  if (process.versions.electron) versions.electron = process.versions.electron;
  return {
    os: process.platform,
    release: os.release(),
    arch: process.arch,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cpuCount: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    powerSource,
    versions,
  };
}
