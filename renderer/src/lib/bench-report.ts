// Reads a report written by `milens bench --json` for the Benchmarks view. The report's type belongs to
// the benchmark's own module; this reader accepts its documented shape loosely (operations with a time
// and, where the counters allow, an energy, each with an interval) and says what it could not read.

export interface Interval {
  value: number;
  low: number | null;
  high: number | null;
}

export interface BenchOperation {
  name: string;
  /** The data shape, in words ("100k x 10 continuous"). */
  shape: string | null;
  backend: string | null;
  timeMs: Interval | null;
  energyJoules: Interval | null;
  energyUnavailable: string | null;
}

export interface BenchReport {
  createdAt: string | null;
  machine: string | null;
  operations: BenchOperation[];
  /** Why no energy was measured at all, when the report says. */
  energyUnavailable: string | null;
}

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** An interval from `{ median | mean | value, low | lower | ci[0], high | upper | ci[1] }`, or a bare number. */
function interval(value: unknown): Interval | null {
  if (typeof value === 'number') return Number.isFinite(value) ? { value, low: null, high: null } : null;
  if (!isObject(value)) return null;
  const centre = number(value.median) ?? number(value.mean) ?? number(value.value);
  if (centre === null) return null;
  const ci = Array.isArray(value.ci) ? value.ci : Array.isArray(value.interval) ? value.interval : [];
  return {
    value: centre,
    low: number(value.low) ?? number(value.lower) ?? number(ci[0]),
    high: number(value.high) ?? number(value.upper) ?? number(ci[1]),
  };
}

function operation(value: unknown, index: number): BenchOperation {
  const entry = isObject(value) ? value : {};
  const energy = entry.energyJoules ?? entry.energy;
  const energyObject = isObject(energy) ? energy : {};
  return {
    name: text(entry.name) ?? text(entry.operation) ?? `operation ${index + 1}`,
    shape: text(entry.shape) ?? text(entry.dataShape) ?? null,
    backend: text(entry.backend) ?? null,
    timeMs: interval(entry.timeMs ?? entry.wallMs ?? entry.time),
    energyJoules: interval(energy),
    energyUnavailable: text(entry.energyUnavailable) ?? text(energyObject.reason) ?? text(energyObject.unavailable) ?? null,
  };
}

export function parseBenchReport(json: string): BenchReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`This file is not JSON (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  if (!isObject(parsed)) throw new Error('This file is not a milens bench report: expected a JSON object.');
  const list = parsed.operations ?? parsed.results ?? parsed.rows;
  if (!Array.isArray(list)) throw new Error('This file is not a milens bench report: it has no "operations" list.');
  const machine = isObject(parsed.machine) ? (text(parsed.machine.cpuModel) ?? text(parsed.machine.name)) : text(parsed.machine);
  return {
    createdAt: text(parsed.createdAt) ?? text(parsed.date) ?? null,
    machine,
    operations: list.map(operation),
    energyUnavailable: text(parsed.energyUnavailable) ?? (isObject(parsed.energy) ? text(parsed.energy.reason) : null),
  };
}
