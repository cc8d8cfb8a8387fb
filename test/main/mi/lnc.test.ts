// The LNC estimator (main/mi/lnc.ts) against the Gaussian closed form, beside KSG-1, on fixed seeds:
// far closer where KSG saturates (MI of 6-7 nats from 2000 points), the same at ρ = 0.99 and at independence;
// and the `estimator` option of the engine.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { ksgMutualInformation } from '../../../main/mi/knn-estimators.js';
import { lncCorrection, logVolumeRatios } from '../../../main/mi/lnc.js';
import { deriveSeed } from '../../../main/mi/random.js';
import { prepareContinuous } from '../../../main/mi/tie-rule.js';
import { runMilens } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { gaussianPair, numericColumn, tableOf } from './helpers.js';

const SEEDS = [1, 2, 3, 4, 5, 6];
const K = 3;

/** Mean KSG and LNC estimates minus the exact MI over SEEDS, for a Gaussian pair of correlation rho. */
async function meanErrors(rho: number, n: number): Promise<{ ksg: number[]; lnc: number[] }> {
  const compute = await getCompute();
  const exact = -0.5 * Math.log(1 - rho * rho);
  const ksg: number[] = [],
    lnc: number[] = [];
  for (const seed of SEEDS) {
    const { x, y } = gaussianPair(n, rho, 1000 + seed);
    const px = prepareContinuous(x, deriveSeed(seed, 'x')).values;
    const py = prepareContinuous(y, deriveSeed(seed, 'y')).values;
    const [plain] = await ksgMutualInformation(compute, py, [px], K);
    ksg.push(plain! - exact);
    lnc.push(plain! + lncCorrection(px, py, K) - exact);
  }
  return { ksg, lnc };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const meanAbsolute = (values: number[]) => mean(values.map(Math.abs));

describe('LNC against the Gaussian closed form (k = 3, n = 2000, 6 seeds)', () => {
  it('is as close as KSG at ρ = 0.99 (within 0.01 nats) and far closer where KSG saturates (1 − ρ² = 1e-5, 1e-6)', async () => {
    // At ρ = 0.99 and n = 2000 KSG-1 is not biased low in our measurements (+0.02 ± 0.03 nats, docs/mi.md):
    // the neighbourhoods are still locally uniform and LNC leaves them alone (same mean |error| ± noise).
    const strong = await meanErrors(0.99, 2000);
    expect(Math.abs(meanAbsolute(strong.lnc) - meanAbsolute(strong.ksg))).toBeLessThan(0.01);
    // MI of 6.1 and 6.9 nats from 2000 points: KSG is low by 0.3 and 0.9 nats; LNC by well under half.
    for (const oneMinusRhoSquared of [1e-5, 1e-6]) {
      const extreme = await meanErrors(Math.sqrt(1 - oneMinusRhoSquared), 2000);
      expect(mean(extreme.ksg)).toBeLessThan(-0.2);
      expect(meanAbsolute(extreme.lnc)).toBeLessThan(meanAbsolute(extreme.ksg) / 2);
    }
  });

  it('equals KSG within 0.02 nats on average at ρ = 0, both within 0.02 of the exact 0', async () => {
    const independent = await meanErrors(0, 2000);
    expect(Math.abs(mean(independent.lnc) - mean(independent.ksg))).toBeLessThan(0.02);
    expect(Math.abs(mean(independent.ksg))).toBeLessThan(0.02);
    expect(Math.abs(mean(independent.lnc))).toBeLessThan(0.02);
  });

  it('aligned boxes: a thin diagonal neighbourhood has a far smaller PCA box than max-norm box', () => {
    // Points on a line y = x (plus a hair of noise): the PCA box is thin, the max-norm box is square.
    const x = Float64Array.from({ length: 50 }, (_, i) => i + 0.001 * Math.sin(i * 7));
    const y = Float64Array.from(x, (value, i) => value + 0.001 * Math.cos(i * 3));
    const ratios = logVolumeRatios(x, y, 3);
    for (let i = 5; i < 45; i++) expect(ratios[i]!).toBeLessThan(Math.log(0.05));
  });
});

describe('the estimator option', () => {
  const { x, y } = gaussianPair(1500, 0.95, 77);
  const codes = Float64Array.from(x, (value) => (value > 0 ? 1 : 0));
  const table = tableOf([numericColumn('y', y), numericColumn('x', x), numericColumn('sign', codes)]);

  it("'lnc' changes continuous pairs only, and says so in the report", async () => {
    const compute = await getCompute();
    const ksg = await estimateMutualInformation(compute, table, 'y', {});
    const lnc = await estimateMutualInformation(compute, table, 'y', { estimator: 'lnc' });
    const byName = (report: typeof ksg, name: string) => report.features.find((feature) => feature.name === name)!;
    expect(lnc.estimator).toBe('lnc');
    expect(ksg.estimator).toBeUndefined();
    expect(byName(lnc, 'x').mi).not.toBe(byName(ksg, 'x').mi);
    expect(byName(lnc, 'sign').mi).toBe(byName(ksg, 'sign').mi); // Ross: not a KSG pair
    expect(await estimateMutualInformation(compute, table, 'y', { estimator: 'ksg' })).toEqual(ksg);
  });

  it('refuses an unknown estimator and lnc with k = 1', async () => {
    const compute = await getCompute();
    await expect(estimateMutualInformation(compute, table, 'y', { estimator: 'kde' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(estimateMutualInformation(compute, table, 'y', { estimator: 'lnc', k: 1 })).rejects.toThrow(/k ≥ 2/);
  });
});

describe('milens mi --estimator', () => {
  it('takes lnc, says so in the JSON, and refuses an unknown name with exit code 2', async () => {
    const folder = makeTempFolder('milens-lnc-');
    const file = path.join(folder, 'pair.csv');
    const { x, y } = gaussianPair(500, 0.9, 5);
    writeFileSync(file, ['x,y', ...Array.from(x, (value, i) => `${value},${y[i]}`)].join('\n') + '\n');
    const lnc = await runMilens(['mi', file, '--target', 'y', '--estimator', 'lnc', '--json']);
    expect(lnc.code, lnc.stderr).toBe(0);
    expect(JSON.parse(lnc.stdout)).toMatchObject({ estimator: 'lnc', features: [{ name: 'x' }] });
    const unknown = await runMilens(['mi', file, '--target', 'y', '--estimator', 'kde']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--estimator');
  });
});
