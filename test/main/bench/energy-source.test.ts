// The cumulative counter every source shares: recorded raw sequences with wrap-arounds and glitches.
import { describe, expect, it } from 'vitest';
import { CumulativeCounter } from '../../../main/bench/energy-source.js';

describe('CumulativeCounter', () => {
  it('sums increments from the first reading', () => {
    const counter = new CumulativeCounter(100);
    expect([10, 15, 15, 40].map((raw) => counter.update(raw))).toEqual([0, 5, 5, 30]);
  });

  it('adds the range on a wrap-around and counts it', () => {
    const counter = new CumulativeCounter(100);
    // 90 → 5 is a drop of 85 > range / 2: the counter went past 100.
    expect([80, 90, 5, 20].map((raw) => counter.update(raw))).toEqual([0, 10, 25, 40]);
    expect(counter.wraps).toBe(1);
    expect(counter.glitches).toBe(0);
  });

  it('ignores a small drop (a glitch) and measures on from the last good value', () => {
    const counter = new CumulativeCounter(100);
    expect([50, 60, 58, 70].map((raw) => counter.update(raw))).toEqual([0, 10, 10, 20]);
    expect(counter.glitches).toBe(1);
  });

  it('treats every drop as a glitch when the range is unknown', () => {
    const counter = new CumulativeCounter(null);
    expect([1000, 10, 1010].map((raw) => counter.update(raw))).toEqual([0, 0, 10]);
    expect(counter.glitches).toBe(1);
  });

  it('refuses a non-finite reading', () => {
    expect(() => new CumulativeCounter(null).update(Number.NaN)).toThrow(RangeError);
  });
});
