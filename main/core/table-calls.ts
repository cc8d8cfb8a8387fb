// Table calls: mutual information and feature selection over CSV / Parquet files. The table is loaded
// into typed columns (main/table), the estimators run on the compute backend (native when built). Both
// calls run as jobs (./jobs.ts): `jobProgress` events with the steps done (estimates, permutations,
// picks) and a message (running p-values while permutations run), and `cancelJob(jobId)` stops the work
// between steps (native permutation kernels between their tasks); a cancelled call rejects with
// CANCELLED, and the memory it held is released with its last references.
import type { MilensApi, MiReport, MiRequest, SelectReport, SelectRequest } from '../api/contract.js';
import { invalidArgument } from '../api/errors.js';
import { getCompute } from '../compute/index.js';
import { estimateConditionalMutualInformation } from '../mi/conditional-estimate.js';
import { estimateMutualInformation } from '../mi/estimate.js';
import { explainDependence } from '../mi/explain.js';
import { selectFeatures } from '../select/select.js';
import { loadTable, sampleWarning } from '../table/load.js';
import type { CoreContext } from './context.js';
import { describeTable } from './describe-table.js';
import type { Job } from './jobs.js';

/** loadTable with the load's bytes as the job's progress ("bytes" of the file, before the job's own steps). */
function loadTableForJob(request: MiRequest | SelectRequest, job: Job | undefined): ReturnType<typeof loadTable> {
  const message = `loading ${request.table}`;
  return loadTable(request.table, {
    sampleRows: request.sample,
    ...(job
      ? {
          onProgress: (bytesRead: number, totalBytes: number) =>
            job.progress({ done: bytesRead, total: totalBytes, unit: 'bytes', message }),
        }
      : {}),
  });
}

function requireTableRequest(request: { table?: unknown; target?: unknown }): void {
  if (typeof request.table !== 'string' || request.table.length === 0) throw invalidArgument('A table file is required');
  if (typeof request.target !== 'string' || request.target.length === 0) throw invalidArgument('A --target column is required');
}

/** What the engines need from a job: progress, the signal for native kernels, the check between steps. */
function jobHooks(job: Job | undefined): {
  onProgress?: (done: number, total: number, message?: string) => void;
  signal?: AbortSignal;
  throwIfCancelled?: () => void;
} {
  if (!job) return {};
  return {
    onProgress: (done, total, message) => job.progress(message === undefined ? { done, total } : { done, total, message }),
    signal: job.signal,
    throwIfCancelled: () => job.throwIfCancelled(),
  };
}

export async function estimateMi(request: MiRequest, job?: Job): Promise<MiReport> {
  requireTableRequest(request);
  const table = await loadTableForJob(request, job);
  job?.throwIfCancelled();
  // With `given`, the conditional path (main/mi/conditional-estimate.ts); the plain path is untouched.
  if (request.given !== undefined) {
    for (const [argument, value] of [
      ['explain', request.explain],
      ['estimator', request.estimator !== undefined && request.estimator !== 'ksg' ? request.estimator : undefined],
    ] as const) {
      if (value)
        throw invalidArgument(`${argument} cannot be combined with given (the conditional estimate has no ${argument})`, { argument });
    }
    return withSampleWarning(
      await estimateConditionalMutualInformation(await getCompute(), table, request.target, request.given, {
        ...request,
        ...jobHooks(job),
      }),
      table,
    );
  }
  const compute = await getCompute();
  const report = await estimateMutualInformation(compute, table, request.target, { ...request, ...jobHooks(job) });
  // The confounder check (main/mi/explain.ts) runs on the plain report.
  return withSampleWarning(request.explain === true ? await explainDependence(compute, table, report, request) : report, table);
}

/** A report computed on a sample says so first among its warnings. */
function withSampleWarning<R extends { warnings?: string[] }>(report: R, table: Awaited<ReturnType<typeof loadTable>>): R {
  const warning = sampleWarning(table);
  return warning === null ? report : { ...report, warnings: [warning, ...(report.warnings ?? [])] };
}

export async function selectTableFeatures(request: SelectRequest, job?: Job): Promise<SelectReport> {
  requireTableRequest(request);
  const table = await loadTableForJob(request, job);
  job?.throwIfCancelled();
  return withSampleWarning(await selectFeatures(await getCompute(), table, request.target, { ...request, ...jobHooks(job) }), table);
}

export function tableCalls(context: CoreContext): Pick<MilensApi, 'estimateMi' | 'selectFeatures' | 'describeTable'> {
  return {
    estimateMi: (request) => context.jobs.run(request?.jobId, 'mi', 'steps', (job) => estimateMi(request, job)),
    selectFeatures: (request) => context.jobs.run(request?.jobId, 'select', 'steps', (job) => selectTableFeatures(request, job)),
    describeTable,
  };
}
