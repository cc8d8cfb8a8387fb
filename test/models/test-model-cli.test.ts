// The test model as a user (or another area's end-to-end test) installs it: `npm run make:test-model` as a
// child process, then `milens models import` through MILENS_MODEL_MANIFEST, then `milens doctor` and
// `milens backends` reporting the model and the ONNX execution provider (with why the others are not used).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BackendsReport, DoctorReport, ModelInfo } from '../../main/api/contract.js';
import { REPO_ROOT, runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

const run = promisify(execFile);

describe('the test model through the CLI', () => {
  it('is written by make:test-model, imported by milens models import, and reported by doctor and backends', async () => {
    const source = makeTempFolder();
    const made = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'make-test-model.mjs'), source]);
    expect(made.stdout).toContain('TEST model test-colour-clip');
    const env = { MILENS_HOME: makeTempFolder(), MILENS_MODEL_MANIFEST: path.join(source, 'test-model-manifest.json') };

    const imported = await runMilens(['models', 'import', 'test-colour-clip', source, '--json'], { env });
    expect(imported.code, imported.stderr).toBe(0);
    const model = (JSON.parse(imported.stdout) as { model: ModelInfo }).model;
    expect(model).toMatchObject({ id: 'test-colour-clip', installed: true, checksummed: true, embeddingDimension: 4 });
    expect(model.name).toMatch(/^TEST MODEL/);

    const doctor = await runMilens(['doctor', '--json'], { env });
    expect(doctor.code, doctor.stderr).toBe(0);
    const report = JSON.parse(doctor.stdout) as DoctorReport;
    expect(report.models.installed).toEqual(['test-colour-clip']);
    expect(report.onnxRuntime.embeddingProvider?.name).toBe(process.platform === 'darwin' ? 'coreml' : 'cpu');
    if (process.platform === 'linux') {
      expect(report.onnxRuntime.embeddingProvider?.notUsed.map((entry) => entry.name).sort()).toEqual(['coreml', 'cuda']);
    }

    const backends = await runMilens(['backends', '--json'], { env });
    expect(backends.code, backends.stderr).toBe(0);
    expect((JSON.parse(backends.stdout) as BackendsReport).onnx?.provider).toEqual(report.onnxRuntime.embeddingProvider);
    const text = await runMilens(['backends'], { env });
    expect(text.stdout).toMatch(/^onnx embedding provider: (cpu|coreml)/m);
  }, 60_000);
});
