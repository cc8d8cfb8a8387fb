import { describe, expect, it } from 'vitest';
import type { MiFeatureResult } from '../../../main/api/contract.js';
import { correlationMissesDependence, miExplainedByCorrelationBits, toBits } from '../../../renderer/src/lib/dependence.js';

function feature(overrides: Partial<MiFeatureResult>): MiFeatureResult {
  return {
    name: 'x',
    kind: 'continuous',
    mi: 0,
    pearson: 0,
    spearman: 0,
    dcor: 0,
    pValue: null,
    rows: 1000,
    droppedRows: 0,
    warnings: [],
    ...overrides,
  };
}

describe('where correlation misses dependence', () => {
  it('uses the Gaussian closed form for the MI a correlation explains', () => {
    expect(miExplainedByCorrelationBits(0)).toBeCloseTo(0, 15);
    expect(miExplainedByCorrelationBits(0.8)).toBeCloseTo(-0.5 * Math.log2(1 - 0.64), 12);
    expect(miExplainedByCorrelationBits(-0.8)).toBeCloseTo(miExplainedByCorrelationBits(0.8), 12);
    expect(Number.isFinite(miExplainedByCorrelationBits(1))).toBe(true);
  });

  it('flags y = x² (high MI, no correlation) but not a linear relation that correlation explains', () => {
    expect(correlationMissesDependence(feature({ pearson: 0.01, spearman: 0.02 }), 1.5)).toBe(true);
    const linearBits = miExplainedByCorrelationBits(0.9);
    expect(correlationMissesDependence(feature({ pearson: 0.9, spearman: 0.9 }), linearBits)).toBe(false);
  });

  it('does not flag noise-level or non-significant MI', () => {
    expect(correlationMissesDependence(feature({}), 0.01)).toBe(false);
    expect(correlationMissesDependence(feature({ pValue: 0.4 }), 1.5)).toBe(false);
    expect(correlationMissesDependence(feature({ pValue: 0.001 }), 1.5)).toBe(true);
  });

  it('converts nats to bits', () => {
    expect(toBits(Math.LN2, 'nats')).toBeCloseTo(1, 12);
    expect(toBits(2, 'bits')).toBe(2);
  });
});
