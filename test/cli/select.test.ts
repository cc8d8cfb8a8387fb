// `milens select` as a user runs it (requires `npm run build`): the JSON contract and errors.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SelectReport } from '../../main/api/contract.js';
import { REPO_ROOT, runMilens } from '../helpers/cli.js';

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
});
