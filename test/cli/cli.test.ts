// The `milens` command as a user runs it: a real child process over the built code and a real database.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BackendsReport, DoctorReport } from '../../main/api/contract.js';
import { REPO_ROOT, runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

describe('milens CLI', () => {
  it('prints help listing its commands, and help for each command', async () => {
    const help = await runMilens(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['backends', 'doctor']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    const doctorHelp = await runMilens(['doctor', '--help']);
    expect(doctorHelp.code).toBe(0);
    expect(doctorHelp.stdout).toContain('--db <file>');
    expect(doctorHelp.stdout).toContain('--json');
  });

  it('reports backends as JSON with the TypeScript fallback always available and exactly one in use', async () => {
    const result = await runMilens(['backends', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as BackendsReport;
    const names = report.backends.map((backend) => backend.name);
    expect(names).toEqual(expect.arrayContaining(['cpu', 'cuda', 'metal', 'typescript']));
    expect(report.backends.filter((backend) => backend.selected)).toHaveLength(1);
    const typescript = report.backends.find((backend) => backend.name === 'typescript')!;
    expect(typescript.available).toBe(true);
    for (const backend of report.backends.filter((b) => !b.available)) expect(backend.reason, backend.name).toBeTruthy();
    // Metal exists only on macOS: elsewhere it must say it was not built.
    if (process.platform !== 'darwin') expect(report.backends.find((b) => b.name === 'metal')!.built).toBe(false);
  });

  it('honours MILENS_BACKEND and refuses an unavailable choice with the reason', async () => {
    const forced = await runMilens(['backends', '--json'], { env: { MILENS_BACKEND: 'typescript' } });
    expect(forced.code).toBe(0);
    expect((JSON.parse(forced.stdout) as BackendsReport).backends.find((b) => b.selected)!.name).toBe('typescript');
    if (process.platform !== 'darwin') {
      const metal = await runMilens(['backends', '--json'], { env: { MILENS_BACKEND: 'metal' } });
      expect(metal.code).not.toBe(0);
      expect(metal.stderr).toMatch(/metal/i);
    }
  });

  it('doctor --json describes the machine and the database it was given', async () => {
    const db = path.join(makeTempFolder(), 'doctor.sqlite');
    const result = await runMilens(['doctor', '--json', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.platform.os).toBe(process.platform);
    expect(report.platform.arch).toBe(process.arch);
    expect(report.versions.node).toBe(process.versions.node);
    expect(report.database.path).toBe(db);
    expect(report.database.journalMode).toBe('wal');
    expect(report.database.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(existsSync(db)).toBe(true);
    expect(report.onnxRuntime.loaded).toBe(true);
    expect(report.onnxRuntime.executionProviders).toContain('cpu');
    // CUDA is offered only where its provider library was really downloaded.
    const cudaLibrary = path.join(
      REPO_ROOT,
      'node_modules/onnxruntime-node/bin/napi-v6',
      process.platform,
      process.arch,
      'libonnxruntime_providers_cuda.so',
    );
    expect(report.onnxRuntime.executionProviders.includes('cuda')).toBe(existsSync(cudaLibrary));
    expect(report.energyCounters.map((counter) => counter.name).sort()).toEqual([
      'apple-ioreport',
      'apple-powermetrics',
      'linux-rapl',
      'nvidia-nvml',
    ]);
    for (const counter of report.energyCounters.filter((c) => !c.available)) expect(counter.reason).toBeTruthy();
  });

  it('uses MILENS_HOME for the default database and models folder', async () => {
    const home = makeTempFolder();
    const result = await runMilens(['doctor', '--json'], { env: { MILENS_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.database.path).toBe(path.join(home, 'milens.sqlite'));
    expect(report.models.folder).toBe(path.join(home, 'models'));
  });

  it('refuses a --db whose folder does not exist instead of creating it', async () => {
    const missingFolder = path.join(makeTempFolder(), 'typo', 'nested');
    const result = await runMilens(['doctor', '--json', '--db', path.join(missingFolder, 'milens.sqlite')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`does not exist: ${missingFolder}`);
    expect(existsSync(missingFolder)).toBe(false);
  });

  it('exits non-zero with a message that names the problem', async () => {
    const unknown = await runMilens(['frobnicate']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badDb = await runMilens(['doctor', '--json', '--db', path.join(makeTempFolder(), 'missing-dir-is-fine', '..', '..')]);
    expect(badDb.code).not.toBe(0);
    expect(badDb.stderr).toMatch(/^milens: Cannot open database /m);
    expect(JSON.parse(badDb.stdout).error.code).toBe('UNREADABLE');
  });
});
