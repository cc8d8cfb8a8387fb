// ksgCounts with `counts: false` (what the KSG estimator asks for: it reads only the digamma means): the
// native addon keeps the counts in its own buffer and returns empty arrays, with the same means, bit for
// bit, as the call that returns the counts (and as the means of those counts).
import { describe, expect, it } from 'vitest';
import { getBackend, listBackends } from '../../main/compute/index.js';
import { meanDigammaOfCounts } from '../../main/mi/digamma.js';
import { prepareContinuous } from '../../main/mi/tie-rule.js';
import { gaussian, seededRandom } from './random.js';

const cpuAvailable = (await listBackends()).some((status) => status.name === 'cpu' && status.available);
if (!cpuAvailable) console.warn('ksg-means-only: the native cpu backend is not built; skipped (npx node-gyp rebuild)');

describe.skipIf(!cpuAvailable)('ksgCounts with counts: false', () => {
  it('returns empty count arrays and the same means as the counts', async () => {
    const cpu = await getBackend('cpu');
    const random = seededRandom(9);
    const n = 20_000;
    const y = new Float64Array(n);
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = Math.round(gaussian(random) * 100) / 100;
      y[i] = a[i]! + gaussian(random);
      b[i] = Math.floor(random() * 50);
    }
    const [target, first, second] = [y, a, b].map((column, index) => prepareContinuous(column, 3 + index).values);
    const full = await cpu.ksgCounts(target!, [first!, second!], 3);
    const means = await cpu.ksgCounts(target!, [first!, second!], 3, { counts: false });
    for (let f = 0; f < 2; f++) {
      expect(means[f]!.countX.length).toBe(0);
      expect(means[f]!.countY.length).toBe(0);
      expect(means[f]!.meanDigammaX).toBe(full[f]!.meanDigammaX);
      expect(means[f]!.meanDigammaY).toBe(full[f]!.meanDigammaY);
      expect(means[f]!.meanDigammaX).toBe(meanDigammaOfCounts(full[f]!.countX, 1));
    }
    expect(means[0]!.meanDigammaX).not.toBe(means[1]!.meanDigammaX);
  });
});
