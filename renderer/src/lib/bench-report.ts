// Reads a report written by `milens bench --json` (BenchReport, main/api/contract.ts) for the Benchmarks
// view, checking its shape so that another JSON file gets a clear message instead of a broken table, and
// turns each result into the row the view draws: time per operation, and energy per source or why not.
import type { BenchInterval, BenchReport, BenchResult } from '../../../main/api/contract.js';

export interface BenchRow {
  workload: string;
  backend: string;
  dataShape: string;
  secondsPerOperation: BenchInterval;
  /** One entry per energy source: joules per operation with its interval, or the reason there is none. */
  energy: Array<{ source: string; joules: BenchInterval | null; baselineSubtracted: BenchInterval | null; reason: string | null }>;
  notes: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInterval(value: unknown): value is BenchInterval {
  return isObject(value) && [value.median, value.low, value.high].every((number) => typeof number === 'number' && Number.isFinite(number));
}

export function parseBenchReport(json: string): BenchReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`This file is not JSON (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  if (!isObject(parsed)) throw new Error('This file is not a milens bench report: expected a JSON object.');
  if (!Array.isArray(parsed.results)) throw new Error('This file is not a milens bench report: it has no "results" list.');
  parsed.results.forEach((result: unknown, index: number) => {
    if (!isObject(result) || typeof result.workload !== 'string' || !isInterval(result.secondsPerOperation))
      throw new Error(`This file is not a milens bench report: result ${index + 1} has no workload or time per operation.`);
  });
  return parsed as unknown as BenchReport;
}

export function benchRows(report: BenchReport): BenchRow[] {
  return report.results.map((result: BenchResult) => ({
    workload: result.workload,
    backend: result.backend,
    dataShape: result.dataShape,
    secondsPerOperation: result.secondsPerOperation,
    energy: (result.energy ?? []).map((figure) =>
      figure.available
        ? {
            source: figure.source,
            joules: figure.joulesPerOperation,
            baselineSubtracted: figure.baselineSubtractedJoulesPerOperation,
            reason: null,
          }
        : { source: figure.source, joules: null, baselineSubtracted: null, reason: figure.reason },
    ),
    notes: result.notes ?? [],
  }));
}

/** A time for people, from seconds: "370 ms", "12.5 µs", "2.31 s". */
export function formatSeconds(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs >= 1) return `${seconds.toPrecision(3)} s`;
  if (abs >= 1e-3) return `${(seconds * 1e3).toPrecision(3)} ms`;
  if (abs >= 1e-6) return `${(seconds * 1e6).toPrecision(3)} µs`;
  return `${(seconds * 1e9).toPrecision(3)} ns`;
}

/** Energy for people, from joules: "4.20 J", "310 mJ", "12.0 µJ". */
export function formatJoules(joules: number): string {
  const abs = Math.abs(joules);
  if (abs >= 1) return `${joules.toPrecision(3)} J`;
  if (abs >= 1e-3) return `${(joules * 1e3).toPrecision(3)} mJ`;
  return `${(joules * 1e6).toPrecision(3)} µJ`;
}
