// `milens select` as a user runs it (requires `npm run build`): the JSON contract and errors.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SelectReport } from '../../main/api/contract.js';
import { REPO_ROOT, runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

const NONLINEAR = path.join(REPO_ROOT, 'test', 'fixtures', 'mi', 'nonlinear-cc.csv');

describe('milens select', () => {
  for (const method of ['mrmr', 'jmi', 'cmim']) {
    it(`${method}: prints {method, selected: [{name, score}]} in selection order`, async () => {
      const result = await runMilens(['select', NONLINEAR, '--target', 'y', '--method', method, '--count', '2', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as SelectReport;
      expect(report.method).toBe(method);
      expect(report.selected).toHaveLength(2);
      // u carries the signal; exp(u) is a monotone copy and must not come second.
      expect(report.selected[0]!.name).toBe('u');
      expect(report.selected[1]!.name).not.toBe('exp_u');
      for (const entry of report.selected) expect(typeof entry.score).toBe('number');
    });
  }

  it('prints a readable ranking without --json', async () => {
    const result = await runMilens(['select', NONLINEAR, '--target', 'y', '--method', 'jmi', '--count', '1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^rank\s+feature\s+score \(nats\)/);
    expect(result.stdout).toMatch(/1\s+u\s/);
  });

  it('exits non-zero naming an unknown method, a bad count and a missing column', async () => {
    const method = await runMilens(['select', NONLINEAR, '--target', 'y', '--method', 'lasso', '--count', '2']);
    expect(method.code).not.toBe(0);
    expect(method.stderr).toMatch(/Unknown method "lasso"/);
    const count = await runMilens(['select', NONLINEAR, '--target', 'y', '--method', 'jmi', '--count', '0']);
    expect(count.code).not.toBe(0);
    expect(count.stderr).toMatch(/--count/);
    const column = await runMilens(['select', NONLINEAR, '--target', 'zz', '--method', 'jmi', '--count', '2']);
    expect(column.code).not.toBe(0);
    expect(column.stderr).toMatch(/Column "zz" not found/);
  });

  it('exits non-zero on an all-missing target instead of crashing', async () => {
    const file = path.join(makeTempFolder(), 'x.csv');
    writeFileSync(file, 'a,b,c,y\n1,2,5,\n2,3,1,\n3,1,4,\n4,4,2,\n');
    for (const method of ['mrmr', 'jmi', 'cmim']) {
      const result = await runMilens(['select', file, '--target', 'y', '--method', method, '--count', '3']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`Target column "y" of ${file} has 0 rows with a value`);
      expect(result.stderr).not.toMatch(/Cannot set properties/);
    }
  });
});
