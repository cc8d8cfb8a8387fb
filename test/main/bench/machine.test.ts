// The power source a benchmark reports, read from fixture /sys/class/power_supply trees.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linuxPowerSource } from '../../../main/bench/machine.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

function supplies(entries: Record<string, Record<string, string>>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'milens-power-supply-'));
  roots.push(root);
  for (const [name, files] of Object.entries(entries)) {
    mkdirSync(path.join(root, name));
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(root, name, file), `${text}\n`);
  }
  return root;
}

describe('linuxPowerSource', () => {
  it('says ac when a mains supply is online, battery when it is not', () => {
    expect(linuxPowerSource(supplies({ AC: { type: 'Mains', online: '1' }, BAT0: { type: 'Battery', status: 'Charging' } }))).toBe('ac');
    expect(linuxPowerSource(supplies({ AC: { type: 'Mains', online: '0' }, BAT0: { type: 'Battery', status: 'Discharging' } }))).toBe(
      'battery',
    );
  });

  it('says nothing (null) on a machine without power-supply information', () => {
    expect(linuxPowerSource(supplies({}))).toBeNull();
    expect(linuxPowerSource(path.join(os.tmpdir(), 'milens-no-power-supply'))).toBeNull();
  });
});
