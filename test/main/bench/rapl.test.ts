// The RAPL source against fixture powercap trees in the kernel's format (intel-rapl:N with name,
// energy_uj, max_energy_range_uj): domains, totals, wrap-around, glitches, missing domains, permission
// errors and a missing driver.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RAPL_PERMISSION_FIX, probeRapl } from '../../../main/bench/sources/rapl.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

interface ZoneFixture {
  entry: string;
  name: string;
  energyUj?: number;
  rangeUj?: number;
}

function powercapTree(zones: ZoneFixture[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'milens-powercap-'));
  folders.push(root);
  for (const zone of zones) {
    const folder = path.join(root, zone.entry);
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'name'), `${zone.name}\n`);
    if (zone.energyUj !== undefined) writeFileSync(path.join(folder, 'energy_uj'), `${zone.energyUj}\n`);
    if (zone.rangeUj !== undefined) writeFileSync(path.join(folder, 'max_energy_range_uj'), `${zone.rangeUj}\n`);
  }
  // The kernel also lists the control type itself; it is not a zone.
  mkdirSync(path.join(root, 'intel-rapl'));
  return root;
}

const setEnergy = (root: string, entry: string, microjoules: number) =>
  writeFileSync(path.join(root, entry, 'energy_uj'), `${microjoules}\n`);
const RANGE = 262_143_328_850; // a real package's max_energy_range_uj

describe('linux-rapl source', () => {
  it('reads an Intel tree: every zone a domain, packages and dram as the total', () => {
    const root = powercapTree([
      { entry: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000, rangeUj: RANGE },
      { entry: 'intel-rapl:0:0', name: 'core', energyUj: 500_000, rangeUj: RANGE },
      { entry: 'intel-rapl:0:1', name: 'uncore', energyUj: 10_000, rangeUj: RANGE },
      { entry: 'intel-rapl:0:2', name: 'dram', energyUj: 200_000, rangeUj: RANGE },
    ]);
    const probe = probeRapl({ root, platform: 'linux' });
    if (!probe.available) throw new Error(probe.reason);
    const source = probe.source;
    expect(source.domains).toEqual(['package-0', 'package-0/core', 'package-0/uncore', 'package-0/dram']);
    expect(source.totalDomains).toEqual(['package-0', 'package-0/dram']);
    setEnergy(root, 'intel-rapl:0', 3_500_000);
    setEnergy(root, 'intel-rapl:0:2', 450_000);
    const reading = source.read();
    expect(reading.joules['package-0']).toBeCloseTo(2.5, 12);
    expect(reading.joules['package-0/dram']).toBeCloseTo(0.25, 12);
    expect(reading.joules['package-0/core']).toBe(0);
  });

  it('adds the range back when a counter wraps past max_energy_range_uj', () => {
    const root = powercapTree([{ entry: 'intel-rapl:0', name: 'package-0', energyUj: RANGE - 1_000_000, rangeUj: RANGE }]);
    const probe = probeRapl({ root, platform: 'linux' });
    if (!probe.available) throw new Error(probe.reason);
    setEnergy(root, 'intel-rapl:0', 2_000_000); // wrapped: 1 J before the top, 2 J after
    expect(probe.source.read().joules['package-0']).toBeCloseTo(3, 9);
    setEnergy(root, 'intel-rapl:0', 5_000_000);
    expect(probe.source.read().joules['package-0']).toBeCloseTo(6, 9);
  });

  it('ignores a non-monotone glitch instead of adding a wrap-around', () => {
    const root = powercapTree([{ entry: 'intel-rapl:0', name: 'package-0', energyUj: 10_000_000, rangeUj: RANGE }]);
    const probe = probeRapl({ root, platform: 'linux' });
    if (!probe.available) throw new Error(probe.reason);
    setEnergy(root, 'intel-rapl:0', 9_999_000); // 1 mJ backwards: firmware noise, not a wrap
    expect(probe.source.read().joules['package-0']).toBe(0);
    setEnergy(root, 'intel-rapl:0', 11_000_000);
    expect(probe.source.read().joules['package-0']).toBeCloseTo(1, 9);
  });

  it('takes a tree without dram or subzones (AMD, desktop parts) and several packages', () => {
    const root = powercapTree([
      { entry: 'intel-rapl:0', name: 'package-0', energyUj: 0, rangeUj: RANGE },
      { entry: 'intel-rapl:1', name: 'package-1', energyUj: 0, rangeUj: RANGE },
      { entry: 'intel-rapl:0:0', name: 'core' }, // a subzone without energy_uj is left out
    ]);
    const probe = probeRapl({ root, platform: 'linux' });
    if (!probe.available) throw new Error(probe.reason);
    expect(probe.source.domains).toEqual(['package-0', 'package-1']);
    expect(probe.source.totalDomains).toEqual(['package-0', 'package-1']);
  });

  it('uses psys alone as the total when the platform has only that', () => {
    const root = powercapTree([{ entry: 'intel-rapl:1', name: 'psys', energyUj: 5, rangeUj: RANGE }]);
    const probe = probeRapl({ root, platform: 'linux' });
    if (!probe.available) throw new Error(probe.reason);
    expect(probe.source.totalDomains).toEqual(['psys']);
  });

  it('explains a permission error with the fix', () => {
    // Tests run as root, which no file mode can stop: the reader replays the EACCES a user gets.
    const root = powercapTree([{ entry: 'intel-rapl:0', name: 'package-0', energyUj: 1, rangeUj: RANGE }]);
    const probe = probeRapl({
      root,
      platform: 'linux',
      read: (file) => {
        if (file.endsWith('energy_uj')) throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
        return `${file.endsWith('name') ? 'package-0' : RANGE}\n`;
      },
    });
    expect(probe.available).toBe(false);
    if (probe.available) return;
    expect(probe.reason).toMatch(/energy_uj is not readable by this user \(EACCES\)/);
    expect(probe.fix).toBe(RAPL_PERMISSION_FIX);
    expect(probe.fix).toMatch(/udev/);
  });

  it('says why when there is no powercap driver, no zone, or not Linux', () => {
    const missing = probeRapl({ root: path.join(os.tmpdir(), 'milens-no-such-powercap'), platform: 'linux' });
    expect(missing).toMatchObject({ available: false, reason: expect.stringMatching(/does not exist: no powercap driver/) });
    const empty = mkdtempSync(path.join(os.tmpdir(), 'milens-powercap-empty-'));
    folders.push(empty);
    expect(probeRapl({ root: empty, platform: 'linux' })).toMatchObject({
      available: false,
      reason: expect.stringMatching(/no intel-rapl zones/),
    });
    expect(probeRapl({ platform: 'darwin' })).toMatchObject({ available: false, reason: 'RAPL is read through Linux powercap' });
  });
});
