// `milens select <table> --target <column> --method mrmr|jmi|cmim --count K`: greedy feature selection
// by mutual information (Brown et al. 2012), printed in selection order.
import type { Command } from 'commander';
import type { SelectRequest, SelectionMethod } from '../../api/contract.js';
import { invalidArgument } from '../../api/errors.js';
import { SELECTION_METHODS } from '../../select/select.js';
import { withJobProgress } from '../job-progress.js';
import { formatTable, logInfo, printJson, printText } from '../output.js';
import { withApi, withJsonOption } from '../shell.js';
import { parseIntegerFlag, tableRequestFrom, withTableKindOptions, type TableKindOptions } from './mi.js';

interface SelectOptions extends TableKindOptions {
  method: string;
  count: string;
}

export function registerSelect(program: Command): void {
  const command = withTableKindOptions(
    program
      .command('select')
      .description('pick the K most informative, least redundant columns of a table for a target')
      .argument('<table>', 'CSV or Parquet file'),
  )
    .requiredOption('--method <method>', 'mrmr, jmi or cmim')
    .requiredOption('--count <k>', 'how many columns to select');
  withJsonOption(command).action(async (table: string, options: SelectOptions) => {
    if (!(SELECTION_METHODS as readonly string[]).includes(options.method)) {
      throw invalidArgument(`Unknown method "${options.method}" for --method: expected mrmr, jmi or cmim`, {
        argument: '--method',
        value: options.method,
      });
    }
    const request: SelectRequest = {
      ...tableRequestFrom(table, options),
      method: options.method as SelectionMethod,
      count: parseIntegerFlag('--count', options.count, 1)!,
    };
    const started = Date.now();
    // Progress on stderr for runs over a second; Ctrl+C cancels the job.
    const report = await withApi(options, (api, core) => withJobProgress(api, core, (jobId) => api.selectFeatures({ ...request, jobId })));
    for (const warning of report.warnings ?? []) logInfo(`warning: ${warning}`);
    if (options.json) return printJson(report);
    printText(
      formatTable(
        ['rank', 'feature', `score (${report.unit})`],
        report.selected.map((s, index) => [index + 1, s.name, s.score]),
      ),
    );
    logInfo(`${report.method} for target ${report.target}, ${((Date.now() - started) / 1000).toFixed(2)} s`);
  });
}
