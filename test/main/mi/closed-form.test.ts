// Estimates against closed forms: bivariate Gaussians (I = −½ ln(1 − ρ²)) at several ρ and n,
// invariance under strictly monotone transforms, independence, and discrete tables with known MI.
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { discreteMutualInformation } from '../../../main/mi/discrete.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { gaussianPair, numericColumn, tableOf } from './helpers.js';

async function ksgOf(x: Float64Array, y: Float64Array, k = 3): Promise<number> {
  const report = await estimateMutualInformation(await getCompute(), tableOf([numericColumn('x', x), numericColumn('y', y)]), 'y', {
    k,
    targetKind: 'continuous',
    continuous: ['x'],
  });
  return report.features[0]!.mi;
}

describe('KSG against the Gaussian closed form', () => {
  const cases: Array<[number, number, number]> = [
    // [rho, n, tolerance in nats]: KSG-1's error shrinks with n and grows with dependence.
    [0.3, 2000, 0.045],
    [0.6, 2000, 0.045],
    [0.9, 2000, 0.05],
    [0.6, 20_000, 0.012],
    [0.9, 20_000, 0.015],
    [0.99, 20_000, 0.06],
  ];
  for (const [rho, n, tolerance] of cases) {
    it(`ρ = ${rho}, n = ${n}`, async () => {
      const { x, y } = gaussianPair(n, rho, Math.round(rho * 1000) + n);
      const exact = -0.5 * Math.log(1 - rho * rho);
      expect(Math.abs((await ksgOf(x, y)) - exact)).toBeLessThan(tolerance);
    });
  }

  it('reports bits when asked: nats / ln 2', async () => {
    const { x, y } = gaussianPair(3000, 0.7, 11);
    const table = tableOf([numericColumn('x', x), numericColumn('y', y)]);
    const compute = await getCompute();
    const nats = await estimateMutualInformation(compute, table, 'y', { continuous: ['x'], targetKind: 'continuous' });
    const bits = await estimateMutualInformation(compute, table, 'y', { continuous: ['x'], targetKind: 'continuous', unit: 'bits' });
    expect(bits.unit).toBe('bits');
    expect(bits.features[0]!.mi).toBeCloseTo(nats.features[0]!.mi / Math.LN2, 12);
  });
});

describe('invariance and independence', () => {
  it('is nearly invariant under strictly monotone transforms of either variable', async () => {
    const { x, y } = gaussianPair(5000, 0.7, 5);
    const base = await ksgOf(x, y);
    const expX = x.map(Math.exp);
    const cubeY = y.map((value) => value ** 3 + value);
    const arctanX = x.map((value) => Math.atan(2 * value));
    for (const [tx, ty] of [
      [expX, y],
      [x, cubeY],
      [arctanX, cubeY],
    ] as const) {
      expect(Math.abs((await ksgOf(tx, ty)) - base)).toBeLessThan(0.03);
    }
  });

  it('gives about 0 for independent columns', async () => {
    const random = new SeededRandom(99);
    for (const n of [1000, 10_000]) {
      const x = Float64Array.from({ length: n }, () => random.nextNormal());
      const y = Float64Array.from({ length: n }, () => random.nextFloat() ** 3);
      expect(await ksgOf(x, y)).toBeLessThan(n >= 10_000 ? 0.01 : 0.05);
    }
  });

  it('finds non-monotone dependence that correlation misses', async () => {
    const random = new SeededRandom(3);
    const n = 4000;
    const x = Float64Array.from({ length: n }, () => 2 * random.nextFloat() - 1);
    const y = x.map((value) => value * value + 0.05 * random.nextNormal());
    const report = await estimateMutualInformation(await getCompute(), tableOf([numericColumn('x', x), numericColumn('y', y)]), 'y', {
      continuous: ['x'],
      targetKind: 'continuous',
    });
    const result = report.features[0]!;
    expect(result.mi).toBeGreaterThan(1);
    expect(Math.abs(result.pearson!)).toBeLessThan(0.1);
    expect(result.dcor!).toBeGreaterThan(0.3);
  });
});

describe('discrete tables with known MI', () => {
  it('y = x on m equiprobable levels gives ln m', () => {
    const x = Int32Array.from({ length: 6000 }, (_, i) => i % 6);
    expect(discreteMutualInformation(x, x)).toBeCloseTo(Math.log(6), 12);
  });

  it('a binary symmetric channel with flip probability p gives ln 2 − H(p)', () => {
    // Exact frequencies: 1000 rows per input level, 100 of them flipped.
    const x = new Int32Array(2000),
      y = new Int32Array(2000);
    for (let i = 0; i < 2000; i++) {
      x[i] = i < 1000 ? 0 : 1;
      y[i] = i % 1000 < 100 ? 1 - x[i]! : x[i]!;
    }
    const p = 0.1;
    const expected = Math.log(2) + p * Math.log(p) + (1 - p) * Math.log(1 - p);
    expect(discreteMutualInformation(x, y)).toBeCloseTo(expected, 12);
  });

  it('an exactly independent product table gives 0, and Miller–Madow corrects the plug-in bias of sampled independence', () => {
    const x = Int32Array.from({ length: 1200 }, (_, i) => i % 4);
    const y = Int32Array.from({ length: 1200 }, (_, i) => Math.floor(i / 4) % 3);
    expect(discreteMutualInformation(x, y)).toBeCloseTo(0, 12);
    const random = new SeededRandom(1);
    const a = Int32Array.from({ length: 500 }, () => random.nextInt(8));
    const b = Int32Array.from({ length: 500 }, () => random.nextInt(8));
    const plugin = discreteMutualInformation(a, b);
    const corrected = discreteMutualInformation(a, b, 'miller-madow');
    expect(plugin).toBeGreaterThan(0.03); // ≈ (8 − 1)² / (2 · 500)
    expect(Math.abs(corrected)).toBeLessThan(plugin / 3);
  });
});
