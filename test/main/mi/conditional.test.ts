// Conditional MI: Frenzel–Pompe against the Gaussian closed form, and the plug-in estimator on codes.
import { describe, expect, it } from 'vitest';
import { conditionalMutualInformation } from '../../../main/mi/conditional.js';
import { discreteConditionalMutualInformation } from '../../../main/mi/discrete.js';
import { SeededRandom } from '../../../main/mi/random.js';

describe('conditional MI', () => {
  it('Frenzel–Pompe matches −½ ln(1 − ρ²_{xy·z}) for a Gaussian chain with a direct link', () => {
    // z → x, z → y, plus x → y: partial correlation from the covariance of (x, y) given z.
    const random = new SeededRandom(12);
    const n = 5000;
    const x = new Float64Array(n),
      y = new Float64Array(n),
      z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      z[i] = random.nextNormal();
      x[i] = 0.8 * z[i]! + 0.6 * random.nextNormal();
      y[i] = 0.7 * z[i]! + 0.5 * x[i]! + 0.5 * random.nextNormal();
    }
    // Given z: x|z ~ N(0.8z, 0.36), y|z = 0.5·x + noise(0.25) + f(z): partial ρ² = 0.25·0.36 / (0.25·0.36 + 0.25).
    const partial = (0.25 * 0.36) / (0.25 * 0.36 + 0.25);
    const exact = -0.5 * Math.log(1 - partial);
    const estimate = conditionalMutualInformation(
      { kind: 'continuous', values: x },
      { kind: 'continuous', values: y },
      { kind: 'continuous', values: z },
    );
    expect(Math.abs(estimate - exact)).toBeLessThan(0.03);
  });

  it('is about 0 when x and y are independent given z (common cause only)', () => {
    const random = new SeededRandom(13);
    const n = 4000;
    const z = Float64Array.from({ length: n }, () => random.nextNormal());
    const x = z.map((value) => value + 0.5 * random.nextNormal());
    const y = z.map((value) => value * value + 0.5 * random.nextNormal());
    expect(
      conditionalMutualInformation({ kind: 'continuous', values: x }, { kind: 'continuous', values: y }, { kind: 'continuous', values: z }),
    ).toBeLessThan(0.03);
  });

  it('plug-in: XOR has I(X;Y|Z) = ln 2 while I(X;Y) = 0', () => {
    const x = new Int32Array(400),
      z = new Int32Array(400),
      y = new Int32Array(400);
    for (let i = 0; i < 400; i++) {
      x[i] = i % 2;
      z[i] = (i >> 1) % 2;
      y[i] = x[i]! ^ z[i]!;
    }
    expect(discreteConditionalMutualInformation(x, y, z)).toBeCloseTo(Math.log(2), 12);
    expect(
      conditionalMutualInformation({ kind: 'discrete', codes: x }, { kind: 'discrete', codes: y }, { kind: 'discrete', codes: z }),
    ).toBeCloseTo(Math.log(2), 12);
  });

  it('mixed kinds go through the tie rule: XOR with continuous noise on x', () => {
    const random = new SeededRandom(5);
    const n = 4000;
    const bits = Int32Array.from({ length: n }, () => random.nextInt(2));
    const zBits = Int32Array.from({ length: n }, () => random.nextInt(2));
    const y = bits.map((b, i) => b ^ zBits[i]!);
    const xContinuous = Float64Array.from(bits, (b) => b + 0.1 * random.nextNormal());
    const estimate = conditionalMutualInformation(
      { kind: 'continuous', values: xContinuous },
      { kind: 'discrete', codes: y },
      { kind: 'discrete', codes: zBits },
    );
    expect(Math.abs(estimate - Math.log(2))).toBeLessThan(0.05);
  });
});
