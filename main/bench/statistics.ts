// The statistics of the benchmark protocol: medians and a percentile-bootstrap 95 % confidence interval
// of the median (seeded, so a report can be reproduced from its samples), and of a ratio of medians for
// `milens bench compare`.

export interface Interval {
  median: number;
  /** 95 % confidence interval of the median. */
  low: number;
  high: number;
}

export const INTERVAL_METHOD = 'percentile bootstrap of the median, 2,000 resamples, 95 %';
const RESAMPLES = 2000;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('Expected at least one value for a median');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A small seeded generator (mulberry32): bootstrap intervals must not change between two reads of a report. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

function resample(values: readonly number[], next: () => number): number[] {
  return Array.from(values, () => values[Math.floor(next() * values.length)]);
}

export function medianInterval(values: readonly number[], seed = 1): Interval {
  const center = median(values);
  if (values.length < 2) return { median: center, low: center, high: center };
  const next = random(seed);
  const medians = Array.from({ length: RESAMPLES }, () => median(resample(values, next))).sort((a, b) => a - b);
  return { median: center, low: quantile(medians, 0.025), high: quantile(medians, 0.975) };
}

/** median(a) / median(b), with the bootstrap interval of that ratio (a and b resampled independently). */
export function ratioInterval(a: readonly number[], b: readonly number[], seed = 1): Interval {
  const center = median(a) / median(b);
  const next = random(seed);
  const ratios = Array.from({ length: RESAMPLES }, () => median(resample(a, next)) / median(resample(b, next))).sort((x, y) => x - y);
  return { median: center, low: quantile(ratios, 0.025), high: quantile(ratios, 0.975) };
}
