// `milens bench`: time and energy per operation of milens' workloads on each backend, from hardware
// counters only (docs/bench.md); `milens bench compare a.json b.json`: the ratios of two reports.
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { BenchInterval, BenchReport, BenchRequest } from '../../api/contract.js';
import { invalidArgument, unreadable } from '../../api/errors.js';
import { formatTable, logInfo, printJson, printText } from '../output.js';
import { withApi, withJsonOption, type CommonOptions } from '../shell.js';
import { parseIntegerFlag } from './mi.js';

interface BenchOptions extends CommonOptions {
  workload?: string[];
  backend?: string[];
  trials?: string;
  warmups?: string;
  minWindowMs?: string;
  small?: boolean;
  out?: string;
}

/** "1.23 ms [1.20, 1.31]": a median and its 95 % interval in one unit chosen for the median. */
export function formatInterval(interval: BenchInterval, unit: 's' | 'J'): string {
  const scales: Array<[number, string]> =
    unit === 's'
      ? [
          [1, 's'],
          [1e-3, 'ms'],
          [1e-6, 'µs'],
        ]
      : [
          [1, 'J'],
          [1e-3, 'mJ'],
          [1e-6, 'µJ'],
        ];
  const [scale, label] = scales.find(([factor]) => Math.abs(interval.median) >= factor) ?? scales[scales.length - 1];
  const show = (value: number) => (value / scale).toPrecision(3);
  return `${show(interval.median)} ${label} [${show(interval.low)}, ${show(interval.high)}]`;
}

function printReport(report: BenchReport): void {
  const sources = report.sources.filter((source) => source.available).map((source) => source.name);
  const headers = ['workload', 'backend', 'time / op (95 % CI)', ...sources.map((name) => `${name} J / op above idle (95 % CI)`), 'data'];
  const rows = report.results.map((result) => [
    result.workload,
    result.backend,
    formatInterval(result.secondsPerOperation, 's'),
    ...sources.map((name) => {
      const figure = result.energy.find((candidate) => candidate.source === name);
      if (!figure) return '-';
      return figure.available ? formatInterval(figure.baselineSubtractedJoulesPerOperation, 'J') : `unavailable: ${figure.reason}`;
    }),
    result.dataShape,
  ]);
  printText(formatTable(headers, rows));
  if (report.energyUnavailable) printText(`energy: unavailable: ${report.energyUnavailable}`);
  for (const source of report.sources.filter((candidate) => !candidate.available))
    printText(`  ${source.name}: ${source.reason}${source.fix ? `\n    fix: ${source.fix}` : ''}`);
  printText(
    `${report.protocol.trials} trials, ${report.protocol.warmups} warm-ups, windows ≥ ${report.protocol.minWindowMs} ms; ${report.protocol.intervalMethod}; ${report.protocol.order}`,
  );
  for (const warning of report.warnings) logInfo(`warning: ${warning}`);
}

/** Writes the report next to its final name, then renames it into place (never a half-written file). */
function writeReport(file: string, report: BenchReport): void {
  const target = path.resolve(file);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temporary, target);
}

function readReport(file: string): BenchReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(file, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
  let report: BenchReport;
  try {
    report = JSON.parse(text) as BenchReport;
  } catch {
    throw invalidArgument(`${file} is not JSON: expected a report written by \`milens bench --out\``, { path: file });
  }
  if (!Array.isArray(report?.results) || typeof report.machine !== 'object')
    throw invalidArgument(`${file} is not a milens benchmark report (no results or machine)`, { path: file });
  return report;
}

export function registerBench(program: Command): void {
  const bench = withJsonOption(
    program
      .command('bench')
      .description('time and energy per operation of milens workloads on each backend, from hardware counters')
      .option(
        '--workload <names...>',
        'workloads to run: ksg-mi, similarity-top10, text-search, image-embedding, text-embedding (default: all)',
      )
      .option(
        '--backend <names...>',
        'compute backends (cpu, cuda, metal, typescript) and, for the embedding workloads, ONNX Runtime providers (cpu, cuda) (default: every available one)',
      )
      .option('--trials <count>', 'measured trials per workload and backend (at least 5 for intervals)', '5')
      .option('--warmups <count>', 'unmeasured runs first', '2')
      .option('--min-window-ms <ms>', 'shortest measured window (never under 10 × a counter update interval)', '1000')
      .option('--small', 'small data for a quick check (labelled in the report)')
      .option('--out <file>', 'also write the JSON report to this file'),
  );
  bench.action(async (options: BenchOptions) => {
    const request: BenchRequest = {
      workloads: options.workload,
      backends: options.backend,
      trials: parseIntegerFlag('--trials', options.trials, 1, 1000),
      warmups: parseIntegerFlag('--warmups', options.warmups, 0, 100),
      minWindowMs: parseIntegerFlag('--min-window-ms', options.minWindowMs, 1, 600_000),
      size: options.small ? 'small' : 'full',
      jobId: randomUUID(),
    };
    const report = await withApi(options, async (api, core) => {
      let lastLine = 0;
      const stop = core.context.on('jobProgress', (event) => {
        if (event.jobId !== request.jobId) return;
        const now = Date.now();
        if (!event.finished && now - lastLine < 1000) return;
        lastLine = now;
        const left = event.etaMs === null ? '' : `, ~${Math.ceil(event.etaMs / 1000)} s left`;
        logInfo(`bench: ${event.done}/${event.total ?? '?'} ${event.message ?? ''}${left}`);
      });
      const cancel = () => void api.cancelJob(request.jobId!);
      process.once('SIGINT', cancel);
      try {
        return await api.runBenchmark(request);
      } finally {
        stop();
        process.off('SIGINT', cancel);
      }
    });
    if (options.out) writeReport(options.out, report);
    if (options.json) return printJson(report);
    printReport(report);
  });

  withJsonOption(
    bench
      .command('compare')
      .description('ratios a / b of two benchmark reports, workload by workload, with intervals')
      .argument('<a>', 'report written by milens bench --out')
      .argument('<b>', 'report to compare against'),
  ).action(async (a: string, b: string, options: CommonOptions) => {
    const { compareReports } = await import('../../bench/compare.js');
    const comparison = compareReports(readReport(a), readReport(b));
    if (options.json) return printJson(comparison);
    const show = (interval: BenchInterval) => `${interval.median.toFixed(3)}× [${interval.low.toFixed(3)}, ${interval.high.toFixed(3)}]`;
    printText(`a: ${comparison.a.machine} (${comparison.a.startedAt})\nb: ${comparison.b.machine} (${comparison.b.startedAt})`);
    printText(
      formatTable(
        ['workload', 'backend', 'time a / b', 'energy a / b above idle', 'notes'],
        comparison.rows.map((row) => [
          row.workload,
          row.backend,
          show(row.timeRatio),
          row.energyRatios.map((ratio) => `${ratio.source} ${show(ratio.baselineSubtracted)}`).join('; ') || 'not measured',
          row.notes.join('; '),
        ]),
      ),
    );
    for (const line of comparison.unmatched) printText(`unmatched: ${line}`);
  });
}
