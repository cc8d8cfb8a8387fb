// The correlation kernel's tall path (more than 2^20 rows: one feature at a time, its distance sum's
// points of 20 bytes with the product recomputed, the standardised values recomputed from the columns
// instead of held) against the TypeScript reference, bit for bit: Pearson, Spearman and the distance
// correlation of tied, rounded and integer columns, through the path of several features and of one.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../main/compute/index.js';
import { gaussian, seededRandom } from './random.js';

const cpuAvailable = (await listBackends()).some((status) => status.name === 'cpu' && status.available);
if (!cpuAvailable) console.warn('tall-correlations-exact: the native cpu backend is not built; skipped (npx node-gyp rebuild)');

const ROWS = (1 << 20) + 777;

/** y integers 0–99 (the target, heavily tied), a = y / 10 + noise at 2 decimals, b 4 significant digits, c mostly zeros. */
function tiedColumns(): Float64Array[] {
  const random = seededRandom(77);
  const columns = [0, 1, 2, 3].map(() => new Float64Array(ROWS));
  const [y, a, b, c] = columns as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < ROWS; i++) {
    y[i] = Math.floor(random() * 100);
    a[i] = Math.round((y[i]! / 10 + gaussian(random)) * 100) / 100;
    b[i] = Number((gaussian(random) * 1e3).toPrecision(4));
    c[i] = random() < 0.9 ? 0 : -Math.round(random() * 5);
  }
  return columns;
}

describe.skipIf(!cpuAvailable)('correlations on a tall tied table, bit for bit', () => {
  it('equal the TypeScript reference with several features and with one', { timeout: 600_000 }, async () => {
    const cpu = await getBackend('cpu');
    const [y, a, b, c] = tiedColumns() as [Float64Array, Float64Array, Float64Array, Float64Array];
    const reference = await getReferenceBackend().correlations(y, [a, b, c]);
    const several = await cpu.correlations(y, [a, b, c]);
    const alone = await cpu.correlations(y, [b]);
    for (let f = 0; f < 3; f++) {
      expect(several[f]!.pearson).toBe(reference[f]!.pearson);
      expect(several[f]!.spearman).toBe(reference[f]!.spearman);
      expect(several[f]!.dcor).toBe(reference[f]!.dcor);
    }
    expect(alone[0]).toEqual(reference[1]);
    expect(several[0]!.dcor!).toBeGreaterThan(0.2); // a depends on y
    expect(Math.abs(several[1]!.pearson!)).toBeLessThan(0.01);
  });
});
