// Property tests (fast-check): symmetry, non-negativity and the data-processing inequality
// MI(X;Y) ≥ MI(X;f(Y)) for lossy f on discrete data; symmetry of KSG on continuous data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { discreteMutualInformation } from '../../../main/mi/discrete.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { numericColumn, tableOf } from './helpers.js';

const codes = (levels: number) => fc.array(fc.integer({ min: 0, max: levels - 1 }), { minLength: 2, maxLength: 300 });
const pairedCodes = fc
  .integer({ min: 2, max: 300 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: 7 }), { minLength: n, maxLength: n }),
    ),
  );

describe('discrete MI properties', () => {
  it('is symmetric and non-negative', () => {
    fc.assert(
      fc.property(pairedCodes, ([a, b]) => {
        const x = Int32Array.from(a),
          y = Int32Array.from(b);
        const forward = discreteMutualInformation(x, y),
          backward = discreteMutualInformation(y, x);
        expect(Math.abs(forward - backward)).toBeLessThan(1e-12);
        expect(forward).toBeGreaterThan(-1e-12);
      }),
    );
  });

  it('never grows under a lossy function of one side (data processing)', () => {
    fc.assert(
      fc.property(pairedCodes, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 8, maxLength: 8 }), ([a, b], mapping) => {
        const x = Int32Array.from(a),
          y = Int32Array.from(b);
        const lossy = y.map((value) => mapping[value]!);
        expect(discreteMutualInformation(x, lossy)).toBeLessThanOrEqual(discreteMutualInformation(x, y) + 1e-12);
      }),
    );
  });

  it('is at most the smaller entropy', () => {
    fc.assert(
      fc.property(codes(6), (a) => {
        const x = Int32Array.from(a);
        expect(discreteMutualInformation(x, x)).toBeLessThanOrEqual(Math.log(6) + 1e-12);
      }),
    );
  });
});

describe('continuous MI properties', () => {
  it('KSG is symmetric in its two columns and never negative', async () => {
    const compute = await getCompute();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true })), {
          minLength: 10,
          maxLength: 200,
        }),
        async (points) => {
          const x = Float64Array.from(points, ([value]) => value),
            y = Float64Array.from(points, ([, value]) => value);
          const table = tableOf([numericColumn('x', x), numericColumn('y', y)]);
          const options = { targetKind: 'continuous' as const, continuous: ['x', 'y'] };
          const xy = (await estimateMutualInformation(compute, table, 'y', options)).features[0]!.mi;
          const yx = (await estimateMutualInformation(compute, table, 'x', options)).features[0]!.mi;
          expect(xy).toBeGreaterThanOrEqual(0);
          expect(Math.abs(xy - yx)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 40 },
    );
  });
});
