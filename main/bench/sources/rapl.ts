// Linux RAPL through the powercap sysfs tree (/sys/class/powercap): one cumulative counter per zone
// (package-N, and its core / uncore / dram subzones; psys where the platform has it), in microjoules,
// wrapping at max_energy_range_uj. Intel and AMD (since Linux 5.8 AMD's RAPL appears under the same
// intel-rapl control type). energy_uj is readable only by root since Linux 5.10 (CVE-2020-8694), so a
// permission error comes back with the fix instead of a bare EACCES.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CumulativeCounter, type EnergySource, type EnergySourceProbe } from '../energy-source.js';

export const POWERCAP_ROOT = '/sys/class/powercap';

/** Reads one sysfs file as text; injectable so tests can replay permission errors, which root never sees. */
export type SysfsReader = (file: string) => string;
const readSysfs: SysfsReader = (file) => readFileSync(file, 'utf8');

export const RAPL_PERMISSION_FIX =
  'energy_uj is readable only by root since Linux 5.10. To let your user read it until the next boot: ' +
  '`sudo chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj`; ' +
  'to keep it, add a udev rule, e.g. /etc/udev/rules.d/99-rapl.rules with ' +
  '`SUBSYSTEM=="powercap", ACTION=="add", RUN+="/bin/chmod g+r,o+r /sys%p/energy_uj"` (or a group of your choice with chgrp), ' +
  'then `sudo udevadm trigger`. Or run the benchmark as root.';

interface RaplZone {
  /** "package-0", "package-0/core", "package-0/dram", "psys"… */
  domain: string;
  energyFile: string;
  rangeJoules: number | null;
  topLevel: boolean;
}

/** The zones of the tree: top-level `intel-rapl:N` and their `intel-rapl:N:M` subzones. */
function listZones(root: string, read: SysfsReader): RaplZone[] {
  const entries = readdirSync(root).filter((entry) => /^intel-rapl:\d+(:\d+)?$/.test(entry));
  entries.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const nameOf = (entry: string) => read(path.join(root, entry, 'name')).trim();
  const zones: RaplZone[] = [];
  for (const entry of entries) {
    const parts = entry.split(':');
    const topLevel = parts.length === 2;
    const name = nameOf(entry);
    const domain = topLevel ? name : `${nameOf(parts.slice(0, 2).join(':'))}/${name}`;
    let rangeJoules: number | null = null;
    try {
      const range = Number(read(path.join(root, entry, 'max_energy_range_uj')).trim());
      if (Number.isFinite(range) && range > 0) rangeJoules = range / 1e6;
    } catch {
      // No range file: wrap-arounds cannot be told from glitches, so drops are treated as glitches.
    }
    zones.push({ domain, energyFile: path.join(root, entry, 'energy_uj'), rangeJoules, topLevel });
  }
  return zones;
}

export function probeRapl(options: { root?: string; read?: SysfsReader; platform?: NodeJS.Platform } = {}): EnergySourceProbe {
  const name = 'linux-rapl';
  const root = options.root ?? POWERCAP_ROOT;
  const read = options.read ?? readSysfs;
  if ((options.platform ?? process.platform) !== 'linux') return { name, available: false, reason: 'RAPL is read through Linux powercap' };
  let zones: RaplZone[];
  try {
    zones = listZones(root, read);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return {
        name,
        available: false,
        reason: `${root} does not exist: no powercap driver (a virtual machine or container, or the intel_rapl module is not loaded)`,
        fix: 'On bare metal, load the driver: `sudo modprobe intel_rapl_common intel_rapl_msr`.',
      };
    return { name, available: false, reason: `${root} could not be listed: ${code ?? (error as Error).message}` };
  }
  if (zones.length === 0) return { name, available: false, reason: `no intel-rapl zones under ${root}` };
  const counters = new Map<string, CumulativeCounter>();
  const readRaw = (zone: RaplZone): number => {
    const microjoules = Number(read(zone.energyFile).trim());
    if (!Number.isFinite(microjoules)) throw new RangeError(`${zone.energyFile} did not hold a number`);
    return microjoules / 1e6;
  };
  const readable: RaplZone[] = [];
  for (const zone of zones) {
    try {
      const first = readRaw(zone);
      const counter = new CumulativeCounter(zone.rangeJoules);
      counter.update(first);
      counters.set(zone.domain, counter);
      readable.push(zone);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        return { name, available: false, reason: `${zone.energyFile} is not readable by this user (${code})`, fix: RAPL_PERMISSION_FIX };
      // A zone that cannot be read for another reason (a missing energy_uj on some subzones) is left out.
    }
  }
  if (readable.length === 0) return { name, available: false, reason: `no readable energy_uj under ${root}` };
  // Packages (and dram, which lies outside the package on servers) add up; core/uncore are inside the
  // package, and psys (the whole SoC platform) overlaps everything, so it is a total only on its own.
  const psys = readable.filter((zone) => zone.topLevel && zone.domain.startsWith('psys'));
  const packages = readable.filter((zone) => zone.topLevel && zone.domain.startsWith('package'));
  const drams = readable.filter((zone) => !zone.topLevel && zone.domain.endsWith('/dram'));
  const totalDomains = (packages.length > 0 ? [...packages, ...drams] : psys).map((zone) => zone.domain);
  const source: EnergySource = {
    name,
    domains: readable.map((zone) => zone.domain),
    totalDomains,
    // The hardware updates the energy status MSR about every millisecond; its unit is typically 15.3 or
    // 61 µJ, shown in sysfs as whole microjoules.
    updateIntervalMs: 1,
    resolutionJoules: 61e-6,
    read() {
      const joules: Record<string, number> = {};
      for (const zone of readable) joules[zone.domain] = counters.get(zone.domain)!.update(readRaw(zone));
      return { joules };
    },
  };
  return { name, available: true, source };
}
