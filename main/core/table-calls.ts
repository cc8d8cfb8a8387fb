// Table calls: mutual information and feature selection over CSV / Parquet files. The table is loaded
// into typed columns (main/table), the estimators run on the compute backend (native when built).
import type { MilensApi, MiReport, MiRequest, SelectReport, SelectRequest } from '../api/contract.js';
import { invalidArgument } from '../api/errors.js';
import { getCompute } from '../compute/index.js';
import { estimateConditionalMutualInformation } from '../mi/conditional-estimate.js';
import { estimateMutualInformation } from '../mi/estimate.js';
import { selectFeatures } from '../select/select.js';
import { loadTable } from '../table/load.js';
import type { CoreContext } from './context.js';
import { describeTable } from './describe-table.js';

function requireTableRequest(request: { table?: unknown; target?: unknown }): void {
  if (typeof request.table !== 'string' || request.table.length === 0) throw invalidArgument('A table file is required');
  if (typeof request.target !== 'string' || request.target.length === 0) throw invalidArgument('A --target column is required');
}

export async function estimateMi(request: MiRequest): Promise<MiReport> {
  requireTableRequest(request);
  const table = await loadTable(request.table);
  // With `given`, the conditional path (main/mi/conditional-estimate.ts); the plain path is untouched.
  if (request.given !== undefined)
    return estimateConditionalMutualInformation(await getCompute(), table, request.target, request.given, request);
  return estimateMutualInformation(await getCompute(), table, request.target, request);
}

export async function selectTableFeatures(request: SelectRequest): Promise<SelectReport> {
  requireTableRequest(request);
  const table = await loadTable(request.table);
  return selectFeatures(await getCompute(), table, request.target, request);
}

export function tableCalls(_context: CoreContext): Pick<MilensApi, 'estimateMi' | 'selectFeatures' | 'describeTable'> {
  return {
    estimateMi,
    selectFeatures: selectTableFeatures,
    describeTable,
  };
}
