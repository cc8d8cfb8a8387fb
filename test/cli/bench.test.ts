// `milens bench` and `milens bench compare` as a user runs them: the built CLI in a child process, on
// this machine (no readable energy counter, so energy must be reported unavailable with reasons).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../../main/api/contract.js';
import { runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

const QUICK = ['--small', '--workload', 'text-search', '--trials', '2', '--warmups', '1', '--min-window-ms', '20'];

describe('milens bench', () => {
  it('writes a report with times, energy unavailable and why, progress on stderr', async () => {
    const home = makeTempFolder();
    const out = path.join(home, 'report.json');
    const result = await runMilens(['bench', ...QUICK, '--json', '--out', out], { env: { MILENS_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as BenchReport;
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ workload: 'text-search', backend: 'javascript', trials: 2 });
    expect(report.results[0].secondsPerOperation.median).toBeGreaterThan(0);
    if (report.sources.every((source) => !source.available)) {
      expect(report.energyUnavailable).toMatch(/no energy counter could be read/);
      expect(report.results[0].energy).toEqual([]);
    }
    expect(result.stderr).toMatch(/bench: \d+\/\d+/);
    // The report is written beside its name and renamed into place: no temporary file is left.
    expect(readdirSync(home).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const table = await runMilens(['bench', 'compare', out, out], { env: { MILENS_HOME: home } });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/text-search\s+javascript\s+1\.000×/);
  });

  it('prints a readable table with the reasons energy could not be measured', async () => {
    const home = makeTempFolder();
    const result = await runMilens(['bench', ...QUICK], { env: { MILENS_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/time \/ op \(95 % CI\)/);
    expect(result.stdout).toMatch(/text-search\s+javascript\s+[\d.]+ (ms|s|µs) \[/);
    expect(result.stdout).toMatch(/linux-rapl: /);
  });

  it('exits 2 naming the argument for an unknown workload, backend or count, and a file that is not a report', async () => {
    const home = makeTempFolder();
    const unknown = await runMilens(['bench', '--workload', 'nope'], { env: { MILENS_HOME: home } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown workload "nope"/);
    const trials = await runMilens(['bench', '--trials', 'five'], { env: { MILENS_HOME: home } });
    expect(trials.code).toBe(2);
    expect(trials.stderr).toMatch(/--trials/);
    const notReport = path.join(home, 'x.json');
    writeFileSync(notReport, '{"hello": 1}');
    const compare = await runMilens(['bench', 'compare', notReport, notReport], { env: { MILENS_HOME: home } });
    expect(compare.code).toBe(2);
    expect(compare.stderr).toMatch(/is not a milens benchmark report/);
  });
});
