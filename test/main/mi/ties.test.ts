// The tie rule (main/mi/tie-rule.ts, docs/mi.md) where milens must differ from scikit-learn: its 1e-10
// noise cannot separate large blocks of tied values at float64 resolution, so its estimates for
// independent columns grow with n (scikit-learn issue #30772). The fixture holds scikit-learn's answers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { prepareContinuous } from '../../../main/mi/tie-rule.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { numericColumn, tableOf } from './helpers.js';

const ties = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'mi', 'ties.json'), 'utf8')) as {
  constantVsRare: Array<{ rows: number; rareCount: number; sklearnNats: number }>;
  tiedIndependent: Array<{ rows: number; sklearnNats: number }>;
};

describe('tie rule', () => {
  it('gives 0 (with a warning) for a constant feature against a rare binary target, where scikit-learn grows with n (#30772)', async () => {
    const compute = await getCompute();
    for (const { rows, rareCount, sklearnNats } of ties.constantVsRare) {
      const target = Float64Array.from({ length: rows }, (_, i) => (i < rareCount ? 1 : 0));
      const report = await estimateMutualInformation(
        compute,
        tableOf([numericColumn('feature', new Float64Array(rows).fill(1)), numericColumn('target', target)]),
        'target',
        {
          targetKind: 'discrete',
          continuous: ['feature'],
        },
      );
      expect(report.features[0]!.mi).toBe(0);
      expect(report.features[0]!.warnings.join(' ')).toMatch(/constant/);
      if (rows >= 100_000) expect(sklearnNats).toBeGreaterThan(0.01); // what milens must not reproduce
    }
  });

  it('gives about 0 for a nearly constant feature (one differing row) against a rare target, at every n', async () => {
    const compute = await getCompute();
    for (const rows of [1000, 10_000, 100_000]) {
      const feature = new Float64Array(rows).fill(1);
      feature[rows >> 1] = 2;
      const target = Float64Array.from({ length: rows }, (_, i) => (i < Math.max(10, rows / 1000) ? 1 : 0));
      const report = await estimateMutualInformation(
        compute,
        tableOf([numericColumn('feature', feature), numericColumn('target', target)]),
        'target',
        {
          targetKind: 'discrete',
          continuous: ['feature'],
        },
      );
      expect(report.features[0]!.mi, `n = ${rows}`).toBeLessThan(0.003);
    }
  });

  it('gives about 0 for independent, heavily tied columns treated as continuous, where scikit-learn grows with n', async () => {
    const compute = await getCompute();
    for (const { rows, sklearnNats } of ties.tiedIndependent) {
      // Same construction as scripts/mi/generate_fixtures.py: x takes 3 values, y is a rare label.
      const x = Float64Array.from({ length: rows }, (_, i) => (i * 7919) % 3);
      const y = Float64Array.from({ length: rows }, (_, i) => ((i * 104729) % 101 === 0 ? 1 : 0));
      const report = await estimateMutualInformation(compute, tableOf([numericColumn('x', x), numericColumn('y', y)]), 'y', {
        targetKind: 'discrete',
        continuous: ['x'],
      });
      const mi = report.features[0]!.mi;
      expect(mi, `n = ${rows}`).toBeLessThan(0.002);
      if (rows >= 100_000) expect(mi).toBeLessThan(sklearnNats / 4);
    }
  });

  it('gives about 0 for two independent tied columns both treated as continuous (KSG)', async () => {
    const compute = await getCompute();
    const rows = 50_000;
    const x = Float64Array.from({ length: rows }, (_, i) => (i * 7919) % 4);
    const y = Float64Array.from({ length: rows }, (_, i) => Math.floor(i / 7) % 5);
    const report = await estimateMutualInformation(compute, tableOf([numericColumn('x', x), numericColumn('y', y)]), 'y', {
      targetKind: 'continuous',
      continuous: ['x'],
    });
    expect(report.features[0]!.mi).toBeLessThan(0.005);
  });

  it('keeps dependence between tied columns: y = x on 5 levels gives about ln 5', async () => {
    const compute = await getCompute();
    const x = Float64Array.from({ length: 20_000 }, (_, i) => (i * 31) % 5);
    const report = await estimateMutualInformation(compute, tableOf([numericColumn('x', x), numericColumn('y', x)]), 'y', {
      targetKind: 'continuous',
      continuous: ['x'],
    });
    expect(report.features[0]!.mi).toBeGreaterThan(Math.log(5) - 0.05);
    expect(report.features[0]!.mi).toBeLessThan(Math.log(5) + 0.05);
  });

  it('spreads ties inside disjoint bands that keep the order of distinct values', () => {
    const raw = Float64Array.from([0, 0, 0, 1, 1, 3, 3, 3, 3, 10]);
    const { values, tiedRows, constant } = prepareContinuous(raw, 7);
    expect(constant).toBe(false);
    expect(tiedRows).toBe(9);
    expect(new Set(values).size).toBe(raw.length);
    for (let i = 0; i < raw.length; i++) {
      for (let j = 0; j < raw.length; j++) if (raw[i]! < raw[j]!) expect(values[i]!).toBeLessThan(values[j]!);
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const raw = Float64Array.from({ length: 100 }, (_, i) => i % 4);
    expect(prepareContinuous(raw, 1).values).toEqual(prepareContinuous(raw, 1).values);
    expect(prepareContinuous(raw, 1).values).not.toEqual(prepareContinuous(raw, 2).values);
  });

  it('falls back to dense ranks when a band is too narrow for float64', () => {
    const raw = new Float64Array(200_000);
    for (let i = 0; i < raw.length; i++) raw[i] = i % 2 === 0 ? 1 : 1 + 1e-12;
    const prepared = prepareContinuous(raw, 3);
    expect(prepared.rankFallback).toBe(true);
    expect(new Set(prepared.values).size).toBeGreaterThan(raw.length * 0.99);
  });
});

describe('extreme magnitudes', () => {
  it('prepares values near the float64 limit without overflow', () => {
    const raw = Float64Array.from({ length: 50 }, (_, i) => (i % 5) * 1e307 + (i % 5 === 0 ? -1e307 : 0));
    const { values, constant } = prepareContinuous(raw, 1);
    expect(constant).toBe(false);
    for (const value of values) expect(Number.isFinite(value)).toBe(true);
  });
});
