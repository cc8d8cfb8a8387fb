// The confounder check (MiRequest.explain, `milens mi --explain`): X and Y dependent only through a
// common cause Z is explained by Z; a direct dependence is not explained by a noisy proxy; the request
// and the CLI carry it, and it refuses `given`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { estimateMi } from '../../../main/core/table-calls.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { explainDependence } from '../../../main/mi/explain.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { runMilens } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { numericColumn, tableOf } from './helpers.js';

/** y and x share the cause z; d drives y directly; p is a noisy proxy of d; u is unrelated. */
function confoundedTable(n: number, seed: number) {
  const random = new SeededRandom(seed);
  const z = Float64Array.from({ length: n }, () => random.nextNormal());
  const d = Float64Array.from({ length: n }, () => random.nextNormal());
  const x = Float64Array.from(z, (value) => value + 0.5 * random.nextNormal());
  const y = Float64Array.from(z, (value, i) => value + d[i]! + 0.5 * random.nextNormal());
  const p = Float64Array.from(d, (value) => value + 0.8 * random.nextNormal());
  const u = Float64Array.from({ length: n }, () => random.nextNormal());
  return { z, d, x, y, p, u };
}

describe('explainDependence', () => {
  it('a common cause explains X–Y; a direct link is not explained by a proxy', async () => {
    const data = confoundedTable(3000, 17);
    const table = tableOf(Object.entries(data).map(([name, values]) => numericColumn(name, values)));
    const compute = await getCompute();
    const report = await estimateMutualInformation(compute, table, 'y', { permutations: 19 });
    await explainDependence(compute, table, report, { permutations: 19 });
    const byName = Object.fromEntries(report.features.map((feature) => [feature.name, feature]));

    // x depends on y only through z: conditioning on z removes nearly all of I(x; y).
    expect(byName.x!.mi).toBeGreaterThan(0.15);
    expect(byName.x!.explainedBy).toMatchObject({ column: 'z' });
    expect(byName.x!.explainedBy!.shareExplained).toBeGreaterThan(0.85);
    expect(byName.x!.explainedBy!.cmi).toBeLessThan(0.03);
    expect(byName.x!.explainedBy!.pValue!).toBeGreaterThan(0.05);

    // d drives y: the best candidate (its noisy proxy p) removes part of I(d; y) but a clear, significant
    // dependence remains.
    expect(byName.d!.explainedBy).toBeDefined();
    expect(byName.d!.explainedBy!.shareExplained).toBeLessThan(0.7);
    expect(byName.d!.explainedBy!.cmi).toBeGreaterThan(0.1);
    expect(byName.d!.explainedBy!.pValue).toBeCloseTo(0.05, 12);

    // Unrelated to the target: nothing to explain.
    if (byName.u!.mi === 0) expect(byName.u!.explainedBy).toBeUndefined();
  });

  it('reports cmi in the report unit and leaves pValue null without permutations', async () => {
    const data = confoundedTable(1500, 3);
    const table = tableOf(Object.entries(data).map(([name, values]) => numericColumn(name, values)));
    const compute = await getCompute();
    const nats = await explainDependence(compute, table, await estimateMutualInformation(compute, table, 'y'));
    const bits = await explainDependence(compute, table, await estimateMutualInformation(compute, table, 'y', { unit: 'bits' }));
    const x = nats.features.find((feature) => feature.name === 'x')!.explainedBy!;
    const xBits = bits.features.find((feature) => feature.name === 'x')!.explainedBy!;
    expect(x.pValue).toBeNull();
    expect(xBits.column).toBe(x.column);
    expect(xBits.cmi).toBeCloseTo(x.cmi / Math.LN2, 12);
    expect(xBits.shareExplained).toBeCloseTo(x.shareExplained, 12);
  });
});

describe('explain through the API and the CLI', () => {
  /** A CSV of the confounded table (4 decimals) in a fresh folder (removed after each test). */
  function writeTable(): string {
    const file = path.join(makeTempFolder('milens-explain-'), 'confounded.csv');
    const data = confoundedTable(1000, 8);
    const names = Object.keys(data) as Array<keyof typeof data>;
    const lines = Array.from({ length: 1000 }, (_, i) => names.map((name) => data[name][i]!.toFixed(4)).join(','));
    writeFileSync(file, [names.join(','), ...lines].join('\n') + '\n');
    return file;
  }

  it('estimateMi adds explainedBy, and refuses explain with given', async () => {
    const file = writeTable();
    const report = await estimateMi({ table: file, target: 'y', explain: true });
    expect(report.features.find((feature) => feature.name === 'x')!.explainedBy!.column).toBe('z');
    await expect(estimateMi({ table: file, target: 'y', given: 'z', explain: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('milens mi --explain prints the explained-by column', async () => {
    const file = writeTable();
    const result = await runMilens(['mi', file, '--target', 'y', '--explain']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('explained by');
    expect(result.stdout).toMatch(/x\s.*\bz \d+% \(mi \| it/);
  });
});
