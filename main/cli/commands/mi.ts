// `milens mi <table> --target <column>`: mutual information (and Pearson, Spearman, distance
// correlation, permutation p-values) of every column of a CSV / Parquet table against one target.
import type { Command } from 'commander';
import type { ColumnKind, InformationUnit, MiRequest } from '../../api/contract.js';
import { invalidArgument } from '../../api/errors.js';
import { withJobProgress } from '../job-progress.js';
import { formatTable, logInfo, printJson, printText } from '../output.js';
import { withApi, withJsonOption, type CommonOptions } from '../shell.js';

/** The largest `--k`: the k-NN estimators cost O(n·k), and beyond this k the estimates are all bias. */
export const MAX_K_FLAG = 1000;

export interface TableKindOptions extends CommonOptions {
  target: string;
  k?: string;
  targetKind?: string;
  discrete?: string;
  continuous?: string;
  seed?: string;
}

/** Parses an integer flag, naming it in the error. */
export function parseIntegerFlag(
  flag: string,
  value: string | undefined,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < minimum || number > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `an integer of at least ${minimum}` : `an integer from ${minimum} to ${maximum}`;
    throw invalidArgument(`Expected ${flag} to be ${range} but received "${value}"`, { argument: flag, value });
  }
  return number;
}

function parseKindFlag(flag: string, value: string | undefined): ColumnKind | undefined {
  if (value === undefined) return undefined;
  if (value === 'discrete' || value === 'continuous') return value;
  throw invalidArgument(`Unknown kind "${value}" for ${flag}: expected discrete or continuous`, { argument: flag, value });
}

function parseList(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name.length > 0);
}

/** The request fields shared by `mi` and `select`. */
export function tableRequestFrom(table: string, options: TableKindOptions): Omit<MiRequest, 'permutations' | 'unit' | 'given'> {
  return {
    table,
    target: options.target,
    k: parseIntegerFlag('--k', options.k, 1, MAX_K_FLAG),
    targetKind: parseKindFlag('--target-kind', options.targetKind),
    discrete: parseList(options.discrete),
    continuous: parseList(options.continuous),
    seed: parseIntegerFlag('--seed', options.seed, 0, 0xffffffff),
  };
}

/** The options shared by `mi` and `select`. */
export function withTableKindOptions(command: Command): Command {
  return command
    .requiredOption('--target <column>', 'the column to explain')
    .option('--k <neighbours>', 'neighbours of the k-NN estimators (KSG, Ross)', '3')
    .option('--target-kind <kind>', 'discrete or continuous (default: inferred)')
    .option('--discrete <columns>', 'comma-separated columns to treat as discrete')
    .option('--continuous <columns>', 'comma-separated columns to treat as continuous')
    .option('--seed <seed>', 'seed of the tie-breaking jitter and permutations (default 0)');
}

interface MiOptions extends TableKindOptions {
  given?: string;
  permutations?: string;
  stopAfter?: string;
  unit?: string;
  millerMadow?: boolean;
}

export function registerMi(program: Command): void {
  const command = withTableKindOptions(
    program
      .command('mi')
      .description('mutual information of every column of a CSV / Parquet table with a target column')
      .argument('<table>', 'CSV or Parquet file'),
  )
    .option('--given <column>', 'condition on this column: mi is I(feature; target | column) (docs/mi.md)')
    .option(
      '--permutations <count>',
      'permutation-test p-values from this many seeded shuffles of the target (with --given: within strata of the given column)',
      '0',
    )
    .option(
      '--stop-after <exceedances>',
      "end a feature's permutation test once this many shuffles reach its MI, p = exceedances / shuffles (Besag–Clifford; 0 runs them all)",
      '10',
    )
    .option('--unit <unit>', 'nats or bits', 'nats')
    .option('--miller-madow', 'Miller–Madow bias correction for discrete–discrete pairs');
  withJsonOption(command).action(async (table: string, options: MiOptions) => {
    const unit = options.unit ?? 'nats';
    if (unit !== 'nats' && unit !== 'bits')
      throw invalidArgument(`Unknown unit "${unit}" for --unit: expected nats or bits`, { argument: '--unit', value: unit });
    if (options.given !== undefined && options.given === options.target) {
      throw invalidArgument(`--given "${options.given}" is the --target column: condition on another column`, {
        argument: '--given',
        value: options.given,
      });
    }
    const request: MiRequest = {
      ...tableRequestFrom(table, options),
      ...(options.given !== undefined ? { given: options.given } : {}),
      permutations: parseIntegerFlag('--permutations', options.permutations, 0, 1_000_000),
      stopAfterExceedances: parseIntegerFlag('--stop-after', options.stopAfter, 0, 1_000_000),
      unit: unit as InformationUnit,
      discreteEstimator: options.millerMadow ? 'miller-madow' : 'plugin',
    };
    const started = Date.now();
    // Progress on stderr for runs over a second; Ctrl+C cancels the job.
    const report = await withApi(options, (api, core) => withJobProgress(api, core, (jobId) => api.estimateMi({ ...request, jobId })));
    for (const warning of report.warnings) logInfo(`warning: ${warning}`);
    if (options.json) return printJson(report);
    // With --given the MI column is conditional: said in its header and on its own line above the table.
    if (report.given !== undefined)
      printText(`mi is conditional on ${report.given} (${report.givenKind}): I(feature; ${report.target} | ${report.given})`);
    printText(
      formatTable(
        [
          'feature',
          'kind',
          report.given !== undefined ? `mi | ${report.given} (${report.unit})` : `mi (${report.unit})`,
          'pearson',
          'spearman',
          'dcor',
          'p-value',
          'rows',
        ],
        report.features.map((f) => [f.name, f.kind, f.mi, f.pearson, f.spearman, f.dcor, f.pValue, f.rows]),
      ),
    );
    logInfo(
      `target ${report.target} (${report.targetKind})${report.given !== undefined ? `, given ${report.given} (${report.givenKind})` : ''}, ${report.rows} rows, k = ${report.k}, seed ${report.seed}, ${((Date.now() - started) / 1000).toFixed(2)} s`,
    );
  });
}
