// `milens bench compare a.json b.json`: the ratio a / b of every figure two reports share, workload by
// workload and backend by backend, with a bootstrap interval from the per-trial samples both reports keep.
import type { BenchInterval, BenchReport, BenchResult } from '../api/contract.js';
import { ratioInterval } from './statistics.js';

export interface BenchComparisonRow {
  workload: string;
  backend: string;
  dataShape: string;
  /** a / b of seconds per operation: below 1, a is faster. */
  timeRatio: BenchInterval;
  /** a / b of joules per operation, per energy source both reports measured. */
  energyRatios: Array<{ source: string; total: BenchInterval; baselineSubtracted: BenchInterval }>;
  notes: string[];
}

export interface BenchComparison {
  a: { startedAt: string; machine: string };
  b: { startedAt: string; machine: string };
  rows: BenchComparisonRow[];
  /** Rows present in one report only. */
  unmatched: string[];
}

const keyOf = (result: BenchResult) => `${result.workload} on ${result.backend}`;

export function compareReports(a: BenchReport, b: BenchReport): BenchComparison {
  const byKey = new Map(b.results.map((result) => [keyOf(result), result]));
  const rows: BenchComparisonRow[] = [];
  const unmatched: string[] = [];
  for (const left of a.results) {
    const right = byKey.get(keyOf(left));
    if (!right) {
      unmatched.push(`${keyOf(left)} (only in the first report)`);
      continue;
    }
    byKey.delete(keyOf(left));
    const notes: string[] = [];
    if (left.dataShape !== right.dataShape) notes.push(`different data: "${left.dataShape}" vs "${right.dataShape}"`);
    const energyRatios: BenchComparisonRow['energyRatios'] = [];
    for (const figure of left.energy) {
      const other = right.energy.find((candidate) => candidate.source === figure.source);
      if (!figure.available || !other?.available) {
        notes.push(`${figure.source}: energy not measured in both reports`);
        continue;
      }
      energyRatios.push({
        source: figure.source,
        total: ratioInterval(figure.samples, other.samples),
        baselineSubtracted: ratioInterval(figure.baselineSubtractedSamples, other.baselineSubtractedSamples),
      });
    }
    rows.push({
      workload: left.workload,
      backend: left.backend,
      dataShape: left.dataShape,
      timeRatio: ratioInterval(left.secondsSamples, right.secondsSamples),
      energyRatios,
      notes,
    });
  }
  for (const key of byKey.keys()) unmatched.push(`${key} (only in the second report)`);
  const describe = (report: BenchReport) => `${report.machine.cpuModel}, ${report.machine.os} ${report.machine.arch}`;
  return { a: { startedAt: a.startedAt, machine: describe(a) }, b: { startedAt: b.startedAt, machine: describe(b) }, rows, unmatched };
}
