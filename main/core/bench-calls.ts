// Benchmark calls: time and energy per operation of milens' workloads (main/bench), as a long job
// with progress events and cancel.
import type { BenchReport, BenchRequest, MilensApi } from '../api/contract.js';
import { invalidArgument } from '../api/errors.js';
import { runBenchmark } from '../bench/run-benchmark.js';
import { cancelledError } from './jobs.js';
import type { CoreContext } from './context.js';

export function benchCalls(context: CoreContext): Pick<MilensApi, 'runBenchmark'> {
  return {
    async runBenchmark(request: BenchRequest): Promise<BenchReport> {
      if (request === null || typeof request !== 'object') throw invalidArgument('Expected a benchmark request object.');
      return context.jobs.run(request.jobId, 'bench', 'steps', async (job) => {
        try {
          return await runBenchmark(request, {
            modelsFolder: context.modelsFolder,
            signal: job.signal,
            onProgress: (done, total, message) => job.progress({ done, total, message }),
          });
        } catch (error) {
          if (job.cancelled) throw cancelledError(job.id, 'bench');
          throw error;
        }
      });
    },
  };
}
